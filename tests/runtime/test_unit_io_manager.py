"""Unit tests of the Iceberg IO manager with real Dagster runs and a real catalog."""

import json
from pathlib import Path

import pyarrow as pa
import pytest
from dagster import (
    AssetExecutionContext,
    AssetIn,
    StaticPartitionsDefinition,
    asset,
    materialize,
)
from floe_runtime import iceberg
from floe_runtime.files import load_iceberg_config
from floe_runtime.io_manager import IcebergIOManager
from helpers import write_output

DAYS = StaticPartitionsDefinition(["d1", "d2", "d3"])
# VERSION lets a test change what the asset produces between runs.
VERSION = {"n": 1}


@asset(
    partitions_def=DAYS, io_manager_key="iceberg_io", metadata={"partition_expr": "day"}
)
def events(context: AssetExecutionContext) -> pa.Table:
    day = context.partition_key
    n = VERSION["n"]
    return pa.table({"day": [day] * (n + 1), "version": [n] * (n + 1)})


@asset(
    partitions_def=DAYS,
    io_manager_key="iceberg_io",
    ins={"events": AssetIn(input_manager_key="iceberg_io")},
    metadata={"partition_expr": "day"},
)
def daily_counts(context: AssetExecutionContext, events: pa.Table) -> pa.Table:
    assert set(events["day"].to_pylist()) == {context.partition_key}, (
        "load read other partitions"
    )
    return pa.table({"day": [context.partition_key], "events": [events.num_rows]})


@asset(io_manager_key="iceberg_io")
def not_a_table() -> dict:
    return {"oops": 1}


@pytest.fixture
def manager(tmp_path: Path) -> IcebergIOManager:
    out = write_output(tmp_path / "out")
    return IcebergIOManager(
        output_dir=str(out),
        project_dir=str(tmp_path),
        product="demo",
        lineage_enabled=True,
        lineage_transport="file",
        lineage_file="lineage.jsonl",
        lineage_namespace="demo",
    )


def read(manager: IcebergIOManager, name: str) -> pa.Table:
    settings = load_iceberg_config(Path(manager.output_dir))
    catalog = iceberg.connect(settings.catalog, Path(manager.project_dir))
    return catalog.load_table(f"demo.{name}").scan().to_arrow()


def test_partition_writes_replace_only_their_partition(
    manager: IcebergIOManager,
) -> None:
    VERSION["n"] = 1
    for day in ["d1", "d2", "d3"]:
        result = materialize(
            [events, daily_counts], resources={"iceberg_io": manager}, partition_key=day
        )
        assert result.success
    table = read(manager, "events")
    assert table.num_rows == 6
    VERSION["n"] = 3
    assert materialize(
        [events], resources={"iceberg_io": manager}, partition_key="d2"
    ).success
    rows = read(manager, "events").to_pylist()
    by_day = {}
    for row in rows:
        by_day.setdefault(row["day"], set()).add(row["version"])
    assert by_day == {"d1": {1}, "d2": {3}, "d3": {1}}
    assert sum(1 for r in rows if r["day"] == "d2") == 4
    counts = {r["day"]: r["events"] for r in read(manager, "daily_counts").to_pylist()}
    assert counts == {"d1": 2, "d2": 2, "d3": 2}  # computed before d2 was rewritten
    assert materialize(
        [events, daily_counts],
        resources={"iceberg_io": manager},
        partition_key="d2",
        selection=[daily_counts],
    ).success
    counts = {r["day"]: r["events"] for r in read(manager, "daily_counts").to_pylist()}
    assert counts == {"d1": 2, "d2": 4, "d3": 2}


def test_non_table_output_is_rejected(manager: IcebergIOManager) -> None:
    result = materialize(
        [not_a_table], resources={"iceberg_io": manager}, raise_on_error=False
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error
    assert (
        "stores pyarrow.Table values" in failure.cause.message
        if failure.cause
        else failure.message
    )


def test_each_write_is_a_lineage_run_under_the_dagster_run(
    manager: IcebergIOManager, tmp_path: Path
) -> None:
    VERSION["n"] = 1
    result = materialize(
        [events], resources={"iceberg_io": manager}, partition_key="d1"
    )
    lines = (tmp_path / "lineage.jsonl").read_text().splitlines()
    got = [json.loads(line) for line in lines]
    # The Dagster run's START comes first (sent by its first step), then the write's.
    assert [(e["eventType"], e["job"]["name"]) for e in got] == [
        ("START", "demo.dagster_run"),
        ("START", "demo.events"),
        ("COMPLETE", "demo.events"),
    ]
    assert got[0]["run"]["runId"] == result.run_id
    got = got[1:]
    assert got[0]["run"]["runId"] == got[1]["run"]["runId"]
    parent = got[1]["run"]["facets"]["parent"]
    assert parent["run"]["runId"] == result.run_id
    assert parent["job"]["name"] == "demo.dagster_run"
    assert got[1]["outputs"][0]["name"] == "demo.events"

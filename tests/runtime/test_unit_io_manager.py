"""Unit tests of the Iceberg IO manager with real Dagster runs and a real catalog."""

import json
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from dagster import (
    AssetExecutionContext,
    AssetIn,
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
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


DAILY = DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-04")
HOURLY = HourlyPartitionsDefinition(
    start_date="2026-01-01-00:00", end_date="2026-01-01-03:00", timezone="Europe/Berlin"
)
SHARDS = StaticPartitionsDefinition(["1", "2", "3"])


@asset(
    partitions_def=DAILY,
    io_manager_key="iceberg_io",
    metadata={"partition_expr": "day"},
)
def daily_dates(context: AssetExecutionContext) -> pa.Table:
    """A date column, one Daily partition per day."""
    n = VERSION["n"]
    day = date.fromisoformat(context.partition_key)
    return pa.table(
        {"day": pa.array([day] * (n + 1), pa.date32()), "version": [n] * (n + 1)}
    )


@asset(
    partitions_def=HOURLY,
    io_manager_key="iceberg_io",
    metadata={"partition_expr": "ts"},
)
def hourly_times(context: AssetExecutionContext) -> pa.Table:
    """A timestamp column (wall-clock, no time zone), one Hourly partition per hour."""
    n = VERSION["n"]
    start = context.partition_time_window.start.replace(tzinfo=None)
    times = [start + timedelta(minutes=50 * i / max(n, 1)) for i in range(n + 1)]
    return pa.table(
        {"ts": pa.array(times, pa.timestamp("us")), "version": [n] * (n + 1)}
    )


@asset(
    partitions_def=SHARDS,
    io_manager_key="iceberg_io",
    metadata={"partition_expr": "shard"},
)
def shards(context: AssetExecutionContext) -> pa.Table:
    """An integer column, one Static partition per value."""
    n = VERSION["n"]
    shard = int(context.partition_key)
    return pa.table(
        {"shard": pa.array([shard] * (n + 1), pa.int64()), "version": [n] * (n + 1)}
    )


@asset(
    io_manager_key="iceberg_io",
    ins={"daily_dates": AssetIn(input_manager_key="iceberg_io")},
)
def all_days(daily_dates: pa.Table) -> pa.Table:
    """Unpartitioned, downstream of a partitioned asset: reads every partition."""
    return pa.table(
        {
            "days": [len(set(daily_dates["day"].to_pylist()))],
            "rows": [daily_dates.num_rows],
        }
    )


def _files_by_partition(manager: IcebergIOManager, name: str) -> dict[str, set[str]]:
    settings = load_iceberg_config(Path(manager.output_dir))
    catalog = iceberg.connect(settings.catalog, Path(manager.project_dir))
    table = catalog.load_table(f"demo.{name}")
    files: dict[str, set[str]] = {}
    for task in table.scan().plan_files():
        files.setdefault(str(task.file.partition[0]), set()).add(task.file.file_path)
    return files


@pytest.mark.parametrize(
    ("asset_def", "column", "partitions_def"),
    [
        (daily_dates, "day", DAILY),
        (hourly_times, "ts", HOURLY),
        (shards, "shard", SHARDS),
    ],
    ids=["daily-date", "hourly-timestamp", "static-integer"],
)
def test_typed_partition_keys_overwrite_exactly_their_partition(
    manager: IcebergIOManager, asset_def, column: str, partitions_def
) -> None:
    keys = partitions_def.get_partition_keys()
    assert len(keys) == 3
    VERSION["n"] = 1
    for key in keys:
        assert materialize(
            [asset_def], resources={"iceberg_io": manager}, partition_key=key
        ).success
    assert read(manager, asset_def.key.path[-1]).num_rows == 6
    files_before = _files_by_partition(manager, asset_def.key.path[-1])
    assert len(files_before) == 3, files_before
    VERSION["n"] = 3
    assert materialize(
        [asset_def], resources={"iceberg_io": manager}, partition_key=keys[1]
    ).success
    rows = read(manager, asset_def.key.path[-1]).to_pylist()
    versions = sorted(r["version"] for r in rows)
    assert versions == [1, 1, 1, 1, 3, 3, 3, 3], rows
    files_after = _files_by_partition(manager, asset_def.key.path[-1])
    changed = [p for p in files_before if files_after.get(p) != files_before[p]]
    assert len(changed) == 1, (files_before, files_after)


def test_output_with_rows_of_another_day_is_refused(manager: IcebergIOManager) -> None:
    @asset(
        name="daily_dates",
        partitions_def=DAILY,
        io_manager_key="iceberg_io",
        metadata={"partition_expr": "day"},
    )
    def wrong_day(context: AssetExecutionContext) -> pa.Table:
        return pa.table({"day": pa.array([date(2026, 1, 3)], pa.date32())})

    result = materialize(
        [wrong_day],
        resources={"iceberg_io": manager},
        partition_key="2026-01-01",
        raise_on_error=False,
    )
    assert not result.success
    error = result.get_step_failure_events()[0].event_specific_data.error
    message = error.cause.message if error.cause else error.message
    assert "output has rows of other partitions ['2026-01-03']" in message


def test_unpartitioned_downstream_reads_every_partition(
    manager: IcebergIOManager,
) -> None:
    VERSION["n"] = 1
    for key in DAILY.get_partition_keys():
        assert materialize(
            [daily_dates], resources={"iceberg_io": manager}, partition_key=key
        ).success
    assert materialize(
        [daily_dates, all_days],
        resources={"iceberg_io": manager},
        selection=[all_days],
    ).success
    assert read(manager, "all_days").to_pylist() == [{"days": 3, "rows": 6}]

"""Run-level lineage: the run status sensors report a real finished Dagster run."""

import json
from pathlib import Path

from dagster import (
    DagsterEventType,
    DagsterInstance,
    asset,
    build_run_status_sensor_context,
    materialize,
)
from floe_runtime.plan import Lineage, Plan
from floe_runtime.run_lineage import lineage_sensors


@asset
def one() -> int:
    return 1


@asset
def broken() -> int:
    raise RuntimeError("boom")


def plan(lineage: Lineage) -> Plan:
    return Plan(
        product="demo",
        product_version="1",
        slug="demo",
        floe_version="dev",
        contract_version="0.10.0",
        project_dir=".",
        dbt_profile="demo",
        dbt_target="dev",
        lineage=lineage,
    )


def _evaluate(sensor, instance: DagsterInstance, run_id: str, event_type) -> None:
    record = instance.get_records_for_run(run_id, of_type=event_type).records[0]
    context = build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=record.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
    )
    sensor(context)


def test_sensors_send_start_and_complete_or_fail(tmp_path: Path) -> None:
    settings = Lineage(
        enabled=True, transport="file", file="lineage.jsonl", namespace="demo"
    )
    sensors = lineage_sensors(plan(settings), tmp_path)
    by_name = {s.name: s for s in sensors}
    assert sorted(s.name for s in sensors) == [
        "demo_lineage_run_complete",
        "demo_lineage_run_fail",
    ]
    assert all(s.default_status.value == "RUNNING" for s in sensors)
    with DagsterInstance.ephemeral() as instance:
        ok = materialize([one], instance=instance)
        _evaluate(
            by_name["demo_lineage_run_complete"],
            instance,
            ok.run_id,
            DagsterEventType.RUN_SUCCESS,
        )
        bad = materialize([broken], instance=instance, raise_on_error=False)
        _evaluate(
            by_name["demo_lineage_run_fail"],
            instance,
            bad.run_id,
            DagsterEventType.RUN_FAILURE,
        )
    events = [
        json.loads(line)
        for line in (tmp_path / "lineage.jsonl").read_text().splitlines()
    ]
    got = [(e["run"]["runId"], e["eventType"], e["job"]["name"]) for e in events]
    assert got == [
        (ok.run_id, "START", "demo.dagster_run"),
        (ok.run_id, "COMPLETE", "demo.dagster_run"),
        (bad.run_id, "START", "demo.dagster_run"),
        (bad.run_id, "FAIL", "demo.dagster_run"),
    ]
    assert events[0]["eventTime"] <= events[1]["eventTime"]
    assert (
        events[3]["run"]["facets"]["errorMessage"]["message"] == "Dagster run FAILURE"
    )


def test_no_sensors_without_lineage(tmp_path: Path) -> None:
    assert lineage_sensors(plan(Lineage(enabled=False)), tmp_path) == []
    assert (
        lineage_sensors(plan(Lineage(enabled=True, transport="noop")), tmp_path) == []
    )

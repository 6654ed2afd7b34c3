"""build_definitions refuses mismatched plans and outputs before building anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from floe_runtime import CompiledOutputError, Plan, build_definitions
from helpers import write_output


def plan(**overrides: str) -> Plan:
    fields = {
        "product": "demo",
        "product_version": "1.0.0",
        "slug": "demo",
        "floe_version": "dev",
        "contract_version": "0.10.0",
        "project_dir": "..",
        "dbt_profile": "demo",
        "dbt_target": "dev",
    }
    fields.update(overrides)
    return Plan(**fields)


def test_definitions_from_another_floe_version_are_refused(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out")
    with pytest.raises(
        CompiledOutputError, match=r"compiled with floe 9\.9\.9 .*re-run `floe compile`"
    ):
        build_definitions(plan(floe_version="9.9.9"), out)


def test_artifacts_of_another_product_are_refused(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out")
    with pytest.raises(
        CompiledOutputError, match="product 'demo' but definitions.py is for 'other'"
    ):
        build_definitions(plan(product="other"), out)


def test_missing_dbt_manifest_says_how_to_make_it(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out")
    with pytest.raises(
        CompiledOutputError,
        match=r"manifest not found; run `python -m floe_runtime prepare",
    ):
        build_definitions(plan(), out)


def test_partitioned_assets_get_schedules_from_their_partitions() -> None:
    from datetime import datetime, timezone

    from dagster import (
        DailyPartitionsDefinition,
        Definitions,
        StaticPartitionsDefinition,
        asset,
        build_schedule_context,
    )
    from floe_runtime.build import build_partitioned_schedules
    from floe_runtime.files import ScheduleConfig

    daily = DailyPartitionsDefinition(start_date="2026-01-01", timezone="Asia/Tokyo")
    regions = StaticPartitionsDefinition(["east", "west"])

    @asset(partitions_def=daily)
    def by_day() -> None: ...

    @asset(partitions_def=daily, deps=[by_day])
    def by_day_too() -> None: ...

    @asset(partitions_def=regions)
    def by_region() -> None: ...

    @asset
    def plain() -> None: ...

    config = ScheduleConfig(
        name="p_schedule", cron="0 6 * * *", timezone="Europe/Berlin", enabled=True
    )
    jobs, schedules = build_partitioned_schedules(
        (config,), [by_day, plain, by_day_too, by_region]
    )
    defs = Definitions(
        assets=[by_day, by_day_too, by_region, plain], jobs=jobs, schedules=schedules
    )
    day = defs.get_schedule_def("p_schedule_partitions_0")
    region = defs.get_schedule_def("p_schedule_partitions_1")
    # Daily partitions: the partitions' own cadence and time zone, latest partition.
    assert (day.cron_schedule, day.execution_timezone) == ("0 0 * * *", "Asia/Tokyo")
    assert day.default_status.value == "RUNNING"
    tick = datetime(2026, 3, 5, 0, 0, tzinfo=timezone.utc)
    with build_schedule_context(scheduled_execution_time=tick) as context:
        requests = list(day.evaluate_tick(context).run_requests or [])
    assert [r.partition_key for r in requests] == ["2026-03-04"]
    resolved = defs.resolve_job_def("p_schedule_partitions_0_job")
    assert {k.path[-1] for k in resolved.asset_layer.executable_asset_keys} == {
        "by_day",
        "by_day_too",
    }
    # Static partitions: the product's cron and time zone, every key.
    assert (region.cron_schedule, region.execution_timezone) == (
        "0 6 * * *",
        "Europe/Berlin",
    )
    with build_schedule_context(scheduled_execution_time=tick) as context:
        requests = list(region.evaluate_tick(context).run_requests or [])
    assert sorted(r.partition_key for r in requests) == ["east", "west"]


def test_each_orchestrator_names_its_own_plan_file(tmp_path: Path) -> None:
    # load_runtime reads and checks the compiled files for both orchestrators: the
    # definitions' build (definitions.py) and an Airflow task (dag.py).
    from floe_runtime.step import load_runtime

    out = write_output(tmp_path / "out")
    with pytest.raises(CompiledOutputError, match="product 'demo' but dag.py is for 'other'"):
        load_runtime(plan(product="other"), out, plan_file="dag.py")
    with pytest.raises(
        CompiledOutputError, match=r"manifest not found; run `python -m floe_airflow prepare"
    ):
        load_runtime(plan(), out, plan_file="dag.py", prepare="python -m floe_airflow prepare")

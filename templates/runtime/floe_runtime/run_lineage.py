"""OpenLineage START and COMPLETE/FAIL for whole Dagster runs.

Every dbt step's OpenLineage run names the Dagster run as its parent (job
``<product>.dagster_run``, run id = the Dagster run id). The parent run's START is sent
by its first step, before that step's own events (lineage.py); its COMPLETE or FAIL
once the run has ended, with the run's recorded end time (and its START then, with the
recorded start time, if no step sent it: a run that failed before any step ran): by run
status sensors when a Dagster daemon runs (dagster dev, Kubernetes), and by
``python -m floe_runtime materialize`` for local runs, which have no daemon.
"""

import logging
from datetime import datetime, timezone
from pathlib import Path

from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunStatusSensorContext,
    SensorDefinition,
    run_status_sensor,
)
from .plan import Plan


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    utc = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def report_run(
    instance: DagsterInstance,
    run_id: str,
    plan: Plan,
    project_dir: Path,
    log: logging.Logger,
) -> bool:
    """Send START and COMPLETE (or FAIL) of Dagster run run_id; False if not delivered."""
    # Imported here: loading the definitions (which builds the sensors) needs neither.
    from openlineage.client.event_v2 import RunState

    from .lineage import LineageEmitter, RunLineageState, run_job_name

    record = instance.get_run_record_by_id(run_id)
    if record is None:
        log.warning("lineage: Dagster run %s not found in the instance", run_id)
        return False
    state = RunLineageState(instance, run_id)
    emitter = LineageEmitter(plan.lineage, project_dir, log, state)
    ok = record.dagster_run.status == DagsterRunStatus.SUCCESS
    job = run_job_name(plan)
    started = True
    if not state.start_sent():
        started = emitter.emit(
            RunState.START,
            run_id=run_id,
            job_name=job,
            event_time=_iso(record.start_time),
        )
        if started:
            state.mark_start_sent()
    ended = emitter.emit(
        RunState.COMPLETE if ok else RunState.FAIL,
        run_id=run_id,
        job_name=job,
        event_time=_iso(record.end_time),
        error=None if ok else f"Dagster run {record.dagster_run.status.value}",
    )
    return started and ended


def lineage_sensors(plan: Plan, project_dir: Path) -> list[SensorDefinition]:
    """Run status sensors reporting this code location's finished runs to lineage."""
    if not plan.lineage.enabled or plan.lineage.transport in ("", "noop"):
        return []
    sensors = []
    for status, suffix in (
        (DagsterRunStatus.SUCCESS, "complete"),
        (DagsterRunStatus.FAILURE, "fail"),
    ):

        def report(context: RunStatusSensorContext) -> None:
            report_run(
                context.instance,
                context.dagster_run.run_id,
                plan,
                project_dir,
                context.log,
            )

        sensors.append(
            run_status_sensor(
                run_status=status,
                name=f"{plan.slug}_lineage_run_{suffix}",
                description="Sends the run's OpenLineage START and COMPLETE/FAIL events.",
                default_status=DefaultSensorStatus.RUNNING,
            )(report)
        )
    return sensors

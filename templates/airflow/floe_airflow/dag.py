"""The product's Airflow DAG: one task per dbt model, after a task for the dbt seeds.

Why a task per model (not per preset group, as the Dagster ops are): it is what Airflow
users see with Cosmos and expect of a dbt DAG: each model in the grid with its own state,
log, duration and retries, "clear downstream" from any model, and its own pod with its
own preset on the KubernetesExecutor. Each task is stateless (its inputs come from Iceberg,
see steps.py), so tasks run in parallel and retry alone. The cost is one dbt invocation
per model (about 2 s of dbt start-up each, in docs/airflow.md's figures).

Parse time matters (the DAG processor re-parses this file continuously), so nothing here
reads a file or imports more than the Airflow SDK: the plan is a Python literal in the
generated DAG file, dbt's manifest is read by the tasks at run time only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from floe_runtime._stamp import CONTRACT_VERSION, FLOE_VERSION
from floe_runtime.errors import CompiledOutputError
from floe_runtime.plan import Plan

from .kubernetes import executor_configs
from .operator import SEEDS_TASK, FloeDbtOperator

if TYPE_CHECKING:
    from airflow.sdk import DAG

# The start date of every floe DAG: a fixed day in the past, in the schedule's time zone.
# With catchup off the scheduler only ever creates the latest run, so it never matters
# beyond being timezone-aware (Airflow reads the cron in the start date's zone too).
START_DATE = (2024, 1, 1)


@dataclass(frozen=True)
class Schedule:
    """The product's compiled schedule (schedules.json): cron, IANA zone, enabled."""

    cron: str
    timezone: str
    enabled: bool


def check_contract(plan: Plan) -> None:
    """Refuse a DAG file compiled for another contract than this runtime reads."""
    if plan.contract_version != CONTRACT_VERSION:
        raise CompiledOutputError(
            f"this DAG was compiled by floe {plan.floe_version} for CompiledArtifacts "
            f"contract {plan.contract_version}, but the floe runtime beside it (floe "
            f"{FLOE_VERSION}) reads contract {CONTRACT_VERSION}: re-run `floe compile` "
            "and deploy the whole output directory (DAG file, floe_airflow/, "
            "floe_runtime/ and the compiled files) together"
        )


def table_asset_uri(catalog: str, identifier: str) -> str:
    """The Airflow asset URI of an Iceberg table: iceberg://<catalog>/<namespace>/<table>."""
    namespace, _, table = identifier.rpartition(".")
    return f"iceberg://{catalog}/{namespace}/{table}"


def build_dag(
    plan: Plan,
    schedule: Schedule | None,
    output_dir: Path,
    *,
    catalog: str = "",
    namespace: str = "",
) -> DAG:
    """The DAG of plan: one FloeDbtOperator per model, edges from the compiled graph.

    schedule None means no schedule (triggered by hand or by the API). The DAG is paused
    on creation unless the schedule is enabled; catch-up is off and one run at a time
    runs (an append-mode table must not be written by two runs at once). With catalog
    and namespace, each model's task declares its Iceberg table
    (``<namespace>.<model>``) as an Airflow asset it updates, so that other DAGs can be
    scheduled on it (``schedule=[Asset("iceberg://<catalog>/<namespace>/<model>")]``).
    """
    import pendulum
    from airflow.sdk import DAG, Asset, CronTriggerTimetable

    check_contract(plan)
    zone = schedule.timezone if schedule is not None else "UTC"
    dag = DAG(
        dag_id=plan.product,
        description=f"floe data product {plan.product} {plan.product_version}",
        schedule=(
            CronTriggerTimetable(schedule.cron, timezone=zone)
            if schedule is not None
            else None
        ),
        start_date=pendulum.datetime(*START_DATE, tz=zone),
        catchup=False,
        max_active_runs=1,
        is_paused_upon_creation=not (schedule is not None and schedule.enabled),
        tags=["floe", f"floe:{plan.product}"],
        doc_md=(
            f"floe data product **{plan.product}** {plan.product_version}, compiled by "
            f"floe {plan.floe_version}. Generated: edit floe.yaml and re-run "
            "`floe compile`, not this DAG."
        ),
    )
    configs = executor_configs(plan)
    out = str(output_dir)
    seeds = FloeDbtOperator(
        task_id=SEEDS_TASK,
        plan=plan,
        output_dir=out,
        model=None,
        dag=dag,
        executor_config=configs.get(plan.default_preset),
    )
    tasks: dict[str, FloeDbtOperator] = {}
    for model in plan.models:
        outlets = (
            [Asset(table_asset_uri(catalog, f"{namespace}.{model.name}"))]
            if namespace
            else None
        )
        tasks[model.name] = FloeDbtOperator(
            task_id=model.name,
            plan=plan,
            output_dir=out,
            model=model.name,
            dag=dag,
            executor_config=configs.get(model.preset or plan.default_preset),
            outlets=outlets,
        )
    # The edges are written straight into each task's upstream and downstream id sets,
    # which is what set_upstream ends with. set_upstream first hashes the DAG of every
    # task involved to check they share one, and a DAG's hash covers all its task ids:
    # O(tasks) per edge, 2.3 s of a 5,000-model parse. Every task here was made in this
    # one DAG just above, so that check has nothing to find.
    for model in plan.models:
        task = tasks[model.name]
        upstream = [tasks[d] for d in model.depends_on if d in tasks] or [seeds]
        for parent in upstream:
            task.upstream_task_ids.add(parent.task_id)
            parent.downstream_task_ids.add(task.task_id)
    return dag

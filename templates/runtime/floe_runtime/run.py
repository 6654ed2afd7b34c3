"""What a dbt op does when it runs: inputs from Iceberg, ``dbt build``, publish, report.

Each group's op (assets.py) runs ``dbt build`` on its selected models with dagster-dbt
(imported here, by runs only), then (after dbt has released the DuckDB file) publishes
every model it built to the Iceberg catalog (publish.py), then reports the
materializations with the Iceberg row counts attached, and emits OpenLineage events
(lineage.py).
"""

# No `from __future__ import annotations` here: Dagster reads the annotations of an
# op's body to tell its resources from its asset inputs.

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    ConfigurableResource,
    Output,
)

from . import _compat
from .groups import Group
from .selection import group_select
from .step import Runtime

if TYPE_CHECKING:
    from dagster_dbt import DbtCliInvocation, DbtCliResource

DBT_INDIRECT_SELECTION_ENV = "DBT_INDIRECT_SELECTION"


class FloeDbtResource(ConfigurableResource):
    """How to run dbt for this product: dagster-dbt's DbtCliResource, made on first use.

    Loading the definitions does not import dagster-dbt; a run's dbt step does.
    """

    project_dir: str
    profiles_dir: str
    profile: str
    target: str
    dbt_executable: str = "dbt"
    global_config_flags: list[str] = []

    def cli_resource(self) -> "DbtCliResource":
        """The dagster-dbt resource with these settings."""
        from dagster_dbt import DbtCliResource

        return DbtCliResource(
            project_dir=self.project_dir,
            profiles_dir=self.profiles_dir,
            profile=self.profile,
            target=self.target,
            dbt_executable=self.dbt_executable,
            global_config_flags=list(self.global_config_flags),
        )

    def cli(self, args: Sequence[str], **kwargs: Any) -> "DbtCliInvocation":
        """``DbtCliResource.cli`` with these settings, for Python assets that run dbt.

        floe's dbt assets do not carry dagster-dbt's manifest and translator in their
        metadata, so dagster-dbt helpers that read them from assets (``cli(context=…)``
        in an op of floe's, ``build_dbt_asset_selection``) do not apply to them.
        """
        return self.cli_resource().cli(args, **kwargs)


def step_name(context: AssetExecutionContext, op_name: str) -> str:
    """The Dagster step key of the running op, else its op name.

    Each group is its own op, so the op name names the step; but were Dagster still to
    split an op into several steps (it aliases them ``<op>_2``, …), each would report
    itself to lineage under its own step key rather than all under one run id and job.
    """
    return _compat.step_key(context) or op_name


@contextmanager
def _environ(name: str, value: str | None) -> Iterator[None]:
    """os.environ[name] = value (unset for None) inside the block, as it was after."""
    before = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def dbt_build(
    context: AssetExecutionContext,
    dbt: FloeDbtResource,
    runtime: Runtime,
    select: str,
) -> "DbtCliInvocation":
    """``dbt build`` of the op's selection, streaming events as ``dbt.cli(context=…)`` does.

    dagster-dbt's ``cli(context=…)`` reads the manifest and translator from Python
    objects that @dbt_assets puts in the asset metadata; floe's specs do not carry them
    (they would need dagster-dbt at load). So this does what ``cli`` does with a
    context, with the manifest and translator given: the subset selection for the
    step's selected assets and checks, dbt's indirect selection for it, and a target
    path per op and run; the invocation then gets the context, so that its events are
    the step's outputs and check results.
    """
    get_subset_selection_for_context = _compat.dbt_asset_utils(
        "get_subset_selection_for_context"
    )
    translator = runtime.translator
    selection, indirect = get_subset_selection_for_context(
        context=context,
        manifest=runtime.manifest,
        select=select,
        exclude=None,
        selector=None,
        dagster_dbt_translator=translator,
        current_dbt_indirect_selection_env=os.getenv(DBT_INDIRECT_SELECTION_ENV),
    )
    op = context.op_execution_context.op.name
    target = runtime.dbt_target_base() / (
        f"{op}-{context.run.run_id[:7]}-{str(uuid.uuid4())[:7]}"
    )
    cli = dbt.cli_resource()
    with _environ(
        DBT_INDIRECT_SELECTION_ENV,
        indirect or os.getenv(DBT_INDIRECT_SELECTION_ENV),
    ):
        invocation = cli.cli(
            ["build", *selection],
            manifest=runtime.manifest,
            dagster_dbt_translator=translator,
            target_path=target,
            raise_on_error=False,
        )
    invocation.context = context
    return invocation


def _asset_name(event: Any) -> str | None:
    if isinstance(event, Output):
        return event.output_name
    if isinstance(event, AssetMaterialization):
        return event.asset_key.path[-1]
    return None


def _with_metadata(event: Any, extra: Mapping[str, Any]) -> Any:
    if isinstance(event, Output):
        return event.with_metadata({**event.metadata, **extra})
    if isinstance(event, AssetMaterialization):
        return AssetMaterialization(
            asset_key=event.asset_key,
            description=event.description,
            metadata={**event.metadata, **extra},
            partition=event.partition,
            tags=event.tags,
        )
    return event


def run_group(
    context: AssetExecutionContext,
    dbt: FloeDbtResource,
    runtime: Runtime,
    group: Group,
) -> Iterator[Any]:
    """The body of a group's op: inputs, ``dbt build``, publish, events, lineage."""
    from openlineage.client.event_v2 import RunState

    from .lineage import (
        LineageEmitter,
        ParentRef,
        RunLineageState,
        dbt_timing,
        emit_models,
        run_job_name,
        step_run_id,
    )
    from .publish import CREATED_BY, prepare_inputs, publish_models
    from .step_inputs import root_nodes

    plan = runtime.plan
    dagster_run = context.run_id
    # The step's Dagster logger takes the lineage warnings, so they show in the run's log.
    emitter = LineageEmitter(
        plan.lineage,
        runtime.project_dir,
        context.log,
        RunLineageState(context.instance, dagster_run),
    )
    step = step_name(context, group.name)
    step_run = step_run_id(dagster_run, step)
    step_job = f"{plan.product}.{step}"
    parent_of_step = ParentRef(dagster_run, emitter.namespace, run_job_name(plan))
    emitter.start_run(run_job_name(plan))
    emitter.emit(
        RunState.START, run_id=step_run, job_name=step_job, parent=parent_of_step
    )
    # dagster-dbt runs `dbt --version` first; without this it asks PyPI for the latest
    # release, which costs seconds per step (and hangs where PyPI is unreachable).
    os.environ.setdefault("DBT_VERSION_CHECK", "false")
    try:
        nodes = root_nodes(runtime.manifest)
        members = set(group.models) or {
            name for name, n in nodes.items() if n["resource_type"] == "seed"
        }
        selected = {key.path[-1] for key in context.selected_asset_keys} & members
        catalog = prepare_inputs(runtime, nodes, selected, step, context.log)
        invocation = dbt_build(context, dbt, runtime, group_select(group))
        events = list(invocation.stream())
        results = invocation.get_artifact("run_results.json")
        timing = dbt_timing(results)
        built = [name for name in (_asset_name(e) for e in events) if name in members]
        # dagster-run-id: the snapshot property name floe has always written.
        properties = {"dagster-run-id": context.run_id, "created-by": CREATED_BY}
        published = publish_models(
            runtime, catalog, built, nodes, properties, context.log
        )
        for event in events:
            name = _asset_name(event)
            if name in published:
                event = _with_metadata(event, published[name])
            yield event
        emit_models(
            emitter, runtime, nodes, timing, set(group.models), step_run, step_job
        )
        if not invocation.is_successful():
            error = invocation.get_error()
            raise error if error is not None else RuntimeError("dbt build failed")
    except BaseException as exc:
        emitter.emit(
            RunState.FAIL,
            run_id=step_run,
            job_name=step_job,
            parent=parent_of_step,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    emitter.emit(
        RunState.COMPLETE, run_id=step_run, job_name=step_job, parent=parent_of_step
    )


def group_body(runtime: Runtime, group: Group) -> Any:
    """The op function of a group (named after it), for the group's multi-asset."""

    # A closure per group: extra parameters would be taken for asset inputs by Dagster.
    def body(context: AssetExecutionContext, dbt: FloeDbtResource) -> Iterator[Any]:
        yield from run_group(context, dbt, runtime, group)

    body.__name__ = group.name
    return body

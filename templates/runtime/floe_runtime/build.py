"""build_definitions: the compiled plan and files in, a dagster.Definitions out."""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dagster import (
    AssetsDefinition,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    DynamicPartitionsDefinition,
    PartitionsDefinition,
    ScheduleDefinition,
    StaticPartitionsDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
    load_assets_from_modules,
)


from ._compat import IMPLICIT_ASSET_JOB
from ._stamp import CONTRACT_VERSION, FLOE_VERSION
from .assets import DUCKDB_TAG, asset_edges, build_dbt_assets
from .errors import CompiledOutputError, GraphMismatchError
from .files import ScheduleConfig, load_schedules
from .io_manager import IcebergIOManager
from .kubernetes import build_executor
from .plan import Plan
from .run import FloeDbtResource
from .run_lineage import lineage_sensors
from .step import DBT_GLOBAL_FLAGS, dbt_executable, load_runtime

# DEFINITIONS_FILE is the generated Dagster code location in the output directory
# (codegen/dagster): the plan, and the call that builds the definitions.
DEFINITIONS_FILE = "definitions.py"

# PYTHON_ASSETS_DIR is where a product keeps its Python assets (every *.py is loaded).
PYTHON_ASSETS_DIR = "assets"
IO_MANAGER_KEY = "iceberg_io"
# FLOE_GC_FREEZE=0 leaves Python's garbage collector as it is (see build_definitions).
GC_FREEZE_ENV = "FLOE_GC_FREEZE"
_frozen = False


def _check_plan(plan: Plan, output_dir: Path) -> None:
    if plan.contract_version != CONTRACT_VERSION or plan.floe_version != FLOE_VERSION:
        raise CompiledOutputError(
            f"{output_dir / 'definitions.py'}: compiled with floe {plan.floe_version} for "
            f"contract {plan.contract_version}, but floe_runtime is from floe {FLOE_VERSION} "
            f"for contract {CONTRACT_VERSION}; re-run `floe compile`"
        )


def load_python_assets(project_dir: Path, slug: str) -> list[AssetsDefinition]:
    """Assets defined in <product>/assets/*.py, loaded in file-name order."""
    folder = project_dir / PYTHON_ASSETS_DIR
    if not folder.is_dir():
        return []
    modules = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"floe_product_{slug}_assets.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise CompiledOutputError(f"{path}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        modules.append(module)
    return [
        a for a in load_assets_from_modules(modules) if isinstance(a, AssetsDefinition)
    ]


def _status(schedule: ScheduleConfig) -> DefaultScheduleStatus:
    if schedule.enabled:
        return DefaultScheduleStatus.RUNNING
    return DefaultScheduleStatus.STOPPED


def build_schedules(
    schedules: tuple[ScheduleConfig, ...], selection: AssetSelection | None
) -> list[ScheduleDefinition]:
    """One ScheduleDefinition per compiled schedule, targeting the unpartitioned assets.

    selection is None when every asset is unpartitioned: the schedules then run the job
    Dagster builds of every asset anyway (``__ASSET_JOB``), which is exactly them. A
    schedule that targets a selection gets a job of its own, which Dagster resolves and
    snapshots in every process that loads the definitions as it does ``__ASSET_JOB``:
    at 10,000 models that second job of the same assets was 1.5 s of a 10 s load.
    """
    target: dict[str, Any] = (
        {"job_name": IMPLICIT_ASSET_JOB} if selection is None else {"target": selection}
    )
    return [
        ScheduleDefinition(
            name=s.name,
            cron_schedule=s.cron,
            execution_timezone=s.timezone,
            default_status=_status(s),
            **target,
        )
        for s in schedules
    ]


def partition_groups(
    assets: Sequence[AssetsDefinition],
) -> list[tuple[PartitionsDefinition, list[AssetsDefinition]]]:
    """The partitioned assets grouped by partitions definition, in asset order."""
    groups: list[tuple[PartitionsDefinition, list[AssetsDefinition]]] = []
    for asset in assets:
        if asset.partitions_def is None:
            continue
        for partitions_def, members in groups:
            if partitions_def == asset.partitions_def:
                members.append(asset)
                break
        else:
            groups.append((asset.partitions_def, [asset]))
    return groups


def build_partitioned_schedules(
    schedules: tuple[ScheduleConfig, ...], assets: Sequence[AssetsDefinition]
) -> tuple[list[Any], list[ScheduleDefinition]]:
    """A job and a schedule per compiled schedule and group of partitioned assets.

    Built with ``build_schedule_from_partitioned_job``: time-window partitions run their
    latest partition at the partitions' own cadence and time zone (Dagster does not let
    a cron override it); static partitions run every key at the compiled cron and time
    zone. Dynamic partitions get no schedule (they have no cadence to follow).
    """
    jobs: list[Any] = []  # define_asset_job's unresolved jobs
    defs: list[ScheduleDefinition] = []
    for s in schedules:
        for i, (partitions_def, members) in enumerate(partition_groups(assets)):
            if isinstance(partitions_def, DynamicPartitionsDefinition):
                continue
            name = f"{s.name}_partitions_{i}"
            job = define_asset_job(
                name=f"{name}_job",
                selection=AssetSelection.assets(*members),
                partitions_def=partitions_def,
            )
            extra = {}
            if isinstance(partitions_def, StaticPartitionsDefinition):
                extra = {"cron_schedule": s.cron, "execution_timezone": s.timezone}
            jobs.append(job)
            defs.append(
                build_schedule_from_partitioned_job(
                    job, name=name, default_status=_status(s), **extra
                )
            )
    return jobs, defs


def build_definitions(plan: Plan, output_dir: Path | str) -> Definitions:
    """Check every compiled file, then build the product's Dagster Definitions.

    Nothing here connects to the catalog or the lineage backend: that happens in runs.

    The definitions are built with the cyclic garbage collector paused, and then every
    object alive (Dagster's modules, the definitions: what lives as long as the
    process) is moved to the collector's permanent generation with ``gc.freeze()``.
    Otherwise each full collection afterwards walks those hundreds of thousands of
    objects again: that was 0.7 s of a 1.8 s empty code location load, and 1.2 s of a
    3 s load of 1,000 models, in every process that loads the definitions (code
    servers, run and step workers). Building leaves almost no cyclic garbage to be
    frozen with it (a handful of objects at 1,000 models). It happens on a process's
    first build only; FLOE_GC_FREEZE=0 turns it off.

    Within the pause the definitions are also resolved as every loader resolves them
    next (``Definitions.validate_loadable``: the asset graph, every asset job), so that
    what lives on is frozen too: resolved later, with the collector running, the jobs
    of 10,000 models cost Dagster another 0.8 s of collections.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        defs = _build_definitions(plan, output_dir)
        # What every loader of the definitions does next (a code server lists the
        # jobs, a run worker builds its job), done here while the collector is paused:
        # the asset graph and the asset jobs are then frozen with the rest.
        Definitions.validate_loadable(defs)
    finally:
        if enabled:
            gc.enable()
    global _frozen
    if not _frozen and os.environ.get(GC_FREEZE_ENV, "1") != "0":
        # Once per process: a process that builds again (tests, a notebook) would
        # otherwise freeze the cyclic garbage of its earlier builds with each one.
        _frozen = True
        gc.freeze()
    return defs


def _build_definitions(plan: Plan, output_dir: Path | str) -> Definitions:
    output_dir = Path(output_dir).resolve()
    _check_plan(plan, output_dir)
    loaded = load_runtime(plan, output_dir, plan_file=DEFINITIONS_FILE)
    runtime = loaded.runtime
    schedules = load_schedules(output_dir, loaded.stamp)
    project_dir = runtime.project_dir
    dbt_defs = build_dbt_assets(runtime)
    # The asset graph Dagster builds must be the compiled one, edge for edge.
    names = {m.name for m in plan.models}
    declared = {(d, m.name) for m in plan.models for d in m.depends_on}
    built = asset_edges(dbt_defs, names)
    if built != declared:
        diff = sorted(
            f"{a} -> {b} (Dagster only)" for a, b in built - declared
        ) + sorted(f"{a} -> {b} (floe.yaml only)" for a, b in declared - built)
        raise GraphMismatchError(
            "Dagster asset graph differs from floe's: " + ", ".join(diff)
        )
    python_defs = load_python_assets(project_dir, plan.slug)
    unpartitioned = [a for a in python_defs if a.partitions_def is None]
    selection = (
        None
        if len(unpartitioned) == len(python_defs)
        else AssetSelection.assets(*dbt_defs, *unpartitioned)
    )
    resources = {
        "dbt": FloeDbtResource(
            project_dir=str(project_dir),
            profiles_dir=str(output_dir),
            profile=plan.dbt_profile,
            target=plan.dbt_target,
            dbt_executable=dbt_executable(),
            global_config_flags=list(DBT_GLOBAL_FLAGS),
        ),
        IO_MANAGER_KEY: IcebergIOManager(
            output_dir=str(output_dir),
            project_dir=str(project_dir),
            product=plan.product,
            lineage_enabled=plan.lineage.enabled,
            lineage_transport=plan.lineage.transport,
            lineage_endpoint=plan.lineage.endpoint,
            lineage_file=plan.lineage.file,
            lineage_namespace=plan.lineage.namespace,
        ),
    }
    duck = runtime.duckdb_file()
    executor = build_executor(duck.parent if duck is not None else None, DUCKDB_TAG)
    partitioned_jobs, partitioned_schedules = build_partitioned_schedules(
        schedules, python_defs
    )
    return Definitions(
        assets=[*dbt_defs, *python_defs],
        jobs=partitioned_jobs,
        schedules=[*build_schedules(schedules, selection), *partitioned_schedules],
        sensors=lineage_sensors(plan, project_dir),
        resources=resources,
        executor=executor,
    )

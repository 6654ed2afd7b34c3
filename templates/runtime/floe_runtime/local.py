"""Running a compiled product on this machine: dbt parse, then materialize everything."""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from dagster import (
    AssetsDefinition,
    DagsterInstance,
    Definitions,
    materialize,
)

from .build import partition_groups
from .errors import CompiledOutputError, FloeRuntimeError
from .run_lineage import report_run
from .secrets import fill_local_secrets
from .step import DBT_GLOBAL_FLAGS, dbt_executable


def load_module(output_dir: Path) -> ModuleType:
    """Import <output_dir>/definitions.py as a module."""
    path = Path(output_dir).resolve() / "definitions.py"
    if not path.is_file():
        raise CompiledOutputError(f"{path}: not found; run `floe compile` first")
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("floe_generated_definitions", path)
    if spec is None or spec.loader is None:
        raise CompiledOutputError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(output_dir: Path) -> Path:
    """Run `dbt parse` so target/manifest.json exists; returns the product directory."""
    output_dir = Path(output_dir).resolve()
    plan = _plan_only(output_dir)
    project_dir = (output_dir / plan.project_dir).resolve()
    # dbt parse renders profiles.yml, whose literal secrets are environment variables.
    fill_local_secrets(output_dir)
    cmd = [
        dbt_executable(),
        *DBT_GLOBAL_FLAGS,
        "parse",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(output_dir),
        "--profile",
        plan.dbt_profile,
        "--target",
        plan.dbt_target,
    ]
    # No PyPI "latest version" lookup: prepare must not wait on the network.
    env = {
        **os.environ,
        "DBT_VERSION_CHECK": os.environ.get("DBT_VERSION_CHECK", "false"),
    }
    proc = subprocess.run(
        cmd, cwd=project_dir, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise CompiledOutputError(
            f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return project_dir


def _plan_only(output_dir: Path):  # noqa: ANN202 - returns floe_runtime.plan.Plan
    """The PLAN of definitions.py without building definitions (no manifest needed)."""
    import ast

    from .plan import Lineage, Model, Plan, Resources

    path = output_dir / "definitions.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, object] = {
        "Plan": Plan,
        "Model": Model,
        "Resources": Resources,
        "Lineage": Lineage,
    }
    # Only the literal assignments PRESETS and PLAN are evaluated, with no builtins.
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id in ("PRESETS", "PLAN"):
            code = compile(ast.Expression(node.value), str(path), "eval")
            names[target.id] = eval(code, {"__builtins__": {}}, names)  # noqa: S307
    plan = names.get("PLAN")
    if not isinstance(plan, Plan):
        raise CompiledOutputError(f"{path}: no PLAN; re-run `floe compile`")
    return plan


def load_definitions(output_dir: Path) -> Definitions:
    """The module-level defs of <output_dir>/definitions.py."""
    return load_module(output_dir).defs


def materialize_all(
    output_dir: Path, instance: DagsterInstance | None = None, partitions: bool = True
) -> list[str]:
    """Materialize every unpartitioned asset, then each partition of the partitioned ones.

    Returns the Dagster run ids, in order. Raises on the first failing run.
    """
    output_dir = Path(output_dir).resolve()
    plan = _plan_only(output_dir)
    project_dir = (output_dir / plan.project_dir).resolve()
    defs = load_definitions(output_dir)
    if instance is None:
        # Runs land in $DAGSTER_HOME (and so in `dagster dev`) when it is set.
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    if instance is None:
        instance = DagsterInstance.ephemeral()
    log = logging.getLogger("floe.lineage")
    assets: Sequence[AssetsDefinition] = [
        a for a in (defs.assets or []) if isinstance(a, AssetsDefinition)
    ]
    resources = dict(defs.resources or {})
    run_ids = []

    def run(selection: Sequence[AssetsDefinition], partition_key: str | None) -> None:
        result = materialize(
            assets,
            resources=resources,
            instance=instance,
            selection=selection,
            partition_key=partition_key,
            raise_on_error=False,
        )
        run_ids.append(result.run_id)
        # No daemon runs here, so the run status sensors never fire: report the run.
        report_run(instance, result.run_id, plan, project_dir, log)
        if not result.success:
            what = f"partition {partition_key} of " if partition_key else ""
            keys = sorted(k.to_user_string() for a in selection for k in a.keys)
            raise FloeRuntimeError(
                f"run {result.run_id} ({what}{', '.join(keys)}) failed; see the log above"
            )

    run([a for a in assets if a.partitions_def is None], None)
    if partitions:
        # One run per partition key for all assets sharing a partitions definition, so a
        # partitioned asset and its partitioned downstreams run together, in order.
        for partitions_def, members in partition_groups(assets):
            for key in partitions_def.get_partition_keys():
                run(members, key)
    return run_ids


def table_summary(output_dir: Path) -> list[tuple[str, int, int]]:
    """(identifier, rows, snapshots) of every table in the product's Iceberg namespace."""
    from . import iceberg
    from .files import load_iceberg_config

    output_dir = Path(output_dir).resolve()
    plan = _plan_only(output_dir)
    settings = load_iceberg_config(output_dir)
    catalog = iceberg.connect(
        settings.catalog, (output_dir / plan.project_dir).resolve()
    )
    summary = []
    for ident in sorted(catalog.list_tables(settings.namespace)):
        name = ".".join(ident)
        table = catalog.load_table(name)
        rows = table.scan().to_arrow().num_rows
        summary.append((name, rows, len(table.snapshots())))
    return summary

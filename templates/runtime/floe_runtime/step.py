"""What a dbt step needs, whichever orchestrator runs it: the product, its files, dbt.

A step (one op of a group, see groups.py, or one Airflow task) runs ``dbt build`` on its
models in a DuckDB file of its own, after loading its inputs from Iceberg
(step_inputs.py), and publishes what dbt built (publish.py). ``Runtime`` carries what
every part of that reads; ``dbt_parse`` writes the manifest they read. Nothing here
imports Dagster or connects anywhere.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CompiledOutputError, IcebergPublishError
from .files import (
    Artifacts,
    IcebergConfig,
    load_artifacts,
    load_iceberg_config,
    read_stamp,
)
from .manifest import PREPARE, check_graph, load_manifest
from .plan import Plan
from .secrets import fill_local_secrets
from .step_inputs import duckdb_path

if TYPE_CHECKING:
    from dagster_dbt import DagsterDbtTranslator

# dbt's usage tracking phones home on every command; runs must not wait on the network.
DBT_GLOBAL_FLAGS = ("--no-send-anonymous-usage-stats",)
# DBT_TARGET_PATH overrides where a step's dbt target directories go.
DBT_TARGET_PATH_ENV = "DBT_TARGET_PATH"


def dbt_executable() -> str:
    """The dbt of this Python environment (the venv's), else dbt on PATH."""
    # sys.prefix is absolute; sys.executable may be relative to a cwd dbt does not share.
    candidate = Path(sys.prefix) / "bin" / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_parse(plan: Plan, output_dir: Path) -> Path:
    """Run `dbt parse` for the product, writing target/manifest.json (and dbt's partial
    parse state, which spares each step a parse); returns the product directory.

    Both orchestrators' ``prepare`` commands run it before the first step.
    """
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


@dataclass(frozen=True)
class Runtime:
    """What a group's step needs at run time; nothing here connects at import."""

    plan: Plan
    project_dir: Path
    output_dir: Path
    artifacts: Artifacts
    iceberg: IcebergConfig
    manifest: Mapping[str, Any]

    @functools.cached_property
    def translator(self) -> DagsterDbtTranslator:
        """floe's dagster-dbt translator, made by the first dbt step of a Dagster run."""
        from .assets import dbt_translator

        return dbt_translator(self.plan)

    def duckdb_file(self) -> Path | None:
        """The DuckDB file dbt works in: $FLOE_DUCKDB_PATH, else the profile's path."""
        path = self.artifacts.duckdb_path(self.plan.dbt_profile, self.plan.dbt_target)
        if path is None:
            return None
        return duckdb_path(path, self.project_dir)

    def require_duckdb(self) -> Path:
        """duckdb_file(), or an error: floe publishes only from a DuckDB file."""
        duck = self.duckdb_file()
        if duck is None:
            raise IcebergPublishError(
                f"profile {self.plan.dbt_profile}.{self.plan.dbt_target} is not a DuckDB "
                "file: floe publishes tables to Iceberg from a DuckDB file output"
            )
        return duck

    def dbt_target_base(self) -> Path:
        """Where a step's dbt target directories go: $DBT_TARGET_PATH, else the work dir.

        The work directory is the DuckDB file's directory (the writable emptyDir on
        Kubernetes), so that a step writes nothing into the product directory. dbt is
        still seeded with the product's target/partial_parse.msgpack (from ``dbt
        parse`` in the image), so it does not parse the project again.
        """
        explicit = os.getenv(DBT_TARGET_PATH_ENV)
        if explicit:
            path = Path(explicit)
            return path if path.is_absolute() else self.project_dir / path
        duck = self.duckdb_file()
        return (
            duck.parent if duck is not None else self.project_dir / "target"
        ) / "dbt"


@dataclass(frozen=True)
class Loaded:
    """What load_runtime read: the runtime, the stamp, the secrets it filled in."""

    runtime: Runtime
    stamp: Mapping[str, str]
    # dbt profile secrets taken from compiled_artifacts.json for this machine (the
    # variables that were not set; see fill_local_secrets).
    filled: list[str]


def load_runtime(
    plan: Plan,
    output_dir: Path | str,
    *,
    plan_file: str,
    prepare: str = PREPARE,
    models: Collection[str] | None = None,
) -> Loaded:
    """The compiled files of output_dir and dbt's manifest, each checked: what building
    the definitions and running a step start from, whichever orchestrator runs them.

    plan_file names the generated file the plan is from (definitions.py, dag.py) and
    prepare the command that runs dbt parse, for the errors; models limits the graph
    check to the edges into them (see check_graph). Nothing here connects anywhere.
    """
    output_dir = Path(output_dir).resolve()
    project_dir = (output_dir / plan.project_dir).resolve()
    # Compiled files whose bytes (and schema's) are the ones floe compile wrote and
    # stamped were validated by it: the loaders do not validate them again.
    stamp = read_stamp(output_dir)
    artifacts = load_artifacts(output_dir, stamp)
    if artifacts.product_name != plan.product:
        raise CompiledOutputError(
            f"{artifacts.path}: product {artifacts.product_name!r} but {plan_file} is for "
            f"{plan.product!r}; re-run `floe compile`"
        )
    # profiles.yml reads the manifest's literal secrets from DBT_ENV_SECRET_FLOE_*
    # variables: outside Kubernetes, the unset ones come from the artifact.
    filled = fill_local_secrets(output_dir, artifacts.dbt_profiles)
    iceberg = load_iceberg_config(output_dir, stamp)
    manifest_path, manifest = load_manifest(project_dir, output_dir, plan, prepare)
    check_graph(plan, manifest, manifest_path, models=models, prepare=prepare)
    runtime = Runtime(plan, project_dir, output_dir, artifacts, iceberg, manifest)
    return Loaded(runtime, stamp, list(filled))

"""One task's work: inputs from Iceberg, ``dbt build`` of one model, tables to Iceberg.

The same stateless step as a Dagster op's, through floe_runtime's orchestrator-neutral
modules:

1. the compiled files are loaded and checked (files: contract version, schemas), and
   the dbt profile's secrets set for local runs (secrets);
2. the model's dbt edges are checked against the compiled graph (manifest: dbt owns the
   SQL, the edges come from dbt's manifest.json, never from parsing SQL);
3. a DuckDB file of the task's own (so that tasks can run in parallel) is started empty
   and every table the task's dbt selection reads but does not build is loaded into it
   from Iceberg (step_inputs);
4. ``dbt build`` runs on the model and the tests dbt's "buildable" indirect selection
   gives it (a test whose other parents are built later runs in their task);
5. each node dbt built is published to Iceberg with its compiled write mode: append,
   overwrite or partition overwrite through PyIceberg's expression API (publish,
   iceberg);
6. a dbt failure fails the task after the successful nodes are published, as a Dagster
   step does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floe_runtime import step_inputs
from floe_runtime.errors import FloeRuntimeError
from floe_runtime.manifest import child_map
from floe_runtime.plan import Plan
from floe_runtime.publish import publish_models
from floe_runtime.step import DBT_GLOBAL_FLAGS, Runtime, dbt_executable, load_runtime

from .prepare import DAG_FILE

# The command that runs dbt parse for this output, named in errors (__main__.py).
PREPARE = "python -m floe_airflow prepare"
SEED_SELECTION = "resource_type:seed"
# FLOE_WORK_DIR overrides where tasks make their scratch directories (default: the
# directory of the dbt profile's DuckDB file, the writable work directory in the image).
WORK_DIR_ENV = "FLOE_WORK_DIR"
OK_STATUSES = ("success", "pass")


class DbtBuildError(FloeRuntimeError):
    """dbt build failed (the nodes it did build are published first)."""


@dataclass(frozen=True)
class Published:
    """One table a step wrote to Iceberg."""

    name: str
    identifier: str
    mode: str
    rows_written: int
    table_rows: int


@dataclass
class StepResult:
    """What a step read and wrote, for logs and lineage."""

    inputs: list[str] = field(default_factory=list)
    outputs: list[Published] = field(default_factory=list)
    catalog: str = ""


def ancestors(manifest: Mapping[str, Any], roots: Sequence[str]) -> set[str]:
    """Every node the roots depend on, transitively (the roots excluded)."""
    nodes = manifest.get("nodes", {})
    seen: set[str] = set()
    stack = [
        p
        for root in roots
        for p in (nodes.get(root) or {}).get("depends_on", {}).get("nodes", [])
    ]
    while stack:
        unique_id = stack.pop()
        if unique_id in seen:
            continue
        seen.add(unique_id)
        stack.extend(
            (nodes.get(unique_id) or {}).get("depends_on", {}).get("nodes", [])
        )
    return seen


def buildable_children(
    manifest: Mapping[str, Any], selected: Sequence[str]
) -> dict[str, list[str]]:
    """The child map with, under each selected node, only the tests dbt will run.

    ``--indirect-selection buildable`` selects a test when each of its parents is
    selected or an ancestor of a selected node; a test that also reads a model built
    later is left to that model's task, so a task never loads a table that does not
    exist yet.
    """
    children = child_map(manifest)
    nodes = manifest.get("nodes", {})
    available = set(selected) | ancestors(manifest, selected)
    filtered = dict(children)
    for unique_id in selected:
        kept = []
        for child in children.get(unique_id, ()):
            parents = (nodes.get(child) or {}).get("depends_on", {}).get("nodes", [])
            if not child.startswith("test.") or set(parents) <= available:
                kept.append(child)
        filtered[unique_id] = kept
    return filtered


def selection(
    model: str | None, nodes: Mapping[str, Mapping[str, Any]]
) -> tuple[list[str], str]:
    """The unique ids a step builds and dbt's --select for them.

    A model is selected by its fully qualified name (``fqn:`` method), which names
    exactly one node, where a bare name could also match a package or directory.
    """
    if model is None:
        ids = sorted(
            n["unique_id"] for n in nodes.values() if n["resource_type"] == "seed"
        )
        return ids, SEED_SELECTION
    node = nodes[model]
    return [node["unique_id"]], "fqn:" + ".".join(node["fqn"])


def work_base(runtime: Runtime) -> Path:
    """Where the step's scratch directory goes: $FLOE_WORK_DIR, else the DuckDB file's."""
    explicit = os.environ.get(WORK_DIR_ENV)
    return Path(explicit) if explicit else runtime.require_duckdb().parent


def dbt_command(
    plan: Plan, project_dir: Path, output_dir: Path, select: str, work: Path
) -> list[str]:
    """``dbt build`` of select, with the product's profile and the step's own target."""
    return [
        dbt_executable(),
        *DBT_GLOBAL_FLAGS,
        "build",
        "--select",
        select,
        "--indirect-selection",
        "buildable",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(output_dir),
        "--profile",
        plan.dbt_profile,
        "--target",
        plan.dbt_target,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]


def run_dbt(
    cmd: Sequence[str], project_dir: Path, env: Mapping[str, str], log: Any
) -> int:
    """Run dbt, streaming its output into the task log line by line."""
    proc = subprocess.Popen(
        list(cmd),
        cwd=project_dir,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        log.info("dbt: %s", line.rstrip("\n"))
    return proc.wait()


def run_results(path: Path) -> dict[str, tuple[str, str]]:
    """unique_id -> (status, message) from dbt's run_results.json ({} when missing)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        r["unique_id"]: (str(r.get("status")), str(r.get("message") or ""))
        for r in doc.get("results", [])
    }


def run_step(
    plan: Plan,
    output_dir: Path,
    model: str | None,
    *,
    step: str,
    properties: Mapping[str, str],
    log: Any,
    result: StepResult | None = None,
    keep_work: Callable[[], bool] = lambda: False,
) -> StepResult:
    """Run one step (model None: the seeds) and return what it read and wrote.

    result, when given, is filled as the step goes, so that a caller still knows the
    inputs and outputs of a step that failed half way.
    """
    result = result if result is not None else StepResult()
    loaded = load_runtime(
        plan,
        output_dir,
        plan_file=DAG_FILE,
        prepare=PREPARE,
        models=() if model is None else (model,),
    )
    runtime = loaded.runtime
    output_dir, project_dir = runtime.output_dir, runtime.project_dir
    manifest, iceberg_config = runtime.manifest, runtime.iceberg
    result.catalog = iceberg_config.catalog.name
    if loaded.filled:
        log.info(
            "dbt profile secrets for this machine from compiled_artifacts.json: %s",
            ", ".join(loaded.filled),
        )
    nodes = step_inputs.root_nodes(manifest)
    selected, select = selection(model, nodes)
    if not selected:
        log.info("step %s: the dbt project has no seeds; nothing to do", step)
        return result

    from floe_runtime import iceberg

    base = work_base(runtime)
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"floe-{step}-", dir=base))
    try:
        duck = work / f"{plan.slug}.duckdb"
        catalog = iceberg.connect(iceberg_config.catalog, project_dir)
        iceberg.ensure_namespace(catalog, iceberg_config.namespace)
        upstream = step_inputs.upstream_nodes(
            manifest, selected, buildable_children(manifest, selected)
        )
        loaded = step_inputs.load_inputs(duck, upstream, catalog, iceberg_config, step)
        result.inputs = [i.identifier for i in loaded]
        log.info(
            "step %s: %s",
            step,
            "loaded "
            + ", ".join(f"{i.identifier} ({i.rows} rows)" for i in loaded)
            + f" from Iceberg into {duck}"
            if loaded
            else f"no input tables; starting from an empty {duck}",
        )
        # dbt re-parses the project unless its target holds the partial parse state
        # that `prepare` left in the product's target/.
        (work / "target").mkdir()
        partial = project_dir / "target" / "partial_parse.msgpack"
        if partial.is_file():
            shutil.copy2(partial, work / "target" / partial.name)
        env = {
            **os.environ,
            step_inputs.DUCKDB_PATH_ENV: str(duck),
            "DBT_VERSION_CHECK": os.environ.get("DBT_VERSION_CHECK", "false"),
        }
        cmd = dbt_command(plan, project_dir, output_dir, select, work)
        code = run_dbt(cmd, project_dir, env, log)
        statuses = run_results(work / "target" / "run_results.json")
        by_id = {n["unique_id"]: name for name, n in nodes.items()}
        built = [
            by_id[uid] for uid in selected if statuses.get(uid, ("",))[0] in OK_STATUSES
        ]
        published = publish_models(
            runtime, catalog, built, nodes, properties, log, duck=duck
        )
        result.outputs = [
            Published(
                name,
                table["iceberg_table"],
                table["iceberg_write_mode"],
                table["iceberg_rows_written"],
                table["iceberg_table_rows"],
            )
            for name, table in published.items()
        ]
        if code != 0:
            failed = [
                f"{uid}: {status}{': ' + message if message else ''}"
                for uid, (status, message) in sorted(statuses.items())
                if status not in OK_STATUSES and status != "skipped"
            ]
            raise DbtBuildError(
                f"dbt build --select {select} failed (exit {code})"
                + ("".join(f"\n  - {f}" for f in failed) if failed else "")
                + (
                    f"\n{len(built)} built node(s) were published to Iceberg first"
                    if built
                    else ""
                )
            )
    finally:
        if not keep_work():
            shutil.rmtree(work, ignore_errors=True)
    return result

"""Running a compiled product on this machine: dbt parse, then materialize everything.

``floe run`` drives this module through ``python -m floe_runtime materialize --events``:
the runs' progress comes back as one JSON object per line (see ``progress_event``), and
``floe`` prints it; Dagster's and dbt's own log go to stderr.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    define_asset_job,
    materialize,
)

from .build import DEFINITIONS_FILE, partition_groups
from .errors import CompiledOutputError, FloeRuntimeError
from .plan import Plan, read_plan
from .run_lineage import report_run
from .step import dbt_parse


def load_module(output_dir: Path) -> ModuleType:
    """Import <output_dir>/definitions.py as a module."""
    path = Path(output_dir).resolve() / DEFINITIONS_FILE
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
    return dbt_parse(_plan_only(output_dir), output_dir)


def _plan_only(output_dir: Path) -> Plan:
    """The PLAN of definitions.py without building definitions (no manifest needed)."""
    return read_plan(output_dir / DEFINITIONS_FILE)


def load_definitions(output_dir: Path) -> Definitions:
    """The module-level defs of <output_dir>/definitions.py."""
    return load_module(output_dir).defs


# Observer receives the progress events of floe run (see progress_event).
Observer = Callable[[dict[str, Any]], None]


class RunFailedError(FloeRuntimeError):
    """A run failed; ``failures`` says which model or asset, why, and in which file."""

    def __init__(self, message: str, failures: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.failures = failures


class SelectionError(FloeRuntimeError):
    """--select names no asset (a usage error)."""


def materialize_all(
    output_dir: Path,
    instance: DagsterInstance | None = None,
    partitions: bool = True,
    select: Sequence[str] | None = None,
    observe: Observer | None = None,
) -> list[str]:
    """Materialize every unpartitioned asset, then each partition of the partitioned ones.

    ``select`` restricts the runs to the assets it names (see ``select_keys``);
    ``observe``, when given, receives each run's progress as it happens. Returns the
    Dagster run ids, in order. Raises on the first failing run (``RunFailedError``).
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
    chosen = select_keys(assets, select) if select else None
    run_ids = []

    def run(members: Sequence[AssetsDefinition], partition_key: str | None) -> None:
        keys = [k for a in members for k in a.keys]
        if chosen is not None:
            keys = [k for k in keys if k in chosen]
            if not keys:
                return
        selection = AssetSelection.assets(*keys) if chosen is not None else members
        if observe is None:
            result = materialize(
                assets,
                resources=resources,
                instance=instance,
                selection=selection,
                partition_key=partition_key,
                raise_on_error=False,
            )
        else:
            result = _observed_run(
                assets, resources, instance, selection, partition_key, observe
            )
        run_ids.append(result.run_id)
        # No daemon runs here, so the run status sensors never fire: report the run.
        report_run(instance, result.run_id, plan, project_dir, log)
        if not result.success:
            what = f"partition {partition_key} of " if partition_key else ""
            names = sorted(k.to_user_string() for k in keys)
            failures = describe_failures(result, project_dir)
            raise RunFailedError(
                f"run {result.run_id} ({what}{', '.join(names)}) failed; see the log above",
                failures,
            )

    run([a for a in assets if a.partitions_def is None], None)
    if partitions:
        # One run per partition key for all assets sharing a partitions definition, so a
        # partitioned asset and its partitioned downstreams run together, in order.
        for partitions_def, members in partition_groups(assets):
            for key in partitions_def.get_partition_keys():
                run(members, key)
    return run_ids


def select_keys(
    assets: Sequence[AssetsDefinition], select: Sequence[str]
) -> set[AssetKey]:
    """The asset keys a dbt-style selection names.

    Each word (words are separated by spaces or commas) is an asset name, optionally
    with ``+`` before it (and everything it depends on) and/or after it (and
    everything that depends on it); ``*`` is every asset. An unknown name raises
    ``SelectionError`` with the closest names.
    """
    by_name: dict[str, AssetKey] = {}
    for a in assets:
        for k in a.keys:
            by_name[k.to_user_string()] = k
    words = [w for part in select for w in re.split(r"[\s,]+", part) if w]
    if not words:
        raise SelectionError(
            "--select is empty; name assets, e.g. --select 'stg_orders+'"
        )
    selection = None
    for word in words:
        if word == "*":
            return set(by_name.values())
        name = word.strip("+")
        key = by_name.get(name)
        if key is None:
            close = difflib.get_close_matches(name, list(by_name), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SelectionError(f"--select {word!r}: no asset named {name!r}{hint}")
        part = AssetSelection.assets(key)
        if word.startswith("+"):
            part = part.upstream()
        if word.endswith("+"):
            part = part | AssetSelection.assets(key).downstream()
        selection = part if selection is None else selection | part
    assert selection is not None
    return set(selection.resolve(assets))


# The job name materialize() gives its runs: floe's observed runs look the same in the UI.
_JOB_NAME = "__ephemeral_asset_job__"


def _observed_run(
    assets: Sequence[AssetsDefinition],
    resources: dict[str, Any],
    instance: DagsterInstance,
    selection: Any,
    partition_key: str | None,
    observe: Observer,
) -> Any:
    """materialize(), with each event of the run passed to observe as it happens."""
    defs = Definitions(
        jobs=[define_asset_job(name=_JOB_NAME, selection=selection)],
        assets=assets,
        resources=resources,
    )
    job = defs.resolve_job_def(_JOB_NAME)
    run_id = str(uuid.uuid4())
    observe({"type": "run_start", "run_id": run_id, "partition": partition_key})

    def forward(entry: Any) -> None:
        event = progress_event(entry)
        if event is not None:
            observe(event)

    # DagsterInstance.add_event_listener is how Dagster's own in-process tooling follows
    # a run; without it (a newer Dagster), the events come after the run instead.
    listen = getattr(instance, "add_event_listener", None)
    if callable(listen):
        listen(run_id, forward)
    result = job.execute_in_process(
        instance=instance,
        partition_key=partition_key,
        raise_on_error=False,
        run_id=run_id,
    )
    if not callable(listen):
        for entry in instance.all_logs(run_id):
            forward(entry)
    observe({"type": "run_end", "run_id": run_id, "ok": bool(result.success)})
    return result


def _plain(value: Any) -> Any:
    """A metadata value as JSON can hold it."""
    value = getattr(value, "value", value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def progress_event(entry: Any) -> dict[str, Any] | None:
    """One event of floe run's progress from a Dagster event log entry (None: not one).

    ``step_start``/``step_end`` (with ``ok``) carry the step key and the entry's time;
    ``asset`` an asset's materialization: its kind (``seed``, ``model`` from the dbt
    unique id, else ``asset``), partition, rows written and the table's rows (from
    floe's Iceberg publish), dbt's execution time and the Iceberg table; ``check`` an
    asset check's result.
    """
    event = entry.dagster_event
    if event is None:
        return None
    kind = event.event_type
    base = {"step": event.step_key, "time": entry.timestamp}
    if kind == DagsterEventType.STEP_START:
        return {"type": "step_start", **base}
    if kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
        ok = kind == DagsterEventType.STEP_SUCCESS
        return {"type": "step_end", "ok": ok, **base}
    if kind == DagsterEventType.ASSET_MATERIALIZATION:
        mat = entry.asset_materialization
        meta = {k: _plain(v) for k, v in (mat.metadata or {}).items()}
        unique_id = str(meta.get("unique_id") or "")
        rows = meta.get("iceberg_rows_written", meta.get("dagster/row_count"))
        return {
            "type": "asset",
            **base,
            "asset": mat.asset_key.to_user_string(),
            "kind": unique_id.split(".", 1)[0] if unique_id else "asset",
            "partition": mat.partition,
            "rows": rows,
            "table_rows": meta.get("iceberg_table_rows"),
            "seconds": meta.get("Execution Duration"),
            "table": meta.get("iceberg_table"),
        }
    if kind == DagsterEventType.ASSET_CHECK_EVALUATION:
        data = event.event_specific_data
        return {
            "type": "check",
            **base,
            "asset": data.asset_key.to_user_string(),
            "check": data.check_name,
            "passed": bool(data.passed),
        }
    return None


# dagster-dbt's failure message names the step's dbt log, beside its run_results.json.
_DBT_LOG = re.compile(r"dbt debug log: (\S+?)[/\\]dbt\.log")


def describe_failures(result: Any, project_dir: Path) -> list[dict[str, Any]]:
    """What failed in a run, for people: each failing dbt node (its name, its SQL or
    YAML file relative to the product directory, dbt's message) or, for a step that
    is not dbt's, the step and its error."""
    failures: list[dict[str, Any]] = []
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        error = event.step_failure_data.error
        message = error.message.strip() if error is not None else "the step failed"
        nodes = _dbt_failures(message, project_dir)
        if nodes:
            failures.extend({"step": event.step_key, **n} for n in nodes)
            continue
        cause = error
        while cause is not None and cause.cause is not None:
            cause = cause.cause
        detail = cause.message.strip() if cause is not None else message
        failures.append(
            {
                "step": event.step_key,
                "node": event.step_key,
                "file": None,
                "message": detail,
            }
        )
    return failures


def _dbt_failures(message: str, project_dir: Path) -> list[dict[str, Any]]:
    match = _DBT_LOG.search(message)
    if match is None:
        return []
    target = Path(match.group(1))
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    nodes: dict[str, Any] = {}
    for manifest in (
        target / "manifest.json",
        project_dir / "target" / "manifest.json",
    ):
        try:
            nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
            break
        except (OSError, ValueError):
            continue
    failed = []
    for r in results.get("results", []):
        if r.get("status") not in ("error", "fail", "runtime error"):
            continue
        node = nodes.get(r.get("unique_id"), {})
        failed.append(
            {
                "node": node.get("name") or str(r.get("unique_id")),
                "resource": node.get("resource_type")
                or str(r.get("unique_id")).split(".")[0],
                "file": node.get("original_file_path"),
                "message": str(r.get("message") or r.get("status")).strip(),
            }
        )
    return failed


def emit_events(stream: Any) -> Observer:
    """An observer writing each event to stream as one line of JSON."""

    def observe(event: dict[str, Any]) -> None:
        stream.write(json.dumps(event, default=str) + "\n")
        stream.flush()

    return observe


def timed(observe: Observer, name: str, fn: Callable[[], Any]) -> Any:
    """fn(), reported to observe as a phase with its wall time."""
    start = time.monotonic()
    value = fn()
    observe({"type": "phase", "name": name, "seconds": time.monotonic() - start})
    return value


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

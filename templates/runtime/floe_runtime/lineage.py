"""OpenLineage events for dbt steps and models, sent with openlineage-python.

A lineage backend that is down never fails a run, and never slows it down more than
once: the first failed send (a refused connection, or no answer within
HTTP_TIMEOUT_SECONDS) is logged as a warning naming the backend, and the run is tagged
(``floe/lineage-backend: unreachable``) so that every later step of the run, in this
process or in another pod, skips the backend without trying it again.

The Dagster run's own START is sent by the first of its steps that emits anything,
before that step's events, so that a run's START always precedes its children; the run
is tagged ``floe/lineage-run-start: sent`` so that later steps and the end-of-run report
(run_lineage.py) do not send it again.

Nothing here imports Dagster: ``RunLineageState`` works on any object with a Dagster
instance's run-tag methods, and an orchestrator without one passes no run state.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import error_message_run, parent_run
from openlineage.client.transport import Transport
from openlineage.client.transport.console import ConsoleConfig, ConsoleTransport
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from ._stamp import FLOE_VERSION
from .plan import Lineage, Plan

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from .step import Runtime

PRODUCER = f"https://github.com/floe-dev/floe/tree/{FLOE_VERSION}/floe_runtime"
# Run tags through which the steps of one Dagster run share their lineage state.
BACKEND_TAG = "floe/lineage-backend"
BACKEND_UNREACHABLE = "unreachable"
RUN_START_TAG = "floe/lineage-run-start"
RUN_START_SENT = "sent"
# A down backend must not hold a run up for long: one try, short timeout.
HTTP_TIMEOUT_SECONDS = 5.0
_RUN_NAMESPACE = uuid.UUID("5b0f6f4e-7d0c-4f8e-9a51-f10e0f10e000")
T = TypeVar("T")


def run_job_name(plan: Plan) -> str:
    """The OpenLineage job name of the product's Dagster runs (parent of every step)."""
    return f"{plan.product}.dagster_run"


def step_run_id(dagster_run_id: str, step: str) -> str:
    """A stable OpenLineage run id for one step of one Dagster run."""
    return str(uuid.uuid5(_RUN_NAMESPACE, f"{dagster_run_id}/{step}"))


def model_run_id(dagster_run_id: str, model: str) -> str:
    """A stable OpenLineage run id for one model built in one Dagster run."""
    return str(uuid.uuid5(_RUN_NAMESPACE, f"{dagster_run_id}/model/{model}"))


def now() -> str:
    """The current time as an OpenLineage eventTime."""
    return (
        datetime.now(timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def event_time(text: str | None) -> str:
    """A dbt timestamp as an OpenLineage eventTime (UTC, milliseconds); "" if unusable."""
    if not text:
        return ""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    utc = parsed.astimezone(timezone.utc)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class DatasetRef:
    """A dataset named the OpenLineage way."""

    namespace: str
    name: str


@dataclass(frozen=True)
class ParentRef:
    """The run (and its job) an event's run belongs to."""

    run_id: str
    job_namespace: str
    job_name: str


def _transport(settings: Lineage, project_dir: Path) -> Transport | None:
    if not settings.enabled or settings.transport in ("", "noop"):
        return None
    if settings.transport == "file":
        path = Path(settings.file or "target/floe-local/lineage.jsonl")
        if not path.is_absolute():
            path = project_dir / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileTransport(FileConfig(log_file_path=str(path), append=True))
    if settings.transport == "console":
        return ConsoleTransport(ConsoleConfig())
    if settings.transport == "http":
        parts = urlsplit(settings.endpoint)
        config = HttpConfig.from_dict(
            {
                "url": f"{parts.scheme}://{parts.netloc}",
                "endpoint": parts.path.lstrip("/") or "api/v1/lineage",
                "timeout": HTTP_TIMEOUT_SECONDS,
                "retry": {"total": 0, "connect": 0, "read": 0},
            }
        )
        return HttpTransport(config)
    raise ValueError(f"unknown lineage transport {settings.transport!r}")


class RunLineageState:
    """The lineage state one Dagster run's steps share, kept in the run's tags."""

    def __init__(self, instance: DagsterInstance, run_id: str) -> None:
        self.instance = instance
        self.run_id = run_id

    def _tags(self) -> Mapping[str, str]:
        # Read from the run storage, not the step's copy of the run: another step (in
        # another process or pod) may have tagged the run since this step started.
        run = self.instance.get_run_by_id(self.run_id)
        return run.tags if run is not None else {}

    def backend_down(self) -> bool:
        """Whether an earlier step of the run found the backend unreachable."""
        return self._tags().get(BACKEND_TAG) == BACKEND_UNREACHABLE

    def mark_backend_down(self) -> None:
        """Tell the run's later steps to skip the backend."""
        self.instance.add_run_tags(self.run_id, {BACKEND_TAG: BACKEND_UNREACHABLE})

    def start_sent(self) -> bool:
        """Whether the run's own START has been sent."""
        return self._tags().get(RUN_START_TAG) == RUN_START_SENT

    def mark_start_sent(self) -> None:
        """Record that the run's START has been sent."""
        self.instance.add_run_tags(self.run_id, {RUN_START_TAG: RUN_START_SENT})

    def start_time(self) -> str | None:
        """The run's recorded start time as an OpenLineage eventTime, if it has one."""
        record = self.instance.get_run_record_by_id(self.run_id)
        if record is None or record.start_time is None:
            return None
        utc = datetime.fromtimestamp(record.start_time, tz=timezone.utc)
        return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LineageEmitter:
    """Builds and sends OpenLineage run events; never raises out of emit().

    run, when given, is the Dagster run the events belong to: the emitter skips a
    backend the run's earlier steps found down, tags the run when it finds the backend
    down itself, and sends the run's START first (see the module documentation).
    """

    def __init__(
        self,
        settings: Lineage,
        project_dir: Path,
        log: logging.Logger,
        run: RunLineageState | None = None,
    ) -> None:
        self.settings = settings
        self.namespace = settings.namespace or "floe"
        self.log = log
        self.run = run
        self._warned = False
        self._transport: Transport | None = None
        if not settings.enabled or settings.transport in ("", "noop"):
            return
        if run is not None and _safe(run.backend_down, False):
            self.log.info(
                "OpenLineage backend %s (%s) was unreachable earlier in this run; "
                "this step sends no lineage events",
                settings.transport,
                self.where,
            )
            return
        try:
            self._transport = _transport(settings, project_dir)
        except Exception as exc:
            self._warn(exc)

    @property
    def where(self) -> str:
        """A short description of where events go, for log messages."""
        if self.settings.transport == "http":
            return self.settings.endpoint
        if self.settings.transport == "file":
            return self.settings.file
        return self.settings.transport

    def _warn(self, exc: Exception) -> None:
        if self._warned:
            return
        self._warned = True
        self.log.warning(
            "OpenLineage backend %s (%s) is not reachable; the rest of this run sends it "
            "no lineage events, and the run continues: %s: %s",
            self.settings.transport,
            self.where,
            type(exc).__name__,
            exc,
        )

    def _down(self, exc: Exception) -> None:
        """The backend failed: warn once, stop sending, tell the run's later steps."""
        self._transport = None
        self._warn(exc)
        if self.run is not None:
            _safe(self.run.mark_backend_down, None)

    def start_run(self, job_name: str) -> None:
        """Send the Dagster run's START unless a step of the run already did."""
        if self._transport is None or self.run is None:
            return
        if _safe(self.run.start_sent, True):
            return
        if self.emit(
            RunState.START,
            run_id=self.run.run_id,
            job_name=job_name,
            event_time=_safe(self.run.start_time, None),
        ):
            _safe(self.run.mark_start_sent, None)

    def emit(
        self,
        state: RunState,
        *,
        run_id: str,
        job_name: str,
        parent: ParentRef | None = None,
        inputs: Sequence[DatasetRef] = (),
        outputs: Sequence[DatasetRef] = (),
        event_time: str | None = None,
        error: str | None = None,
    ) -> bool:
        """Send one event; returns False (after a warning) when it could not be delivered."""
        if self._transport is None:
            return False
        facets: dict = {}
        if parent is not None:
            facets["parent"] = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=parent.run_id),
                job=parent_run.Job(
                    namespace=parent.job_namespace, name=parent.job_name
                ),
            )
        if error is not None:
            facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=error, programmingLanguage="python"
            )
        event = RunEvent(
            eventType=state,
            eventTime=event_time or now(),
            run=Run(runId=run_id, facets=facets),
            job=Job(namespace=self.namespace, name=job_name),
            inputs=[InputDataset(namespace=d.namespace, name=d.name) for d in inputs],
            outputs=[
                OutputDataset(namespace=d.namespace, name=d.name) for d in outputs
            ],
            producer=PRODUCER,
        )
        try:
            self._transport.emit(event)
        except Exception as exc:
            self._down(exc)
            return False
        return True


def _safe(call: Callable[[], T], default: T) -> T:
    """call(), or default when the run storage cannot answer: lineage never fails a run."""
    try:
        return call()
    except Exception:  # noqa: BLE001
        return default


def dbt_timing(results: Mapping[str, Any]) -> dict[str, tuple[str, str, str]]:
    """unique_id -> (status, started_at, completed_at) from dbt's run_results.json."""
    timing = {}
    for result in results.get("results", []):
        steps = result.get("timing") or []
        started = steps[0].get("started_at") if steps else None
        completed = steps[-1].get("completed_at") if steps else None
        timing[result["unique_id"]] = (
            str(result.get("status")),
            event_time(started),
            event_time(completed),
        )
    return timing


def emit_models(
    emitter: LineageEmitter,
    runtime: Runtime,
    nodes: Mapping[str, Mapping[str, Any]],
    timing: Mapping[str, tuple[str, str, str]],
    members: set[str],
    step_run: str,
    step_job: str,
) -> None:
    """START and COMPLETE (or FAIL) for each model of a step that dbt ran.

    nodes are the root project's nodes by name, timing is dbt_timing of the step's
    run_results.json, members the step's model names; each model's run is a child of
    the step's run step_run (job step_job).
    """
    duck = runtime.duckdb_file()
    duck_ns = f"duckdb://{duck}" if duck is not None else "duckdb"
    catalog_ns = f"iceberg://{runtime.iceberg.catalog.name}"
    parent = ParentRef(step_run, emitter.namespace, step_job)
    all_nodes = {**runtime.manifest.get("nodes", {})}
    for name in sorted(members):
        node = nodes.get(name)
        if node is None or node["unique_id"] not in timing:
            continue
        status, started, completed = timing[node["unique_id"]]
        inputs = []
        for parent_id in sorted(node.get("depends_on", {}).get("nodes", [])):
            upstream = all_nodes.get(parent_id)
            if upstream is not None:
                ident = (
                    f"{upstream['schema']}.{upstream.get('alias') or upstream['name']}"
                )
                inputs.append(DatasetRef(duck_ns, ident))
        outputs = [DatasetRef(duck_ns, f"{node['schema']}.{node.get('alias') or name}")]
        table = runtime.iceberg.table(name)
        if table is not None:
            outputs.append(DatasetRef(catalog_ns, table.identifier))
        run_id = model_run_id(step_run, name)
        job = f"{runtime.plan.product}.{name}"
        emitter.emit(
            RunState.START,
            run_id=run_id,
            job_name=job,
            parent=parent,
            inputs=inputs,
            event_time=started or None,
        )
        ok = status in ("success", "pass")
        emitter.emit(
            RunState.COMPLETE if ok else RunState.FAIL,
            run_id=run_id,
            job_name=job,
            parent=parent,
            inputs=inputs,
            outputs=outputs,
            event_time=completed or None,
            error=None if ok else f"dbt status {status}",
        )

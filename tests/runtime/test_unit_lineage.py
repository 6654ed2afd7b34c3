"""Unit tests of floe_runtime.lineage: file and HTTP transports, and a backend that is down."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from floe_runtime.lineage import (
    DatasetRef,
    LineageEmitter,
    ParentRef,
    event_time,
    step_run_id,
)
from floe_runtime.plan import Lineage
from openlineage.client.event_v2 import RunState

LOG = logging.getLogger("test.lineage")


def test_file_transport_appends_events_with_parent_and_datasets(tmp_path: Path) -> None:
    settings = Lineage(
        enabled=True, transport="file", file="out/lineage.jsonl", namespace="demo"
    )
    emitter = LineageEmitter(settings, tmp_path, LOG)
    parent = ParentRef(
        run_id=step_run_id("run-1", "step"), job_namespace="demo", job_name="demo.step"
    )
    run_id = step_run_id("run-1", "model")
    assert emitter.emit(
        RunState.START,
        run_id=run_id,
        job_name="demo.m",
        parent=parent,
        inputs=[DatasetRef("duckdb:///x", "main.a")],
    )
    assert emitter.emit(
        RunState.FAIL,
        run_id=run_id,
        job_name="demo.m",
        parent=parent,
        outputs=[DatasetRef("iceberg://floe", "demo.m")],
        error="boom",
    )
    lines = (tmp_path / "out" / "lineage.jsonl").read_text().splitlines()
    start, fail = (json.loads(line) for line in lines)
    assert start["eventType"] == "START" and fail["eventType"] == "FAIL"
    assert start["run"]["runId"] == fail["run"]["runId"] == run_id
    assert start["run"]["facets"]["parent"]["run"]["runId"] == parent.run_id
    assert start["inputs"] == [
        {"namespace": "duckdb:///x", "name": "main.a", "facets": {}, "inputFacets": {}}
    ]
    assert fail["outputs"][0]["name"] == "demo.m"
    assert fail["run"]["facets"]["errorMessage"]["message"] == "boom"
    assert start["job"] == {"namespace": "demo", "name": "demo.m", "facets": {}}


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Collector.received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_http_transport_posts_to_the_endpoint(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        settings = Lineage(
            enabled=True,
            transport="http",
            endpoint=f"http://127.0.0.1:{port}/api/v1/lineage",
            namespace="demo",
        )
        emitter = LineageEmitter(settings, tmp_path, LOG)
        assert emitter.emit(
            RunState.COMPLETE, run_id=step_run_id("r", "s"), job_name="demo.s"
        )
    finally:
        server.shutdown()
    path, event = _Collector.received[-1]
    assert path == "/api/v1/lineage"
    assert event["eventType"] == "COMPLETE"


def test_down_backend_warns_once_and_never_raises(tmp_path: Path, caplog) -> None:
    settings = Lineage(
        enabled=True, transport="http", endpoint="http://127.0.0.1:9/api/v1/lineage"
    )
    emitter = LineageEmitter(settings, tmp_path, LOG)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="test.lineage"):
        for _ in range(3):
            assert (
                emitter.emit(RunState.START, run_id=step_run_id("r", "s"), job_name="x")
                is False
            )
    assert time.monotonic() - started < 30
    warnings = [r for r in caplog.records if "not reachable" in r.getMessage()]
    assert len(warnings) == 1
    assert "http://127.0.0.1:9/api/v1/lineage" in warnings[0].getMessage()
    assert "run continues" in warnings[0].getMessage()


def test_disabled_or_noop_sends_nothing(tmp_path: Path) -> None:
    for settings in (
        Lineage(enabled=False, transport="file", file="x.jsonl"),
        Lineage(enabled=True, transport="noop"),
    ):
        assert (
            LineageEmitter(settings, tmp_path, LOG).emit(
                RunState.START, run_id=step_run_id("r", "s"), job_name="x"
            )
            is False
        )
    assert not (tmp_path / "x.jsonl").exists()


def test_event_time_normalises_dbt_timestamps() -> None:
    assert event_time("2026-11-25T18:01:36.799123Z") == "2026-11-25T18:01:36.799Z"
    assert event_time("2026-11-25T18:01:36.799123") == "2026-11-25T18:01:36.799Z"
    assert event_time("2026-11-25T19:01:36+01:00") == "2026-11-25T18:01:36.000Z"
    assert event_time("") == "" and event_time("garbage") == ""
    assert step_run_id("a", "b") == step_run_id("a", "b") != step_run_id("a", "c")

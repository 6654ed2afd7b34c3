"""The generated code location loads in a real dagster-webserver (on loopback).

Compiles hello-orders, starts `dagster-webserver -f definitions.py` on 127.0.0.1 and
asks its GraphQL API for the assets, the schedule and the lineage sensors.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from conftest import VENV_BIN, copy_example, run

QUERY = """
{
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        name
        assetNodes { assetKey { path } opNames }
        schedules { name cronSchedule executionTimezone scheduleState { status } }
        sensors { name }
      }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def webserver(tmp_path: Path, floe_bin: Path):
    root = copy_example("hello-orders", tmp_path)
    run([str(floe_bin), "compile", str(root)])
    out = root / "target" / "floe"
    run(
        [
            str(VENV_BIN / "dbt"),
            "parse",
            "--project-dir",
            str(root),
            "--profiles-dir",
            str(out),
        ],
        cwd=root,
    )
    port = free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    log = (tmp_path / "webserver.log").open("w")
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "dagster-webserver"),
            "-f",
            "definitions.py",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=out,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"dagster-webserver exited: {(tmp_path / 'webserver.log').read_text()[-3000:]}"
                )
            try:
                r = requests.post(url, json={"query": "{ __typename }"}, timeout=5)
                if r.status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail("dagster-webserver did not answer within 180 s")
            time.sleep(1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_code_location_loads_in_dagster_webserver(webserver: str) -> None:
    r = requests.post(webserver, json={"query": QUERY}, timeout=30)
    assert r.status_code == 200, r.text
    (repo,) = r.json()["data"]["repositoriesOrError"]["nodes"]
    keys = {"/".join(n["assetKey"]["path"]) for n in repo["assetNodes"]}
    assert {"stg_orders", "mart_daily_orders", "raw_orders"} <= keys
    ops = {op for n in repo["assetNodes"] for op in n["opNames"]}
    assert any(op.startswith("hello_orders_dbt_") for op in ops), ops
    (schedule,) = repo["schedules"]
    assert schedule["name"] == "hello_orders_schedule"
    # examples/hello-orders/floe.yaml: cron "@daily", no time zone (UTC), enabled: false.
    assert schedule["cronSchedule"] == "@daily"
    assert schedule["executionTimezone"] == "UTC"
    assert schedule["scheduleState"]["status"] == "STOPPED"
    sensors = {s["name"] for s in repo["sensors"]}
    assert sensors == {
        "hello_orders_lineage_run_complete",
        "hello_orders_lineage_run_fail",
    }

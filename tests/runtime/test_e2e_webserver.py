"""The generated code location loads in a real dagster-webserver (on loopback).

Compiles hello-orders, starts `dagster-webserver -f definitions.py` on 127.0.0.1, asks
its GraphQL API for the assets, the schedule and the lineage sensors, and runs
`floe doctor` against it while it runs and once it is stopped.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from conftest import VENV_BIN, copy_example, run, dbt_parse

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


class Webserver:
    """A running dagster-webserver for the compiled product at root."""

    def __init__(self, url: str, root: Path, proc: subprocess.Popen) -> None:
        self.url = url
        self.base = url.removesuffix("/graphql")
        self.root = root
        self.proc = proc

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def webserver(tmp_path: Path, floe_bin: Path):
    root = copy_example("hello-orders", tmp_path)
    run([str(floe_bin), "compile", str(root)])
    out = root / "target" / "floe"
    dbt_parse(root, out)
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
    server = Webserver(url, root, proc)
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
        yield server
    finally:
        server.stop()
        log.close()


def test_code_location_loads_in_dagster_webserver(
    webserver: Webserver, floe_bin: Path
) -> None:
    r = requests.post(webserver.url, json={"query": QUERY}, timeout=30)
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

    # floe doctor: passes while the webserver answers, fails with advice once it is gone.
    doctor = [
        str(floe_bin),
        "doctor",
        str(webserver.root),
        "--dagster-url",
        webserver.base,
    ]
    ok = run(doctor)
    assert "answers GraphQL" in ok.stdout + ok.stderr
    webserver.stop()
    down = run([*doctor, "--timeout", "5s"], check=False)
    text = down.stdout + down.stderr
    assert down.returncode == 1, text
    # The advice names floe as it was started (here bin/floe by path) and its dev command.
    assert "does not answer" in text, text
    assert re.search(r"start it with `\S*floe dev ", text), text

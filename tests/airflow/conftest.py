"""Shared fixtures of the Airflow runtime tests (run in .cache/airflow-venv).

Unit tests import floe_airflow from templates/airflow, with floe_runtime's shared modules
from templates/runtime (never its __init__, which needs Dagster: this environment has no
Dagster at all). End-to-end tests compile a copy of an example with the real `floe` binary
and drive the output with the real Airflow CLI, dbt-duckdb and PyIceberg in subprocesses,
as a user would; the Dagster side of the comparison runs in the Dagster venv (.venv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_TEMPLATES = REPO / "templates" / "airflow"
RUNTIME_TEMPLATES = REPO / "templates" / "runtime"
VENV_BIN = Path(sys.prefix) / "bin"
DAGSTER_VENV = Path(os.environ.get("FLOE_DAGSTER_VENV", str(REPO / ".venv")))


def run(
    cmd: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: int = 900,
) -> subprocess.CompletedProcess[str]:
    """Run cmd, returning its output; on an unexpected exit code fail with all output."""
    full_env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    full_env.update(env or {})
    proc = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"command failed (exit {proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"--- stdout ---\n{proc.stdout[-8000:]}\n--- stderr ---\n{proc.stderr[-8000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def floe_bin() -> Path:
    """The floe binary: $FLOE_BIN, else bin/floe built from this checkout."""
    explicit = os.environ.get("FLOE_BIN")
    if explicit:
        return Path(explicit)
    out = REPO / "bin" / "floe"
    run(["go", "build", "-o", str(out), "./cmd/floe"], cwd=REPO)
    return out


def copy_example(name: str, dest: Path, orchestrator: str) -> Path:
    """A copy of examples/<name> (no build output) whose manifest.yaml names orchestrator.

    For Airflow it is the example's manifest.airflow.yaml, which must be manifest.yaml
    with one line changed (plugins.orchestrator.type) and comments: the one line that
    moves a product between Dagster and Airflow.
    """
    src = REPO / "examples" / name
    target = dest / name
    shutil.copytree(
        src, target, ignore=shutil.ignore_patterns("target", "logs", "__pycache__")
    )
    if orchestrator == "airflow":
        dagster = (target / "manifest.yaml").read_text().splitlines()
        airflow = (target / "manifest.airflow.yaml").read_text().splitlines()

        def code(lines: list[str]) -> list[str]:
            return [line for line in lines if not line.startswith("#")]

        changed = [
            (a, b) for a, b in zip(code(dagster), code(airflow), strict=True) if a != b
        ]
        assert changed == [("    type: dagster", "    type: airflow")], changed
        shutil.copy(target / "manifest.airflow.yaml", target / "manifest.yaml")
    return target


def airflow_env(home: Path, dags: Path, **extra: str) -> dict[str, str]:
    """Environment of an Airflow CLI run with its own home (SQLite) and DAGs folder."""
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        "DBT_VERSION_CHECK": "false",
    }
    env.update(extra)
    return env

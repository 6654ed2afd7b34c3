"""Shared fixtures of the runtime tests.

Unit tests import floe_runtime from templates/runtime (the sources the compiler embeds).
End-to-end tests never import it in-process: they compile a copy of an example with the
real `floe` binary and drive the generated output with real Dagster, dbt and PyIceberg
in subprocesses, exactly as a user would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME_SRC = REPO / "templates" / "runtime"
VENV_BIN = Path(sys.prefix) / "bin"

if str(RUNTIME_SRC) not in sys.path:
    sys.path.insert(0, str(RUNTIME_SRC))


def run(
    cmd: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: int = 600,
) -> subprocess.CompletedProcess[str]:
    """Run cmd, returning its output; on an unexpected exit code fail with all output."""
    full_env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    full_env.update(env or {})
    proc = subprocess.run(
        cmd,
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


def copy_example(name: str, dest: Path) -> Path:
    """A copy of examples/<name> without build output, so tests never touch the repo."""
    src = REPO / "examples" / name
    target = dest / name
    shutil.copytree(
        src, target, ignore=shutil.ignore_patterns("target", "logs", "__pycache__")
    )
    return target


def dbt_parse(project: Path, profiles_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run `dbt parse` on project with the profiles floe wrote (target/manifest.json)."""
    return run(
        [
            str(VENV_BIN / "dbt"),
            "parse",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(profiles_dir),
        ],
        cwd=project,
    )


def validate_definitions(
    out: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `dagster definitions validate -f definitions.py` in the output directory."""
    return run(
        [str(VENV_BIN / "dagster"), "definitions", "validate", "-f", "definitions.py"],
        cwd=out,
        check=check,
    )

"""End to end: a literal secret of the dbt profile reaches dbt, and nothing else.

A manifest with a literal DuckDB setting that is a secret (http_proxy_password, a core
DuckDB setting): floe compile writes profiles.yml with an env_var() reference in its
place; a local run takes the value from the verbatim compiled_artifacts.json and dbt
runs with it; in Kubernetes (KUBERNETES_SERVICE_HOST set) the variable must come from
the environment (the Secret), and dbt says which one is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import VENV_BIN, copy_example, run

SECRET = "proxy-pw-7f3a9-literal"
VAR = "DBT_ENV_SECRET_FLOE_SETTINGS_HTTP_PROXY_PASSWORD"


def _compile(tmp_path: Path, floe_bin: Path) -> Path:
    root = copy_example("hello-orders", tmp_path)
    manifest = root / "manifest.yaml"
    doc = yaml.safe_load(manifest.read_text())
    doc["plugins"]["compute"]["config"]["settings"] = {"http_proxy_password": SECRET}
    manifest.write_text(yaml.safe_dump(doc, sort_keys=False))
    proc = run([str(floe_bin), "compile", str(root)])
    assert SECRET not in proc.stdout + proc.stderr
    assert "[FLOE-E600]" in proc.stderr
    return root / "target" / "floe"


def test_local_run_feeds_the_secret_to_dbt(tmp_path: Path, floe_bin: Path) -> None:
    out = _compile(tmp_path, floe_bin)
    profiles = (out / "profiles.yml").read_text()
    assert SECRET not in profiles
    assert f"env_var(''{VAR}'')" in profiles
    assert SECRET in (out / "compiled_artifacts.json").read_text()
    # The runtime and the compiler agree on where the secret is (the value a local run
    # gives dbt is exactly the literal).
    proc = run(
        [
            str(VENV_BIN / "python"),
            "-c",
            "import json, sys; from floe_runtime.secrets import local_secret_env; "
            "print(json.dumps(local_secret_env(sys.argv[1])))",
            str(out),
        ],
        env={"PYTHONPATH": str(out)},
    )
    assert json.loads(proc.stdout) == {VAR: SECRET}
    proc = run(
        [str(VENV_BIN / "python"), "-m", "floe_runtime", "materialize", str(out)],
        cwd=out,
        env={"KUBERNETES_SERVICE_HOST": ""},
    )
    log = proc.stdout + proc.stderr
    assert "materialized all assets" in log
    assert SECRET not in log


def test_kubernetes_takes_the_secret_from_the_environment_only(
    tmp_path: Path, floe_bin: Path
) -> None:
    out = _compile(tmp_path, floe_bin)
    prepare = [str(VENV_BIN / "python"), "-m", "floe_runtime", "prepare", str(out)]
    proc = run(
        prepare, cwd=out, env={"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, check=False
    )
    assert proc.returncode == 1
    assert f"Env var required but not provided: '{VAR}'" in proc.stdout + proc.stderr
    proc = run(
        prepare,
        cwd=out,
        env={"KUBERNETES_SERVICE_HOST": "10.0.0.1", VAR: "from-the-secret"},
    )
    assert "dbt parse done" in proc.stdout

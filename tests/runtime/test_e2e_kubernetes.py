"""One pod per step with its preset, proven with dagster-k8s's own code.

customer-360 is compiled with its production manifest. With FLOE_EXECUTOR=k8s (what
KUBERNETES_SERVICE_HOST selects in a cluster) its asset job runs on dagster-k8s's
k8s_job_executor. The run launcher is configured exactly as the dagster/dagster chart
builds it from floe's helm/dagster-values.yaml (codegen/helm renders the chart's own
template into testdata/golden/files/dagster-instance-run-launcher.yaml), checked against
K8sRunLauncher.config_type(). k8s_pods.py then has the K8sRunLauncher launch a run and
the executor launch every step, and captures the Kubernetes Jobs they build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, VENV_BIN, copy_example, dbt_parse, run
from dagster._config import process_config
from dagster_k8s import K8sRunLauncher

PRODUCT = "customer-360"
IMAGE = "ghcr.io/example/floe-customer-360:1.0.0"
LAUNCHER = (
    REPO / "codegen/helm/testdata/golden/files/dagster-instance-run-launcher.yaml"
)
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster: {server: "https://127.0.0.1:9"}
contexts:
  - name: nowhere
    context: {cluster: nowhere, user: nobody, namespace: dagster}
current-context: nowhere
users:
  - name: nobody
    user: {token: not-a-credential}
"""


def _preset(manifest: dict[str, Any], name: str) -> dict[str, dict[str, str]]:
    preset = manifest["resource_presets"][name]
    return {"requests": preset["requests"], "limits": preset["limits"]}


@pytest.fixture(scope="module")
def pods(tmp_path_factory: pytest.TempPathFactory, floe_bin: Path) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("k8s")
    root = copy_example(PRODUCT, base)
    run(
        [
            str(floe_bin),
            "compile",
            str(root),
            "--manifest",
            str(root / "manifest.prod.yaml"),
        ]
    )
    out = root / "target" / "floe"
    dbt_parse(root, out)
    kubeconfig = base / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    proc = run(
        [
            str(VENV_BIN / "python"),
            str(Path(__file__).parent / "k8s_pods.py"),
            str(out),
            str(LAUNCHER),
            IMAGE,
            str(kubeconfig),
        ],
        cwd=base,
        env={"FLOE_EXECUTOR": "k8s", "DAGSTER_HOME": str(base)},
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["root"] = root
    return result


def test_run_launcher_values_pass_dagster_k8s_config_validation(pods) -> None:
    assert pods["config_errors"] == []
    assert (pods["module"], pods["class"]) == ("dagster_k8s", "K8sRunLauncher")
    # The validation is real: a misspelled key is an error.
    config = yaml.safe_load(LAUNCHER.read_text())["run_launcher"]["config"]
    config["env_secret"] = config.pop("env_secrets")
    assert not process_config(K8sRunLauncher.config_type(), config).success


def _container(job: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = job["spec"]["template"]["spec"]
    assert len(spec["containers"]) == 1
    return spec, spec["containers"][0]


def _check_common(spec: dict[str, Any], container: dict[str, Any]) -> None:
    launcher = yaml.safe_load(LAUNCHER.read_text())["run_launcher"]["config"]
    assert container["image"] == IMAGE
    assert container["imagePullPolicy"] == "IfNotPresent"
    secrets = {e["secretRef"]["name"] for e in container.get("envFrom", [])}
    assert set(launcher["env_secrets"]) <= secrets
    for env in launcher["run_k8s_config"]["container_config"]["env"]:
        got = [e for e in container["env"] if e["name"] == env["name"]]
        assert got and got[0]["valueFrom"] == env["valueFrom"], env["name"]
    pod_sc = spec["securityContext"]
    assert pod_sc["runAsNonRoot"] is True
    assert pod_sc["runAsUser"] == pod_sc["fsGroup"] == 10001
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_run_pod_has_the_launcher_resources_secrets_and_user(pods) -> None:
    assert pods["executor"] == "floe_k8s"
    launcher = yaml.safe_load(LAUNCHER.read_text())["run_launcher"]["config"]
    spec, container = _container(pods["run"])
    _check_common(spec, container)
    assert container["resources"] == launcher["resources"]
    assert pods["run"]["namespace"] == launcher["job_namespace"]


def test_each_dbt_step_pod_has_its_preset_and_an_empty_work_dir(pods) -> None:
    root = pods["root"]
    floe_yaml = yaml.safe_load((root / "floe.yaml").read_text())
    manifest = yaml.safe_load((root / "manifest.prod.yaml").read_text())
    default = manifest["plugins"]["orchestrator"]["config"]["default_preset"]
    work_dir = str(
        Path(manifest["plugins"]["compute"]["config"]["path"]).parent
    )  # /data
    want = {f"customer_360_dbt_{default}": _preset(manifest, default)}
    want["customer_360_dbt_seeds"] = _preset(manifest, default)
    for transform in floe_yaml["transforms"]:
        preset = transform.get("resources", default)
        want[f"customer_360_dbt_{preset}"] = _preset(manifest, preset)
    dbt_steps = {k: v for k, v in pods["steps"].items() if "_dbt_" in k}
    assert set(dbt_steps) == set(want), sorted(dbt_steps)
    for key, job in dbt_steps.items():
        spec, container = _container(job)
        _check_common(spec, container)
        assert container["resources"] == want[key], key
        mounts = [m for m in container["volumeMounts"] if m["name"] == "floe-work"]
        assert mounts == [{"mountPath": work_dir, "name": "floe-work"}], key
        volumes = [v for v in spec["volumes"] if v["name"] == "floe-work"]
        assert volumes == [{"emptyDir": {}, "name": "floe-work"}], key
        assert job["metadata"]["labels"]["dagster/op"] == key

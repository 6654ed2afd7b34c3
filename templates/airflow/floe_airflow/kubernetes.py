"""Resource presets on Kubernetes: a pod override per task for the KubernetesExecutor.

Each task gets ``executor_config={"pod_override": V1Pod(...)}`` whose ``base`` container
(the one the KubernetesExecutor runs the task in) has the requests and limits of the
model's resource preset; the provider's PodGenerator merges it over the worker pod
template. Only when Airflow's executor is (or includes) the KubernetesExecutor: no other
executor reads it, and importing the Kubernetes client's models costs a DAG parse 0.3 s.
FLOE_AIRFLOW_POD_OVERRIDE=1 (or 0) decides explicitly.
"""

from __future__ import annotations

import os
from typing import Any

from floe_runtime.plan import Plan

POD_OVERRIDE_ENV = "FLOE_AIRFLOW_POD_OVERRIDE"
# The container of a KubernetesExecutor worker pod that runs the task.
BASE_CONTAINER = "base"


def wants_pod_override() -> bool:
    """Whether the tasks need pod overrides: the KubernetesExecutor is configured."""
    explicit = os.environ.get(POD_OVERRIDE_ENV, "")
    if explicit in ("0", "1"):
        return explicit == "1"
    from airflow.sdk.configuration import conf

    return "KubernetesExecutor" in conf.get("core", "executor", fallback="")


def _quantities(pair: dict[str, str]) -> dict[str, str] | None:
    """The set quantities of a requests or limits pair; None when neither is set."""
    return {k: v for k, v in sorted(pair.items()) if v} or None


def executor_configs(plan: Plan) -> dict[str, dict[str, Any]]:
    """executor_config per preset name ({} when pod overrides are not wanted).

    Tasks of one preset share one config object: Airflow only reads it.
    """
    if not plan.presets or not wants_pod_override():
        return {}
    from kubernetes.client import models as k8s

    configs = {}
    for name, resources in sorted(plan.presets.items()):
        spec = resources.k8s()
        pod = k8s.V1Pod(
            spec=k8s.V1PodSpec(
                containers=[
                    k8s.V1Container(
                        name=BASE_CONTAINER,
                        resources=k8s.V1ResourceRequirements(
                            requests=_quantities(spec["requests"]),
                            limits=_quantities(spec["limits"]),
                        ),
                    )
                ]
            )
        )
        configs[name] = {"pod_override": pod}
    return configs

"""The executor of a product's runs: one pod per step on Kubernetes, processes elsewhere.

On Kubernetes (Kubernetes sets KUBERNETES_SERVICE_HOST in every pod: the code server's,
the run pods, the step pods) runs use dagster-k8s's ``k8s_job_executor``: each step is a
Kubernetes Job of its own, with its op's ``dagster-k8s/config`` tag, so each dbt step
gets its resource preset's requests and limits, while the run pod keeps what the run
launcher and the code location give it (the default preset). Every step pod gets an
emptyDir at the DuckDB file's directory (a step starts from an empty disk and reads its
inputs from Iceberg, see step_inputs.py) and runs as the image's non-root user.

Elsewhere runs use the multiprocess executor, one dbt step at a time (the steps share
the DuckDB file). FLOE_EXECUTOR=k8s|multiprocess|in_process chooses explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dagster import ExecutorDefinition, in_process_executor, multiprocess_executor

from .errors import CompiledOutputError

EXECUTOR_ENV = "FLOE_EXECUTOR"
EXECUTORS = ("k8s", "multiprocess", "in_process")
# The non-root user and group of floe's code-location image (codegen/helm imageUID; a Go
# test keeps the two equal).
IMAGE_UID = 10001
WORK_VOLUME = "floe-work"


def executor_kind() -> str:
    """k8s on Kubernetes, multiprocess elsewhere, unless $FLOE_EXECUTOR says."""
    explicit = os.environ.get(EXECUTOR_ENV, "")
    if explicit:
        if explicit not in EXECUTORS:
            raise CompiledOutputError(
                f"{EXECUTOR_ENV}={explicit!r} is not one of {', '.join(EXECUTORS)}"
            )
        return explicit
    return "k8s" if os.environ.get("KUBERNETES_SERVICE_HOST") else "multiprocess"


def step_k8s_config(work_dir: Path) -> dict[str, Any]:
    """What every step pod gets on top of its op's tag: the work directory, non-root."""
    return {
        "container_config": {
            "volume_mounts": [{"name": WORK_VOLUME, "mount_path": str(work_dir)}],
            "security_context": {
                "allow_privilege_escalation": False,
                "capabilities": {"drop": ["ALL"]},
                "run_as_non_root": True,
                "run_as_user": IMAGE_UID,
                "run_as_group": IMAGE_UID,
            },
        },
        "pod_spec_config": {
            "volumes": [{"name": WORK_VOLUME, "empty_dir": {}}],
            "security_context": {
                "run_as_non_root": True,
                "run_as_user": IMAGE_UID,
                "run_as_group": IMAGE_UID,
                "fs_group": IMAGE_UID,
                "seccomp_profile": {"type": "RuntimeDefault"},
            },
        },
    }


def build_executor(work_dir: Path | None, duckdb_tag: str) -> ExecutorDefinition:
    """The executor for executor_kind(); work_dir is the DuckDB file's directory."""
    kind = executor_kind()
    if kind == "k8s":
        # Imported only here: dagster-k8s (and the Kubernetes client) is in the image,
        # and loading definitions elsewhere does not need it.
        from dagster_k8s import k8s_job_executor

        config: dict[str, Any] = {}
        if work_dir is not None:
            config["step_k8s_config"] = step_k8s_config(work_dir)
        return k8s_job_executor.configured(config, name="floe_k8s")
    if kind == "in_process":
        return in_process_executor
    return multiprocess_executor.configured(
        {"tag_concurrency_limits": [{"key": duckdb_tag, "limit": 1}]}
    )

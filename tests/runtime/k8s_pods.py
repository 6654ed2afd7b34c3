"""Build the Kubernetes Jobs dagster-k8s would create for a compiled product; print them.

  FLOE_EXECUTOR=k8s python k8s_pods.py OUTPUT_DIR RUN_LAUNCHER_YAML IMAGE KUBECONFIG

RUN_LAUNCHER_YAML is the run_launcher section of a dagster.yaml (the dagster chart's
rendering of floe's helm/dagster-values.yaml). It is checked against
K8sRunLauncher.config_type() with Dagster's config validation, then the instance's
K8sRunLauncher launches a run of the product's asset job and the job's own executor (the
k8s_job_executor the definitions chose) launches each of its steps: the Kubernetes Job
bodies they build are captured instead of sent (no cluster here; the kubeconfig only has
to parse) and printed as JSON: {"config_errors": [...], "executor": ..., "run": job,
"steps": {step_key: job}}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from dagster._config import process_config
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.execution.api import create_execution_plan
from dagster._core.execution.context.system import PlanData, PlanOrchestrationContext
from dagster._core.execution.context_creation_job import create_context_free_log_manager
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.init import InitExecutorContext
from dagster._core.executor.step_delegating.step_handler.base import (
    StepHandlerContext,
)
from dagster._core.launcher import LaunchRunContext
from dagster._core.system_config.objects import ResolvedRunConfig
from dagster._core.test_utils import create_run_for_test, instance_for_test
from dagster._grpc.types import ExecuteStepArgs
from dagster_k8s import K8sRunLauncher
from dagster_k8s.client import DagsterKubernetesClient
from kubernetes.client import ApiClient

ASSET_JOB = "__ASSET_JOB"


class CapturedBatchApi:
    """Stands in for kubernetes.client.BatchV1Api: keeps the Jobs instead of sending them."""

    def __init__(self) -> None:
        self.jobs: list = []

    def create_namespaced_job(self, body, namespace, **_kwargs):  # noqa: ANN001, ANN201
        self.jobs.append((namespace, body))
        return body


def serialized(namespace_and_job) -> dict:
    namespace, job = namespace_and_job
    return {"namespace": namespace, **ApiClient().sanitize_for_serialization(job)}


def main(out: Path, launcher_yaml: Path, image: str, kubeconfig: str) -> dict:
    section = yaml.safe_load(launcher_yaml.read_text())["run_launcher"]
    config = dict(section["config"])
    checked = process_config(K8sRunLauncher.config_type(), config)
    result: dict = {
        "config_errors": [e.message for e in (checked.errors or [])],
        "module": section["module"],
        "class": section["class"],
    }
    if not checked.success:
        return result
    # Outside a cluster: the launcher reads a kubeconfig instead (it is never contacted).
    config.update(load_incluster_config=False, kubeconfig_file=kubeconfig)
    recon_repo = ReconstructableRepository.for_file(
        str(out / "definitions.py"), "defs", str(out), container_image=image
    )
    recon_job = recon_repo.get_reconstructable_job(ASSET_JOB)
    job_def = recon_job.get_definition()
    result["executor"] = job_def.executor_def.name
    overrides = {"run_launcher": {**section, "config": config}}
    with instance_for_test(overrides=overrides) as instance:
        captured = CapturedBatchApi()
        launcher = instance.run_launcher
        assert isinstance(launcher, K8sRunLauncher)
        launcher._api_client = DagsterKubernetesClient.production_client(  # noqa: SLF001
            batch_api_override=captured
        )
        origin = recon_job.get_python_origin()
        run = create_run_for_test(
            instance, job_name=ASSET_JOB, job_code_origin=origin, job_snapshot=None
        )
        launcher.launch_run(LaunchRunContext(dagster_run=run, workspace=None))
        result["run"] = serialized(captured.jobs.pop())

        resolved = ResolvedRunConfig.build(job_def, {})
        executor = job_def.executor_def.executor_creation_fn(
            InitExecutorContext(
                job=recon_job,
                executor_def=job_def.executor_def,
                executor_config=resolved.execution.execution_engine_config,
                instance=instance,
            )
        )
        handler = executor._step_handler  # noqa: SLF001
        handler._api_client = DagsterKubernetesClient.production_client(  # noqa: SLF001
            batch_api_override=captured
        )
        plan = create_execution_plan(recon_job)
        plan_context = PlanOrchestrationContext(
            plan_data=PlanData(
                job=recon_job,
                dagster_run=run,
                instance=instance,
                execution_plan=plan,
                raise_on_error=True,
                retry_mode=RetryMode.DISABLED,
            ),
            log_manager=create_context_free_log_manager(instance, run),
            executor=executor,
            output_capture=None,
        )
        result["steps"] = {}
        for step in plan.steps:
            args = ExecuteStepArgs(origin, run.run_id, [step.key])
            context = StepHandlerContext(
                instance=instance,
                plan_context=plan_context,
                steps=plan.steps,
                execute_step_args=args,
            )
            list(handler.launch_step(context))
            result["steps"][step.key] = serialized(captured.jobs.pop())
    return result


if __name__ == "__main__":
    out_dir, launcher_file, image_ref, kube = sys.argv[1:5]
    print(json.dumps(main(Path(out_dir), Path(launcher_file), image_ref, kube)))

"""floe's Airflow runtime: builds a product's DAG from what `floe compile` wrote.

This package is emitted by the floe compiler next to the generated DAG file, together
with floe_runtime, whose orchestrator-neutral modules (compiled-file loaders, dbt's
manifest, stateless step inputs, Iceberg publishing, secrets) it runs; importing those
does not import Dagster. So the runtime always matches the compiler that produced the
files it reads.
"""

from pathlib import Path

try:
    from floe_runtime.plan import Lineage, Model, Plan, Resources
except ModuleNotFoundError as exc:
    if exc.name != "floe_runtime":
        raise
    raise ImportError(
        f"{Path(__file__).resolve().parent.parent / 'floe_runtime'}: floe's runtime "
        "package is missing beside the DAG file; re-run `floe compile` and deploy its "
        "whole output directory"
    ) from None

from .dag import Schedule, build_dag, check_contract  # noqa: E402
from .operator import SEEDS_TASK, FloeDbtOperator  # noqa: E402

__all__ = [
    "SEEDS_TASK",
    "FloeDbtOperator",
    "Lineage",
    "Model",
    "Plan",
    "Resources",
    "Schedule",
    "build_dag",
    "check_contract",
]

"""floe's Dagster runtime: builds a product's Definitions from what `floe compile` wrote.

This package is emitted by the floe compiler next to definitions.py, so the runtime
always matches the compiler that produced the files it reads.

The modules, by what they do (Dagster is imported only by those marked so; the rest
serve any orchestrator):

- plan, files, _stamp, errors: the compiled plan and the files `floe compile` wrote;
- manifest, groups, selection: dbt's manifest, its graph check, the op groups and the
  dbt selection of each;
- step, step_inputs, publish, iceberg, secrets, lineage: what a dbt step needs, its
  inputs from Iceberg, its tables published to Iceberg, the profile's secrets, and
  OpenLineage events;
- specs, assets, run (Dagster): the dbt assets, and what their ops do when they run;
- build, io_manager, partitions, kubernetes, run_lineage, local (Dagster): the
  Definitions, the IO manager of Python assets, the executor, run-level lineage and
  local runs;
- _compat: every private Dagster and dagster-dbt name the runtime uses.
"""

from typing import TYPE_CHECKING, Any

from ._stamp import CONTRACT_VERSION, FLOE_VERSION
from .errors import (
    CompiledOutputError,
    FloeRuntimeError,
    GraphMismatchError,
    IcebergPublishError,
)
from .plan import Lineage, Model, Plan, Resources

if TYPE_CHECKING:
    from .build import IO_MANAGER_KEY, build_definitions
    from .io_manager import PARTITION_EXPR_KEY, IcebergIOManager

# The Dagster side, imported on first use: `from floe_runtime.files import ...` (an
# orchestrator other than Dagster) must not import Dagster.
_LAZY = {
    "IO_MANAGER_KEY": "build",
    "build_definitions": "build",
    "PARTITION_EXPR_KEY": "io_manager",
    "IcebergIOManager": "io_manager",
}

__all__ = [
    "CONTRACT_VERSION",
    "FLOE_VERSION",
    "IO_MANAGER_KEY",
    "PARTITION_EXPR_KEY",
    "CompiledOutputError",
    "FloeRuntimeError",
    "GraphMismatchError",
    "IcebergIOManager",
    "IcebergPublishError",
    "Lineage",
    "Model",
    "Plan",
    "Resources",
    "build_definitions",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value

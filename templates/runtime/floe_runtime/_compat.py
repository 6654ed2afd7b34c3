"""Every private Dagster and dagster-dbt name the runtime uses, in one place.

Dagster and dagster-dbt keep these out of their public API, so a release may move or
change them without notice. Each is reached only through this module, which imports
nothing at import time (the modules that orchestrate without Dagster import it too),
and tests/runtime/test_unit_compat.py resolves every name in ``PRIVATE`` and checks the
parameters floe passes: an upgrade that moves one fails there, by name, rather than in
a run. The versions below are the ones each name was checked against; that test also
fails when requirements-runtime.txt pins another version, so that an upgrade re-checks
this list.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

# The versions every name below was checked against (requirements-runtime.txt pins).
DAGSTER_VERSION = "1.13.2"
DAGSTER_DBT_VERSION = "0.29.2"

# (module, name, what floe uses it for): every private name, for the compatibility test.
PRIVATE: tuple[tuple[str, str, str], ...] = (
    (
        "dagster._utils.warnings",
        "suppress_dagster_warnings",
        "silences the beta warnings of allow_arbitrary_check_specs on dbt multi-assets",
    ),
    (
        "dagster._utils.tags",
        "is_valid_tag_key",
        "which dbt tags become asset tags (dagster-dbt's rule)",
    ),
    (
        "dagster._core.execution.context.op_execution_context",
        "OpExecutionContext.get_step_execution_context",
        "the step key a dbt step reports to lineage",
    ),
    (
        "dagster._core.definitions.assets.job.asset_job",
        "IMPLICIT_ASSET_JOB_NAME",
        "the name of the job Dagster builds of every asset, which schedules target",
    ),
    (
        "dagster_dbt.asset_utils",
        "_validate_asset_keys",
        "dagster-dbt's duplicate asset key check, for specs floe selects itself",
    ),
    (
        "dagster_dbt.asset_utils",
        "get_node",
        "a manifest node by unique id, as dagster-dbt reads it",
    ),
    (
        "dagster_dbt.asset_utils",
        "get_upstream_unique_ids",
        "the asset parents dagster-dbt gives a node",
    ),
    (
        "dagster_dbt.asset_utils",
        "is_non_asset_node",
        "the dbt nodes dagster-dbt makes no asset of",
    ),
    (
        "dagster_dbt.asset_utils",
        "get_subset_selection_for_context",
        "the dbt selection of a step's selected assets and checks",
    ),
    (
        "dagster_dbt.utils",
        "ASSET_RESOURCE_TYPES",
        "the dbt resource types that are assets",
    ),
)

# The job of every asset that Dagster builds for any Definitions with assets
# (dagster._core.definitions.assets.job.asset_job.IMPLICIT_ASSET_JOB_NAME).
IMPLICIT_ASSET_JOB = "__ASSET_JOB"

# dagster-dbt's metadata and tag keys, which floe writes itself (specs.py) so that
# loading the definitions does not import dagster-dbt; the compatibility test checks
# each against dagster-dbt's own value where dagster-dbt names it.
DBT_SELECT_TAG = "dagster_dbt/select"  # asset_utils.DAGSTER_DBT_SELECT_METADATA_KEY
UNIQUE_ID_KEY = (
    "dagster_dbt/unique_id"  # asset_utils.DAGSTER_DBT_UNIQUE_ID_METADATA_KEY
)
PROJECT_ID_KEY = "dagster_dbt/project_id"  # set by DagsterDbtTranslator.get_asset_spec
MATERIALIZATION_KEY = "dagster-dbt/materialization_type"  # metadata_set.DbtMetadataSet
ASSET_RESOURCE_TYPES = ("model", "seed", "snapshot")  # utils.ASSET_RESOURCE_TYPES


@functools.cache
def private(module: str, name: str) -> Any:
    """The private name (``Class.attribute`` for an attribute) of module."""
    value: Any = importlib.import_module(module)
    for part in name.split("."):
        value = getattr(value, part)
    return value


def suppress_dagster_warnings(fn: Callable[..., Any]) -> Callable[..., Any]:
    """dagster._utils.warnings.suppress_dagster_warnings."""
    return private("dagster._utils.warnings", "suppress_dagster_warnings")(fn)


def is_valid_tag_key(key: str) -> bool:
    """dagster._utils.tags.is_valid_tag_key."""
    return private("dagster._utils.tags", "is_valid_tag_key")(key)


def step_key(context: Any) -> str | None:
    """The step key of the op running in context (an AssetExecutionContext), or None.

    ``OpExecutionContext.get_step_execution_context`` is documented as private.
    """
    try:
        key = context.op_execution_context.get_step_execution_context().step.key
    except Exception:  # noqa: BLE001 - a private API: when it moves, None will do
        return None
    return key if isinstance(key, str) and key else None


def dbt_asset_utils(name: str) -> Any:
    """A name of dagster_dbt.asset_utils that it does not export (imports dagster-dbt)."""
    return private("dagster_dbt.asset_utils", name)


def dbt_asset_resource_types() -> Any:
    """dagster_dbt.utils.ASSET_RESOURCE_TYPES (imports dagster-dbt)."""
    return private("dagster_dbt.utils", "ASSET_RESOURCE_TYPES")

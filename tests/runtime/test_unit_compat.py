"""floe_runtime._compat: every private Dagster and dagster-dbt name still where it was.

Dagster and dagster-dbt may move or change their private names in any release. These
tests resolve each one floe uses, check the parameters floe passes to the functions,
check that floe's copies of dagster-dbt's metadata keys are still dagster-dbt's, and
fail when requirements-runtime.txt pins a version other than the one _compat.py was
checked against: upgrading Dagster means re-reading that list, and this says so.
"""

from __future__ import annotations

import inspect
import re

import pytest
from conftest import REPO
from floe_runtime import _compat


def _pinned(package: str) -> str:
    text = (REPO / "requirements-runtime.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(package)}==(\S+)$", text, re.MULTILINE)
    assert match, f"{package} is not pinned in requirements-runtime.txt"
    return match.group(1)


@pytest.mark.parametrize(
    ("package", "checked"),
    [
        ("dagster", _compat.DAGSTER_VERSION),
        ("dagster-dbt", _compat.DAGSTER_DBT_VERSION),
    ],
)
def test_the_pinned_versions_are_the_checked_ones(package: str, checked: str) -> None:
    pinned = _pinned(package)
    assert pinned == checked, (
        f"requirements-runtime.txt pins {package}=={pinned}, but the private names in "
        f"templates/runtime/floe_runtime/_compat.py were checked against {checked}: "
        "re-check each name of _compat.PRIVATE in the new release (this test file "
        "resolves them), then update the version there"
    )


@pytest.mark.parametrize(
    ("module", "name", "why"), _compat.PRIVATE, ids=[p[1] for p in _compat.PRIVATE]
)
def test_every_private_name_resolves(module: str, name: str, why: str) -> None:
    try:
        _compat.private(module, name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(
            f"{module}.{name} is gone ({type(exc).__name__}: {exc}); floe uses it for: "
            f"{why}. Find where this Dagster release moved it and update _compat.py"
        )


# The keyword arguments floe passes to the private functions it calls.
CALLED_WITH = {
    ("dagster_dbt.asset_utils", "get_subset_selection_for_context"): (
        "context",
        "manifest",
        "select",
        "exclude",
        "selector",
        "dagster_dbt_translator",
        "current_dbt_indirect_selection_env",
    ),
    ("dagster_dbt.asset_utils", "_validate_asset_keys"): (
        "translator",
        "manifest",
        "key_by_unique_id",
    ),
    ("dagster_dbt.asset_utils", "get_upstream_unique_ids"): (
        "manifest",
        "dbt_resource_props",
    ),
    ("dagster_dbt.asset_utils", "get_node"): ("manifest", "unique_id"),
    ("dagster_dbt.asset_utils", "is_non_asset_node"): ("dbt_resource_props",),
    ("dagster._utils.tags", "is_valid_tag_key"): ("key",),
}


@pytest.mark.parametrize(
    ("target", "params"), CALLED_WITH.items(), ids=[k[1] for k in CALLED_WITH]
)
def test_private_functions_take_what_floe_passes(
    target: tuple[str, str], params: tuple[str, ...]
) -> None:
    assert target[:2] in {p[:2] for p in _compat.PRIVATE}, target
    signature = inspect.signature(_compat.private(*target))
    missing = [p for p in params if p not in signature.parameters]
    assert not missing, (
        f"{target[0]}.{target[1]}{signature} no longer takes {missing}: update the "
        "call in floe_runtime"
    )


def test_the_step_context_still_has_a_step_key() -> None:
    from dagster._core.execution.context.system import StepExecutionContext

    step = inspect.getattr_static(StepExecutionContext, "step", None)
    assert step is not None, (
        "StepExecutionContext.step is gone: update _compat.step_key"
    )


def test_floe_writes_dagster_dbts_own_keys() -> None:
    from dagster_dbt import asset_utils
    from dagster_dbt.metadata_set import DbtMetadataSet

    assert _compat.DBT_SELECT_TAG == asset_utils.DAGSTER_DBT_SELECT_METADATA_KEY
    assert _compat.UNIQUE_ID_KEY == asset_utils.DAGSTER_DBT_UNIQUE_ID_METADATA_KEY
    assert tuple(_compat.dbt_asset_resource_types()) == _compat.ASSET_RESOURCE_TYPES
    materialization = DbtMetadataSet(materialization_type="table")
    assert dict(materialization) == {_compat.MATERIALIZATION_KEY: "table"}


def test_the_implicit_asset_job_has_the_name_floe_targets() -> None:
    from dagster._core.definitions.assets.job.asset_job import IMPLICIT_ASSET_JOB_NAME

    assert _compat.IMPLICIT_ASSET_JOB == IMPLICIT_ASSET_JOB_NAME

"""build_definitions refuses mismatched plans and outputs before building anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from floe_runtime import CompiledOutputError, Plan, build_definitions
from helpers import write_output


def plan(**overrides: str) -> Plan:
    fields = {
        "product": "demo",
        "product_version": "1.0.0",
        "slug": "demo",
        "floe_version": "dev",
        "contract_version": "0.10.0",
        "project_dir": "..",
        "dbt_profile": "demo",
        "dbt_target": "dev",
    }
    fields.update(overrides)
    return Plan(**fields)


def test_definitions_from_another_floe_version_are_refused(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out")
    with pytest.raises(
        CompiledOutputError, match=r"compiled with floe 9\.9\.9 .*re-run `floe compile`"
    ):
        build_definitions(plan(floe_version="9.9.9"), out)


def test_artifacts_of_another_product_are_refused(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out")
    with pytest.raises(
        CompiledOutputError, match="product 'demo' but definitions.py is for 'other'"
    ):
        build_definitions(plan(product="other"), out)


def test_missing_dbt_manifest_says_how_to_make_it(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out")
    with pytest.raises(
        CompiledOutputError, match=r"dbt manifest not found; run `dbt parse"
    ):
        build_definitions(plan(), out)

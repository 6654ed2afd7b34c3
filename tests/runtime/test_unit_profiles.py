"""profiles.yml: dbt renders every DuckDB path back to exactly the compiled path.

codegen/dagster writes a DuckDB file path as {{ env_var('FLOE_DUCKDB_PATH', '<path>') }}.
The golden codegen/dagster/testdata/duckdb-paths (TestDuckDBPathsStayDataInProfiles) holds
hostile paths (quotes, backslashes, Jinja delimiters); dbt's own Jinja rendering of the
profile must give each one back unchanged, and FLOE_DUCKDB_PATH must replace it.
"""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import REPO
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context

GOLDEN = REPO / "codegen" / "dagster" / "testdata" / "duckdb-paths"


def _rendered_paths(env: dict[str, str]) -> list[str]:
    set_invocation_context(env)
    doc = yaml.safe_load((GOLDEN / "profiles.yml").read_text())
    outputs = doc["customer-360"]["outputs"]
    renderer = ProfileRenderer({})
    return [
        renderer.render_value(outputs[f"out{i}"]["path"])
        for i in range(len(outputs) - 1)
    ]


def test_dbt_renders_the_compiled_paths_exactly() -> None:
    want = json.loads((GOLDEN / "paths.json").read_text())
    assert _rendered_paths({}) == want


@pytest.mark.parametrize("override", ["/tmp/step/customer_360.duckdb", "it's.duckdb"])
def test_floe_duckdb_path_overrides_the_compiled_path(override: str) -> None:
    want = json.loads((GOLDEN / "paths.json").read_text())
    assert _rendered_paths({"FLOE_DUCKDB_PATH": override}) == [override] * len(want)

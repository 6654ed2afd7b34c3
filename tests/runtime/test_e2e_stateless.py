"""Stateless steps: every transform materialized alone, each in a process that starts empty.

customer-360 is compiled with its local manifest, but with the Iceberg catalog (the only
state steps share, as on a platform) outside the product directory. dbt parse runs once,
as the image build does. Then the seeds, each transform (in dependency order) and one
partition of each Python asset are materialized alone, each by its own
`dagster asset materialize` process with a new empty working directory, DAGSTER_HOME,
DuckDB file and dbt target: a step can only read what earlier steps published to Iceberg.
Every table must equal what one plain `dbt build` of the whole project computes, and no
step may write into the product directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import copy_example, dbt_parse, run
from pyiceberg.catalog import load_catalog
from stateless import (
    SEEDS,
    duckdb_rows,
    iceberg_rows,
    materialize_alone,
    plain_dbt_build,
    tree_state,
)

PRODUCT = "customer-360"
NAMESPACE = "customer_360"


def dependency_order(floe_yaml: dict) -> list[str]:
    """The transforms, each after everything it depends on (floe.yaml order otherwise)."""
    pending = {t["name"]: set(t.get("dependsOn", [])) for t in floe_yaml["transforms"]}
    order: list[str] = []
    while pending:
        ready = [n for n, deps in pending.items() if deps <= set(order)]
        assert ready, f"cycle among {sorted(pending)}"
        order.append(ready[0])
        del pending[ready[0]]
    return order


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, floe_bin: Path):
    base = tmp_path_factory.mktemp("stateless")
    root = copy_example(PRODUCT, base)
    platform = base / "platform"
    (platform / "warehouse").mkdir(parents=True)
    manifest = root / "manifest.yaml"
    doc = yaml.safe_load(manifest.read_text())
    doc["plugins"]["catalog"]["config"] = {
        "uri": f"sqlite:///{platform / 'catalog.db'}",
        "warehouse": str(platform / "warehouse"),
    }
    manifest.write_text(yaml.safe_dump(doc, sort_keys=False))
    run([str(floe_bin), "compile", str(root)])
    out = root / "target" / "floe"
    dbt_parse(root, out)
    catalog = load_catalog(
        "floe",
        type="sql",
        uri=f"sqlite:///{platform / 'catalog.db'}",
        warehouse=(platform / "warehouse").as_uri(),
    )
    return base, root, out, catalog


def test_each_step_alone_in_an_empty_process_equals_one_dbt_build(compiled) -> None:
    base, root, out, catalog = compiled
    floe_yaml = yaml.safe_load((root / "floe.yaml").read_text())
    # Only the lineage file may change in the product directory (its transport is a file
    # there); the dbt targets and DuckDB files of the steps are in their scratch dirs.
    before = tree_state(root, ignore=("target/floe-local/lineage.jsonl",))
    steps = [",".join(SEEDS), *dependency_order(floe_yaml)]
    for i, select in enumerate(steps):
        log = materialize_alone(out, select, base / "steps" / f"{i:02d}")
        if i > 0:
            assert "loaded" in log and "input table(s) from Iceberg" in log, select
    for i, asset in enumerate(["regional_customer_snapshot", "regional_value_summary"]):
        materialize_alone(out, asset, base / "py" / f"{i}", partition="north")
    after = tree_state(root, ignore=("target/floe-local/lineage.jsonl",))
    assert after == before, "a step wrote into the product directory"

    reference = plain_dbt_build(root, out, base / "reference")
    for name in [*SEEDS, *dependency_order(floe_yaml)]:
        want = duckdb_rows(reference, name)
        got = iceberg_rows(catalog, f"{NAMESPACE}.{name}")
        assert want, name
        assert len(got) == len(want), f"{name}: {len(got)} rows, want {len(want)}"
        assert got == want, f"{name}: contents differ from a plain dbt build"
    snapshot = catalog.load_table(f"{NAMESPACE}.regional_customer_snapshot")
    regions = {r["region"] for r in snapshot.scan().to_arrow().to_pylist()}
    assert regions == {"north"}

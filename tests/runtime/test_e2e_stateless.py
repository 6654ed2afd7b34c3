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

import yaml
from conftest import copy_example, dbt_parse, run
from pyiceberg.catalog import load_catalog
from stateless import (
    assert_tables_equal_plain_dbt,
    materialize_every_step_alone,
    tree_state,
)

PRODUCT = "customer-360"
NAMESPACE = "customer_360"
# Only the lineage file may change in the product directory (its transport is a file
# there); the dbt targets and DuckDB files of the steps are in their scratch dirs.
LINEAGE_FILE = "target/floe-local/lineage.jsonl"


def test_each_step_alone_in_an_empty_process_equals_one_dbt_build(
    tmp_path: Path, floe_bin: Path
) -> None:
    root = copy_example(PRODUCT, tmp_path)
    platform = tmp_path / "platform"
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

    before = tree_state(root, ignore=(LINEAGE_FILE,))
    tables = materialize_every_step_alone(root, out, tmp_path)
    assert tree_state(root, ignore=(LINEAGE_FILE,)) == before, (
        "a step wrote into the product directory"
    )

    catalog = load_catalog(
        "floe",
        type="sql",
        uri=f"sqlite:///{platform / 'catalog.db'}",
        warehouse=(platform / "warehouse").as_uri(),
    )
    assert_tables_equal_plain_dbt(root, out, tmp_path, catalog, NAMESPACE, tables)
    snapshot = catalog.load_table(f"{NAMESPACE}.regional_customer_snapshot")
    regions = {r["region"] for r in snapshot.scan().to_arrow().to_pylist()}
    assert regions == {"north"}

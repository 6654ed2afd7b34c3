"""Unit tests of floe_runtime.iceberg against a real SQLite-backed PyIceberg catalog."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import pytest
from floe_runtime import iceberg
from floe_runtime.errors import IcebergPublishError
from floe_runtime.files import CatalogConfig, SecretEnv
from pyiceberg.expressions import And, EqualTo, IsNull, Or


def sql_config() -> CatalogConfig:
    return CatalogConfig(
        name="floe",
        type="sql",
        uri="sqlite:///target/local/catalog.db",
        warehouse="target/local/warehouse",
        properties=(),
        credentials=(),
    )


@pytest.fixture
def catalog(tmp_path: Path):
    cat = iceberg.connect(sql_config(), tmp_path)
    iceberg.ensure_namespace(cat, "demo")
    iceberg.ensure_namespace(cat, "demo")  # idempotent
    return cat


def orders(region: str, n: int, start: int = 0) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(start, start + n), pa.int64()),
            "region": pa.array([region] * n, pa.string()),
        }
    )


def rows(catalog, identifier: str) -> int:
    return catalog.load_table(identifier).scan().to_arrow().num_rows


def test_relative_paths_resolve_under_the_product_dir(tmp_path: Path) -> None:
    props = iceberg.catalog_properties(sql_config(), tmp_path)
    assert props["uri"] == f"sqlite:///{tmp_path / 'target/local/catalog.db'}"
    assert props["warehouse"] == (tmp_path / "target/local/warehouse").as_uri()
    assert (tmp_path / "target/local/warehouse").is_dir()


def test_overwrite_replaces_and_append_adds(catalog) -> None:
    r = iceberg.write_table(catalog, "demo.t", orders("a", 5), mode="overwrite")
    assert (r.rows_written, r.table_rows) == (5, 5)
    iceberg.write_table(catalog, "demo.t", orders("a", 5), mode="overwrite")
    assert rows(catalog, "demo.t") == 5
    r = iceberg.write_table(catalog, "demo.t", orders("b", 3), mode="append")
    assert (r.rows_written, r.table_rows) == (3, 8)
    assert rows(catalog, "demo.t") == 8


def test_partition_overwrite_replaces_only_present_partitions(catalog) -> None:
    both = pa.concat_tables([orders("a", 4), orders("b", 6, start=100)])
    iceberg.write_table(
        catalog, "demo.p", both, mode="partition_overwrite", partition_by=["region"]
    )
    iceberg.write_table(
        catalog,
        "demo.p",
        orders("a", 2, start=50),
        mode="partition_overwrite",
        partition_by=["region"],
    )
    table = catalog.load_table("demo.p").scan().to_arrow()
    by_region = {}
    for row in table.to_pylist():
        by_region.setdefault(row["region"], []).append(row["id"])
    assert sorted(by_region["a"]) == [50, 51]
    assert sorted(by_region["b"]) == list(range(100, 106))
    spec = catalog.load_table("demo.p").spec()
    assert [f.name for f in spec.fields] == ["region"]


def test_zero_rows_is_an_error_not_a_success(catalog) -> None:
    empty = orders("a", 0)
    with pytest.raises(IcebergPublishError, match="0 rows"):
        iceberg.write_table(catalog, "demo.empty", empty, mode="overwrite")
    assert not catalog.table_exists("demo.empty")


def test_snapshot_retention_keeps_last(catalog) -> None:
    for i in range(5):
        r = iceberg.write_table(
            catalog, "demo.s", orders("a", 1, start=i), mode="append", keep_last=2
        )
    table = catalog.load_table("demo.s")
    assert len(table.snapshots()) == 2
    assert r.snapshots_expired >= 1
    assert rows(catalog, "demo.s") == 5  # expiring snapshots never drops current data


def test_partition_filter_uses_the_expression_api() -> None:
    data = pa.table({"d": ["x", "y", "x", None], "n": [1, 1, 2, 1]})
    expr = iceberg.partition_filter(data, ["d"])
    assert isinstance(expr, Or)
    assert iceberg.equal_filter("d", "x") == EqualTo("d", "x")
    assert isinstance(iceberg.equal_filter("d", None), IsNull)
    two = iceberg.partition_filter(data.slice(0, 1), ["d", "n"])
    assert isinstance(two, And)


def test_unreachable_catalog_fails_loudly(tmp_path: Path) -> None:
    config = CatalogConfig(
        name="polaris",
        type="rest",
        uri="http://127.0.0.1:9/api/catalog",
        warehouse="w",
        properties=(),
        credentials=(),
    )
    started = time.monotonic()
    with pytest.raises(
        IcebergPublishError,
        match=r"'polaris' at http://127.0.0.1:9/api/catalog is unreachable",
    ):
        iceberg.connect(config, tmp_path)
    assert time.monotonic() - started < 60


def test_credentials_only_from_named_env_vars(tmp_path: Path, monkeypatch) -> None:
    config = CatalogConfig(
        name="polaris",
        type="rest",
        uri="http://polaris:8181/api/catalog",
        warehouse="w",
        properties=(("scope", "PRINCIPAL_ROLE:ALL"),),
        credentials=(
            SecretEnv(property="credential", env="FLOE_TEST_POLARIS_CREDENTIAL"),
        ),
    )
    monkeypatch.delenv("FLOE_TEST_POLARIS_CREDENTIAL", raising=False)
    with pytest.raises(
        IcebergPublishError, match="FLOE_TEST_POLARIS_CREDENTIAL not set"
    ):
        iceberg.catalog_properties(config, tmp_path)
    monkeypatch.setenv("FLOE_TEST_POLARIS_CREDENTIAL", "id:secret")
    props = iceberg.catalog_properties(config, tmp_path)
    assert props["credential"] == "id:secret"
    assert props["scope"] == "PRINCIPAL_ROLE:ALL"

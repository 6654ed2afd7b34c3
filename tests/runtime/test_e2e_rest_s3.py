"""The production shape against real services: Iceberg's REST catalog server, S3 (moto).

scripts/test-runtime.sh starts both on loopback (scripts/services.py) and names them in
$FLOE_TEST_SERVICES: Apache Iceberg's own RESTCatalogServer (a JdbcCatalog whose warehouse
is in S3, written with S3FileIO) and moto's S3 server. customer-360 is compiled with its
production manifest pointed at them (catalog type rest with an OAuth2 client credential,
storage s3 with credentials by Secret reference, DuckDB in the work directory); every
step is materialized alone in an empty process, with the credentials only in its
environment; every table is read back through the REST catalog and must equal one plain
`dbt build`, and its data files must be objects in the bucket.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from conftest import copy_example, dbt_parse, run
from pyiceberg.catalog import load_catalog
from stateless import assert_tables_equal_plain_dbt, materialize_every_step_alone

PRODUCT = "customer-360"
NAMESPACE = "customer_360"


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    path = os.environ.get("FLOE_TEST_SERVICES")
    if not path:
        pytest.skip(
            "no REST catalog and S3 running: run scripts/test-runtime.sh, which starts them"
        )
    return json.loads(Path(path).read_text())


def test_production_shape_on_rest_catalog_and_s3(
    tmp_path: Path, floe_bin: Path, services: dict[str, Any]
) -> None:
    root = copy_example(PRODUCT, tmp_path)
    doc = yaml.safe_load((root / "manifest.prod.yaml").read_text())
    doc["plugins"]["catalog"] = {
        "type": "rest",
        "connection_secret_ref": "rest-catalog-credentials",
        "config": {
            "uri": services["rest_uri"],
            "warehouse": "floe",
            "oauth2": {"token_url": f"{services['rest_uri']}/v1/oauth/tokens"},
        },
    }
    doc["plugins"]["storage"]["config"] = {
        "endpoint": services["s3_endpoint"],
        "bucket": services["bucket"],
        "region": services["region"],
    }
    # No lineage backend runs here; the rest is the production manifest as shipped.
    doc["plugins"].pop("lineage_backend", None)
    doc["observability"].pop("lineage", None)
    manifest = root / "manifest.rest.yaml"
    manifest.write_text(yaml.safe_dump(doc, sort_keys=False))
    run([str(floe_bin), "compile", str(root), "--manifest", str(manifest)])
    out = root / "target" / "floe"
    config = json.loads((out / "iceberg_io.json").read_text())
    assert config["catalog"]["type"] == "rest"
    envs = {c["property"]: c["env"] for c in config["catalog"]["credentials"]}
    assert set(envs) == {"credential", "s3.access-key-id", "s3.secret-access-key"}
    assert services["secret_access_key"] not in (out / "iceberg_io.json").read_text()
    dbt_parse(root, out)

    secrets = {
        envs["credential"]: "floe-client:floe-client-secret",
        envs["s3.access-key-id"]: services["access_key_id"],
        envs["s3.secret-access-key"]: services["secret_access_key"],
    }
    tables = materialize_every_step_alone(root, out, tmp_path, env=secrets)

    catalog = load_catalog(
        "floe",
        type="rest",
        uri=services["rest_uri"],
        warehouse="floe",
        credential="reader:reader-secret",
        **{
            "oauth2-server-uri": f"{services['rest_uri']}/v1/oauth/tokens",
            "s3.endpoint": services["s3_endpoint"],
            "s3.region": services["region"],
            "s3.access-key-id": services["access_key_id"],
            "s3.secret-access-key": services["secret_access_key"],
        },
    )
    assert_tables_equal_plain_dbt(root, out, tmp_path, catalog, NAMESPACE, tables)
    s3 = boto3.client(
        "s3",
        endpoint_url=services["s3_endpoint"],
        region_name=services["region"],
        aws_access_key_id=services["access_key_id"],
        aws_secret_access_key=services["secret_access_key"],
    )
    keys = {
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=services["bucket"]
        )
        for obj in page.get("Contents", [])
    }
    for name in [*tables, "regional_customer_snapshot"]:
        table = catalog.load_table(f"{NAMESPACE}.{name}")
        assert table.location().startswith(f"s3://{services['bucket']}/"), name
        files = [t.file.file_path for t in table.scan().plan_files()]
        assert files, name
        for path in files:
            assert path.split("/", 3)[3] in keys, f"{name}: {path} is not in the bucket"

"""Unit tests of floe_runtime.files: every compiled file is checked with a usable message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from floe_runtime.errors import CompiledOutputError
from floe_runtime.files import load_artifacts, load_iceberg_config, load_schedules
from helpers import write_output


def test_loads_a_valid_output(tmp_path: Path) -> None:
    out = write_output(
        tmp_path,
        tables=[
            {
                "model": "m",
                "identifier": "demo.m",
                "write_mode": "partition_overwrite",
                "partition_by": ["day"],
            }
        ],
        schedules=[
            {
                "name": "s",
                "cron": "0 6 * * *",
                "timezone": "Europe/Berlin",
                "enabled": False,
            }
        ],
    )
    artifacts = load_artifacts(out)
    assert artifacts.product_name == "demo"
    assert artifacts.duckdb_path("demo", "dev") == "target/local/demo.duckdb"
    assert artifacts.duckdb_path("demo", "prod") is None
    config = load_iceberg_config(out)
    assert config.table("m").partition_by == ("day",)
    assert config.snapshot_keep_last == 3
    (schedule,) = load_schedules(out)
    assert (schedule.cron, schedule.timezone, schedule.enabled) == (
        "0 6 * * *",
        "Europe/Berlin",
        False,
    )


def test_contract_mismatch_says_recompile(tmp_path: Path) -> None:
    out = write_output(tmp_path, contract="0.9.0")
    with pytest.raises(CompiledOutputError) as err:
        load_artifacts(out)
    message = str(err.value)
    assert "compiled with floe 0.3.0 for contract 0.9.0" in message
    assert "re-run `floe compile`" in message
    with pytest.raises(
        CompiledOutputError, match="contract 0.9.0.*re-run `floe compile`"
    ):
        load_iceberg_config(out)
    with pytest.raises(CompiledOutputError, match="re-run `floe compile`"):
        load_schedules(out)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CompiledOutputError, match="file not found; run `floe compile`"):
        load_artifacts(tmp_path)
    out = write_output(tmp_path)
    (out / "iceberg_io.json").write_text('{"file_version": "1",\n  oops}')
    with pytest.raises(CompiledOutputError, match=r"iceberg_io.json:2:3: invalid JSON"):
        load_iceberg_config(out)
    (out / "schedules.json").write_bytes(b'{"file_version": "\xff"}')
    with pytest.raises(
        CompiledOutputError, match=r"schedules.json: not UTF-8 \(.* at byte 18\)"
    ):
        load_schedules(out)


def test_bad_write_mode_and_missing_partition_columns(tmp_path: Path) -> None:
    out = write_output(
        tmp_path,
        tables=[{"model": "m", "identifier": "demo.m", "write_mode": "upsert"}],
    )
    with pytest.raises(CompiledOutputError, match=r"tables\[0\]\.write_mode: 'upsert'"):
        load_iceberg_config(out)
    out = write_output(
        tmp_path,
        tables=[
            {"model": "m", "identifier": "demo.m", "write_mode": "partition_overwrite"}
        ],
    )
    with pytest.raises(
        CompiledOutputError, match="partition_overwrite needs partition columns"
    ):
        load_iceberg_config(out)


def test_json_schema_from_the_compiler_is_enforced(tmp_path: Path) -> None:
    out = write_output(tmp_path)
    (out / "schemas").mkdir()
    shutil.copy(
        REPO / "schemas" / "iceberg-io.schema.json",
        out / "schemas" / "iceberg_io.schema.json",
    )
    load_iceberg_config(out)  # valid as written
    doc = json.loads((out / "iceberg_io.json").read_text())
    doc["catalog"]["surprise"] = True
    (out / "iceberg_io.json").write_text(json.dumps(doc))
    with pytest.raises(
        CompiledOutputError, match=r"catalog: .*surprise.*iceberg_io.schema.json"
    ):
        load_iceberg_config(out)


def test_unknown_and_mistyped_fields_are_named_without_a_schema(tmp_path: Path) -> None:
    """The loaders check each file's fields themselves (no schema file beside it)."""
    table = {"model": "m", "identifier": "demo.m", "write_mode": "append"}
    out = write_output(tmp_path, tables=[{**table, "upsert_keys": ["id"]}])
    with pytest.raises(
        CompiledOutputError, match=r"tables\[0\]\.upsert_keys: not a field of this file"
    ):
        load_iceberg_config(out)
    out = write_output(tmp_path, tables=[{**table, "identifier": 7}])
    with pytest.raises(
        CompiledOutputError, match=r"tables\[0\]\.identifier: has type int; re-run"
    ):
        load_iceberg_config(out)
    out = write_output(
        tmp_path, schedules=[{"name": "s", "cron": "@daily", "enabled": "yes"}]
    )
    with pytest.raises(
        CompiledOutputError, match=r"schedules\[0\]\.enabled: has type str; re-run"
    ):
        load_schedules(out)
    out = write_output(tmp_path, schedules=[{"name": "s", "enabled": True}])
    with pytest.raises(CompiledOutputError, match=r"schedules\[0\]\.cron: missing"):
        load_schedules(out)


def test_loaded_files_are_frozen(tmp_path: Path) -> None:
    out = write_output(
        tmp_path,
        tables=[{"model": "m", "identifier": "demo.m", "write_mode": "append"}],
    )
    config = load_iceberg_config(out)
    with pytest.raises(ValueError, match="frozen"):
        config.namespace = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match="frozen"):
        config.tables[0].write_mode = "overwrite"  # type: ignore[misc]

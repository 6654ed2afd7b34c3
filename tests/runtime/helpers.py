"""Builders of small compiled output directories for the unit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_output(
    out: Path,
    *,
    contract: str = "0.10.0",
    tables: list[dict[str, Any]] | None = None,
    catalog: dict[str, Any] | None = None,
    schedules: list[dict[str, Any]] | None = None,
    keep_last: int | None = 3,
) -> Path:
    """Write compiled_artifacts.json, iceberg_io.json and schedules.json into out."""
    out.mkdir(parents=True, exist_ok=True)
    artifacts = {
        "version": contract,
        "metadata": {
            "compiled_at": "2026-01-01T00:00:00",
            "floe_version": "0.3.0",
            "source_hash": "sha256:00",
            "product_name": "demo",
            "product_version": "1.0.0",
        },
        "dbt_profiles": {
            "demo": {
                "target": "dev",
                "outputs": {
                    "dev": {"type": "duckdb", "path": "target/local/demo.duckdb"}
                },
            }
        },
        "governance": {"snapshot_keep_last": keep_last},
    }
    (out / "compiled_artifacts.json").write_text(json.dumps(artifacts, indent=2))
    head = {
        "file_version": "1",
        "floe_version": "dev",
        "contract_version": contract,
        "product": "demo",
    }
    iceberg = {
        **head,
        "catalog": catalog
        or {
            "name": "floe",
            "type": "sql",
            "uri": "sqlite:///target/local/catalog.db",
            "warehouse": "target/local/warehouse",
            "properties": [],
            "credentials": [],
        },
        "namespace": "demo",
        "snapshot_keep_last": keep_last,
        "tables": tables or [],
    }
    (out / "iceberg_io.json").write_text(json.dumps(iceberg, indent=2))
    sched = {**head, "schedules": schedules or []}
    (out / "schedules.json").write_text(json.dumps(sched, indent=2))
    return out

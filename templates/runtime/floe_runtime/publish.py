"""The Iceberg side of a dbt step: its inputs in before dbt runs, its tables out after.

``prepare_inputs`` connects to the catalog and starts the step's DuckDB file with the
tables its selection reads (step_inputs.py); ``publish_models`` writes every model dbt
built to its Iceberg table, once dbt has released the DuckDB file. Nothing here imports
Dagster: ``log`` is any logging.Logger-like object (a Dagster step's ``context.log``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .step import Runtime
from .step_inputs import load_inputs, relation, table_config, upstream_nodes

if TYPE_CHECKING:
    import logging

    import duckdb
    import pyarrow as pa
    from pyiceberg.catalog import Catalog

# The snapshot property created-by of every table floe writes (besides the run's ids).
CREATED_BY = "floe"


def read_model(con: duckdb.DuckDBPyConnection, node: Mapping[str, Any]) -> pa.Table:
    """The model's relation in DuckDB as an Arrow table."""
    return con.sql(f"select * from {relation(node)}").fetch_arrow_table()


def prepare_inputs(
    runtime: Runtime,
    nodes: Mapping[str, Mapping[str, Any]],
    selected: set[str],
    step: str,
    log: logging.Logger,
) -> Catalog:
    """Connect to the catalog and start the step's DuckDB file with its inputs only.

    nodes are the root project's nodes by name (step_inputs.root_nodes), selected the
    names the step builds. The inputs are the tables the step's dbt selection reads
    but does not build (step_inputs.upstream_nodes, from dbt's manifest), read from
    Iceberg.
    """
    from . import iceberg
    from .manifest import child_map

    duck = runtime.require_duckdb()
    catalog = iceberg.connect(runtime.iceberg.catalog, runtime.project_dir)
    iceberg.ensure_namespace(catalog, runtime.iceberg.namespace)
    ids = [nodes[name]["unique_id"] for name in sorted(selected)]
    upstream = upstream_nodes(runtime.manifest, ids, child_map(runtime.manifest))
    loaded = load_inputs(duck, upstream, catalog, runtime.iceberg, step)
    if loaded:
        log.info(
            f"step {step}: loaded {len(loaded)} input table(s) from Iceberg into {duck}: "
            + ", ".join(f"{i.identifier} ({i.rows} rows)" for i in loaded)
        )
    else:
        log.info(f"step {step}: no input tables; starting from an empty {duck}")
    return catalog


def publish_models(
    runtime: Runtime,
    catalog: Catalog,
    built: Sequence[str],
    nodes: Mapping[str, Mapping[str, Any]],
    properties: Mapping[str, str],
    log: logging.Logger,
    duck: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Publish every built model's (or seed's) table; returns metadata per table.

    properties are recorded in each Iceberg snapshot (the orchestrator's run, and
    ``created-by``: CREATED_BY). duck is the DuckDB file dbt built them in (default:
    runtime.require_duckdb()).
    """
    if not built:
        return {}
    import duckdb

    from . import iceberg

    duck = duck or runtime.require_duckdb()
    metadata: dict[str, dict[str, Any]] = {}
    con = duckdb.connect(str(duck), read_only=True)
    try:
        for name in built:
            config = table_config(runtime.iceberg, nodes[name])
            data = read_model(con, nodes[name])
            result = iceberg.write_table(
                catalog,
                config.identifier,
                data,
                mode=config.write_mode,
                partition_by=config.partition_by,
                snapshot_properties=dict(properties),
                keep_last=runtime.iceberg.snapshot_keep_last,
            )
            log.info(
                f"published {name} to Iceberg {result.identifier} ({result.mode}): "
                f"{result.rows_written} rows written, {result.table_rows} rows in table"
            )
            metadata[name] = {
                "iceberg_table": result.identifier,
                "iceberg_write_mode": result.mode,
                "iceberg_rows_written": result.rows_written,
                "iceberg_table_rows": result.table_rows,
                "duckdb_rows": data.num_rows,
            }
    finally:
        con.close()
    return metadata

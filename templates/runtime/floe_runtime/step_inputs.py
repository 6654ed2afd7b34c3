"""Stateless dbt steps: a step's inputs come from the Iceberg catalog, never from disk.

Every dbt step starts from an empty DuckDB file. Before dbt runs, each model and seed the
step's selection depends on (and that the step does not build itself) is read from its
Iceberg table and written into that file under the relation dbt refers to it by. dbt
then builds the step's models on top, and floe publishes them to Iceberg. So a step runs
the same in a fresh pod with an empty disk as on a laptop after the whole run: retries,
partial selections and one pod per step all work.

dbt owns the SQL: which relations a model reads is taken from dbt's manifest.json
(``depends_on.nodes``), never from parsing SQL. Ephemeral models are inlined by dbt, so
their own upstreams are loaded in their place. Sources are external tables the platform
provides and are not loaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import IcebergPublishError
from .files import IcebergConfig, TableConfig

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

# FLOE_DUCKDB_PATH overrides the DuckDB file of the dbt profile (profiles.yml reads it
# with env_var, with the compiled path as default); relative paths are relative to the
# product directory, as in the profile.
DUCKDB_PATH_ENV = "FLOE_DUCKDB_PATH"
# Resource types that are tables floe publishes, and so can load back.
TABLE_TYPES = ("model", "seed", "snapshot")


def quote(ident: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + ident.replace('"', '""') + '"'


def relation(node: Mapping[str, Any]) -> str:
    """The relation dbt builds a node as, schema-qualified and quoted."""
    return f"{quote(node['schema'])}.{quote(node.get('alias') or node['name'])}"


def duckdb_path(configured: str, project_dir: Path) -> Path:
    """The step's DuckDB file: $FLOE_DUCKDB_PATH, else the profile's path."""
    path = Path(os.environ.get(DUCKDB_PATH_ENV) or configured)
    return path if path.is_absolute() else project_dir / path


def root_nodes(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The root project's model, seed and snapshot nodes by name."""
    project = manifest.get("metadata", {}).get("project_name")
    found: dict[str, Mapping[str, Any]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in TABLE_TYPES:
            continue
        if project and node.get("package_name") != project:
            continue
        found[node["name"]] = node
    return found


def _ephemeral(node: Mapping[str, Any]) -> bool:
    return (node.get("config") or {}).get("materialized") == "ephemeral"


def upstream_nodes(
    manifest: Mapping[str, Any],
    selected: Iterable[str],
    children: Mapping[str, Sequence[str]],
) -> list[Mapping[str, Any]]:
    """The table nodes a dbt build of the selected unique ids reads but does not build.

    Those are the parents of the selected nodes and of their tests (dbt selects a
    model's tests with it, and a relationships test also reads another model), minus the
    selected nodes; an ephemeral parent is looked through. Sorted by unique id.
    """
    nodes = manifest.get("nodes", {})
    built = set(selected)
    readers = set(built)
    for unique_id in built:
        for child in children.get(unique_id, ()):
            if child.startswith("test."):
                readers.add(child)
    wanted: dict[str, Mapping[str, Any]] = {}
    seen: set[str] = set()
    stack = [
        parent
        for reader in readers
        for parent in (nodes.get(reader) or {}).get("depends_on", {}).get("nodes", [])
    ]
    while stack:
        unique_id = stack.pop()
        if unique_id in seen or unique_id in built:
            continue
        seen.add(unique_id)
        node = nodes.get(unique_id)
        if node is None or node.get("resource_type") not in TABLE_TYPES:
            continue  # a source, or a node of another kind: not a table floe publishes
        if _ephemeral(node):
            stack.extend(node.get("depends_on", {}).get("nodes", []))
            continue
        wanted[unique_id] = node
    return [wanted[k] for k in sorted(wanted)]


def table_config(iceberg: IcebergConfig, node: Mapping[str, Any]) -> TableConfig:
    """How a node's table is published: its iceberg_io.json entry, else overwrite.

    Seeds (and models a product added after compiling) have no entry: they are
    published whole to ``<namespace>.<name>``, as the Iceberg IO manager names tables.
    """
    name = node["name"]
    table = iceberg.table(name)
    if table is not None:
        return table
    return TableConfig(
        model=name,
        identifier=f"{iceberg.namespace}.{name}",
        write_mode="overwrite",
        partition_by=(),
    )


@dataclass(frozen=True)
class LoadedInput:
    """One upstream table loaded into the step's DuckDB file."""

    name: str
    identifier: str
    relation: str
    rows: int


def load_inputs(
    duck: Path,
    nodes: Sequence[Mapping[str, Any]],
    catalog: Catalog,
    iceberg: IcebergConfig,
    step: str,
) -> list[LoadedInput]:
    """Start duck empty and load each node's Iceberg table into it, under its relation.

    Any file left at duck (by an earlier step on this machine) is removed first: a step
    sees only what the catalog holds. Tables are streamed in Arrow batches.
    """
    import duckdb
    from pyiceberg.exceptions import NoSuchTableError

    duck.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (duck, duck.with_name(duck.name + ".wal")):
        leftover.unlink(missing_ok=True)
    loaded = []
    con = duckdb.connect(str(duck))
    try:
        for node in nodes:
            identifier = table_config(iceberg, node).identifier
            try:
                table = catalog.load_table(identifier)
            except NoSuchTableError:
                raise IcebergPublishError(
                    f"step {step} reads {node['resource_type']} {node['name']}, but its "
                    f"Iceberg table {identifier} does not exist: materialize "
                    f"{node['name']} first"
                ) from None
            reader = table.scan().to_arrow_batch_reader()
            target = relation(node)
            con.execute(f"create schema if not exists {quote(node['schema'])}")
            con.register("floe_step_input", reader)
            try:
                con.execute(
                    f"create or replace table {target} as select * from floe_step_input"
                )
            finally:
                con.unregister("floe_step_input")
            row = con.execute(f"select count(*) from {target}").fetchone()
            rows = int(row[0]) if row else 0
            loaded.append(LoadedInput(node["name"], identifier, target, rows))
    finally:
        con.close()
    return loaded

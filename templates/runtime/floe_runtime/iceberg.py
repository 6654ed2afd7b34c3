"""Publishing tables to the Iceberg catalog with PyIceberg.

Row filters are always built with PyIceberg's expression API, never by formatting strings.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyiceberg.catalog import Catalog, load_catalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceAlreadyExistsError,
    NoSuchTableError,
)
from pyiceberg.expressions import (
    AlwaysTrue,
    And,
    BooleanExpression,
    EqualTo,
    IsNull,
    Or,
    Reference,
    literal,
)
from pyiceberg.table import Table
from pyiceberg.transforms import DayTransform, HourTransform

from .errors import IcebergPublishError
from .files import CatalogConfig

# COMMIT_ATTEMPTS bounds the retries of a commit that lost a race with another writer.
COMMIT_ATTEMPTS = 3


def _resolve_local(path: str, project_dir: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (project_dir / p).resolve()


def catalog_properties(config: CatalogConfig, project_dir: Path) -> dict[str, str]:
    """PyIceberg properties for config; secrets come only from environment variables.

    Relative SQLite and warehouse paths are relative to the product directory.
    """
    props: dict[str, str] = {"type": config.type}
    if config.type == "sql":
        prefix = "sqlite:///"
        if not config.uri.startswith(prefix):
            raise IcebergPublishError(
                f"Iceberg catalog {config.name!r}: sql catalogs need a {prefix}<path> uri, "
                f"got {config.uri!r}"
            )
        db = _resolve_local(config.uri[len(prefix) :], project_dir)
        db.parent.mkdir(parents=True, exist_ok=True)
        props["uri"] = prefix + str(db)
        warehouse = config.warehouse or str(db.parent / "warehouse")
        if "://" not in warehouse:
            local = _resolve_local(warehouse, project_dir)
            local.mkdir(parents=True, exist_ok=True)
            warehouse = local.as_uri()
        props["warehouse"] = warehouse
    else:
        props["uri"] = config.uri
        if config.warehouse:
            props["warehouse"] = config.warehouse
    for key, value in config.properties:
        props[key] = value
    missing = []
    for cred in config.credentials:
        value = os.environ.get(cred.env)
        if value is None or value == "":
            missing.append(cred.env)
        else:
            props[cred.property] = value
    if missing:
        raise IcebergPublishError(
            f"Iceberg catalog {config.name!r} ({config.uri}): environment variable(s) "
            f"{', '.join(sorted(missing))} not set; they hold the catalog credentials"
        )
    return props


def connect(config: CatalogConfig, project_dir: Path) -> Catalog:
    """Load the catalog and prove it answers; fail loudly (and clearly) when it does not."""
    try:
        props = catalog_properties(config, project_dir)
    except OSError as exc:
        raise IcebergPublishError(
            f"Iceberg catalog {config.name!r} at {config.uri}: cannot prepare its local "
            f"files: {exc}"
        ) from exc
    try:
        catalog = load_catalog(config.name, **props)
        catalog.list_namespaces()
    except IcebergPublishError:
        raise
    except Exception as exc:
        raise IcebergPublishError(
            f"Iceberg catalog {config.name!r} at {config.uri} is unreachable: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return catalog


def ensure_namespace(catalog: Catalog, namespace: str) -> None:
    """Create namespace unless it exists."""
    try:
        catalog.create_namespace_if_not_exists(namespace)
    except NamespaceAlreadyExistsError:
        pass


def equal_filter(column: str, value: Any) -> BooleanExpression:
    """The row filter column == value (column IS NULL for None)."""
    if value is None:
        return IsNull(Reference(column))
    return EqualTo(Reference(column), literal(value))


def partition_filter(data: pa.Table, columns: Sequence[str]) -> BooleanExpression:
    """A filter matching exactly the partitions (distinct column values) present in data."""
    rows = data.select(list(columns)).group_by(list(columns)).aggregate([]).to_pylist()
    rows.sort(key=lambda r: tuple((v is None, str(v)) for v in r.values()))
    expr: BooleanExpression | None = None
    for row in rows:
        term: BooleanExpression | None = None
        for column in columns:
            eq = equal_filter(column, row[column])
            term = eq if term is None else And(term, eq)
        assert term is not None
        expr = term if expr is None else Or(expr, term)
    return expr if expr is not None else AlwaysTrue()


@dataclass(frozen=True)
class WriteResult:
    """What one publish did."""

    identifier: str
    mode: str
    rows_written: int
    table_rows: int
    snapshot_id: int | None
    snapshots_expired: int


def _create_table(
    catalog: Catalog,
    identifier: str,
    schema: pa.Schema,
    partition_by: Sequence[str],
    transform: str = "identity",
) -> Table:
    table = catalog.create_table(identifier, schema=schema)
    if partition_by:
        with table.update_spec() as spec:
            for column in partition_by:
                if transform == "identity":
                    spec.add_identity(column)
                else:
                    spec.add_field(
                        column,
                        HourTransform() if transform == "hour" else DayTransform(),
                        f"{column}_{transform}",
                    )
        table = catalog.load_table(identifier)
    return table


def _table_rows(table: Table) -> int:
    snapshot = table.current_snapshot()
    if snapshot is None or snapshot.summary is None:
        return 0
    return int(snapshot.summary.additional_properties.get("total-records", "0"))


def expire_snapshots(table: Table, keep_last: int | None) -> int:
    """Expire all but the newest keep_last snapshots; returns how many were expired."""
    if not keep_last:
        return 0
    snapshots = sorted(table.snapshots(), key=lambda s: s.timestamp_ms, reverse=True)
    current = table.current_snapshot()
    old = [
        s.snapshot_id
        for s in snapshots[keep_last:]
        if current is None or s.snapshot_id != current.snapshot_id
    ]
    if old:
        table.maintenance.expire_snapshots().by_ids(old).commit()
    return len(old)


def _commit(
    table: Table,
    data: pa.Table,
    mode: str,
    partition_by: Sequence[str],
    row_filter: BooleanExpression | None,
    props: dict[str, str],
) -> None:
    if mode == "append":
        table.append(data, snapshot_properties=props)
    elif mode == "overwrite":
        table.overwrite(
            data,
            overwrite_filter=row_filter if row_filter is not None else AlwaysTrue(),
            snapshot_properties=props,
        )
    elif mode == "partition_overwrite":
        table.overwrite(
            data,
            overwrite_filter=row_filter or partition_filter(data, partition_by),
            snapshot_properties=props,
        )
    else:
        raise IcebergPublishError(f"{table.name()}: unknown write mode {mode!r}")


def write_table(
    catalog: Catalog,
    identifier: str,
    data: pa.Table,
    *,
    mode: str,
    partition_by: Sequence[str] = (),
    row_filter: BooleanExpression | None = None,
    snapshot_properties: dict[str, str] | None = None,
    keep_last: int | None = None,
    partition_transform: str = "identity",
) -> WriteResult:
    """Write data to identifier with mode (append, overwrite or partition_overwrite).

    row_filter, when given, is what an overwrite replaces (a single Dagster partition);
    otherwise overwrite replaces everything and partition_overwrite replaces the partitions
    present in data. Zero rows is an error: nothing reports success without writing.
    A new table is partitioned by partition_by with partition_transform (identity, day
    or hour).
    """
    if data.num_rows == 0:
        raise IcebergPublishError(
            f"refusing to publish {identifier}: the source has 0 rows (nothing would be written)"
        )
    props = dict(sorted((snapshot_properties or {}).items()))
    last_error: Exception | None = None
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            try:
                table = catalog.load_table(identifier)
            except NoSuchTableError:
                table = _create_table(
                    catalog, identifier, data.schema, partition_by, partition_transform
                )
            with table.update_schema() as update:
                update.union_by_name(data.schema)
            table = catalog.load_table(identifier)
            with warnings.catch_warnings():
                # An overwrite of an empty table or partition "did not match any records".
                warnings.filterwarnings("ignore", "Delete operation did not match")
                _commit(table, data, mode, partition_by, row_filter, props)
            break
        except CommitFailedException as exc:
            last_error = exc
            time.sleep(0.2 * attempt)
    else:
        raise IcebergPublishError(
            f"{identifier}: commit failed {COMMIT_ATTEMPTS} times: {last_error}"
        ) from last_error
    table = catalog.load_table(identifier)
    snapshot = table.current_snapshot()
    added = 0
    if snapshot is not None and snapshot.summary is not None:
        added = int(snapshot.summary.additional_properties.get("added-records", "0"))
    if added != data.num_rows:
        raise IcebergPublishError(
            f"{identifier}: wrote {added} rows but the source has {data.num_rows}"
        )
    expired = expire_snapshots(table, keep_last)
    table = catalog.load_table(identifier)
    return WriteResult(
        identifier=identifier,
        mode=mode,
        rows_written=added,
        table_rows=_table_rows(table),
        snapshot_id=snapshot.snapshot_id if snapshot is not None else None,
        snapshots_expired=expired,
    )


def load(catalog: Catalog, identifier: str) -> Table:
    """The table identifier, or an error saying to materialize its asset first."""
    try:
        return catalog.load_table(identifier)
    except NoSuchTableError:
        raise IcebergPublishError(
            f"Iceberg table {identifier} does not exist yet: materialize its asset first"
        ) from None


def read_table(
    catalog: Catalog, identifier: str, row_filter: BooleanExpression | None = None
) -> pa.Table:
    """Read identifier (only the rows matching row_filter) as an Arrow table."""
    table = load(catalog, identifier)
    scan = table.scan(row_filter=row_filter) if row_filter is not None else table.scan()
    return scan.to_arrow()

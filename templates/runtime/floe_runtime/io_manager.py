"""An Iceberg IO manager for Python assets: Arrow tables in, Arrow tables out.

Partitioned assets name their partition column with the definition metadata key
``partition_expr`` (Dagster's convention for database IO managers). Writing a partition
overwrites only the rows of that partition; loading a partition reads only its rows.
The row filter is typed like the column (partitions.py): a Daily or Hourly partition
selects its time window of a date or timestamp column, a Static one the rows equal to
its key (as an integer, date, timestamp or string). An unpartitioned asset that reads a
partitioned one reads all of it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import (
    ConfigurableIOManager,
    InputContext,
    OutputContext,
    PartitionsDefinition,
    TimeWindowPartitionsDefinition,
)
from pydantic import PrivateAttr

from .errors import IcebergPublishError
from .files import IcebergConfig, load_iceberg_config
from .plan import Lineage

# Arrow, PyIceberg and OpenLineage (and partitions.py, which imports the first two) are
# imported where outputs are written or read: loading the definitions (which creates
# this IO manager) needs none of them, and importing them costs every load 0.15 s.
if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.expressions import BooleanExpression

    from .lineage import LineageEmitter, ParentRef

PARTITION_EXPR_KEY = "partition_expr"
# A time window: (start, end), time-zone aware.
Window = tuple[datetime, datetime]
WRITE_MODE_KEY = "floe/write_mode"


def _metadata_value(metadata: object, key: str) -> str | None:
    if not isinstance(metadata, dict) or key not in metadata:
        return None
    value = metadata[key]
    value = getattr(value, "value", value)
    return str(value) if value is not None else None


class IcebergIOManager(ConfigurableIOManager):
    """Stores asset outputs (pyarrow Tables) as Iceberg tables ``<namespace>.<asset>``.

    ``output_dir`` is the directory holding iceberg_io.json (the floe output directory);
    ``project_dir`` is the product directory relative paths in it are resolved against.
    """

    output_dir: str
    project_dir: str
    # Where the lineage of each write goes (the product's lineage settings; off by default).
    product: str = ""
    lineage_enabled: bool = False
    lineage_transport: str = "noop"
    lineage_endpoint: str = ""
    lineage_file: str = ""
    lineage_namespace: str = ""

    _config: IcebergConfig | None = PrivateAttr(default=None)
    _catalog: Catalog | None = PrivateAttr(default=None)

    def _settings(self) -> IcebergConfig:
        if self._config is None:
            self._config = load_iceberg_config(Path(self.output_dir))
        return self._config

    def _connect(self) -> Catalog:
        from . import iceberg

        if self._catalog is None:
            settings = self._settings()
            self._catalog = iceberg.connect(settings.catalog, Path(self.project_dir))
            iceberg.ensure_namespace(self._catalog, settings.namespace)
        return self._catalog

    def _identifier(self, asset_name: str) -> str:
        settings = self._settings()
        table = settings.table(asset_name)
        return (
            table.identifier
            if table is not None
            else f"{settings.namespace}.{asset_name}"
        )

    def handle_output(self, context: OutputContext, obj: pa.Table) -> None:
        """Write obj to the asset's table: its partition only, or the whole table."""
        import pyarrow as pa
        from openlineage.client.event_v2 import RunState

        from . import iceberg, partitions
        from .lineage import DatasetRef

        if not isinstance(obj, pa.Table):
            raise IcebergPublishError(
                f"asset {context.asset_key.to_user_string()} returned "
                f"{type(obj).__name__}; the Iceberg IO manager stores pyarrow.Table values"
            )
        name = context.asset_key.path[-1]
        identifier = self._identifier(name)
        metadata = context.definition_metadata or {}
        column = _metadata_value(metadata, PARTITION_EXPR_KEY)
        mode = _metadata_value(metadata, WRITE_MODE_KEY) or "overwrite"
        row_filter: BooleanExpression | None = None
        partition_by: tuple[str, ...] = ()
        properties = {"dagster-run-id": context.run_id, "created-by": "floe"}
        transform = "identity"
        if context.has_asset_partitions:
            if column is None:
                raise IcebergPublishError(
                    f"partitioned asset {name} needs definition metadata "
                    f"{PARTITION_EXPR_KEY!r} naming its partition column"
                )
            keys = list(context.asset_partition_keys)
            if column not in obj.column_names:
                raise IcebergPublishError(
                    f"asset {name}: partition column {column!r} is not in its output"
                )
            typ = obj.schema.field(column).type
            window = _time_window(context)
            rows = partitions.selection(column, typ, keys, window)
            other = rows.outside(obj)
            if other:
                raise IcebergPublishError(
                    f"asset {name}: partition {', '.join(keys)} output has rows of "
                    f"other partitions {other}"
                )
            row_filter = rows.iceberg()
            partition_by = (column,)
            transform = partitions.transform(
                typ, _key_window(context.asset_partitions_def, keys[0])
            )
            properties["dagster-partition-key"] = (
                keys[0] if len(keys) == 1 else f"{keys[0]}...{keys[-1]}"
            )
        settings = self._settings()
        emitter, run_id, job, parent = self._lineage(context, name)
        emitter.emit(RunState.START, run_id=run_id, job_name=job, parent=parent)
        try:
            result = iceberg.write_table(
                self._connect(),
                identifier,
                obj,
                mode=mode,
                partition_by=partition_by,
                row_filter=row_filter,
                snapshot_properties=properties,
                keep_last=settings.snapshot_keep_last,
                partition_transform=transform,
            )
        except Exception as exc:
            emitter.emit(
                RunState.FAIL,
                run_id=run_id,
                job_name=job,
                parent=parent,
                error=f"{type(exc).__name__}: {exc}",
            )
            raise
        output = DatasetRef(f"iceberg://{settings.catalog.name}", identifier)
        emitter.emit(
            RunState.COMPLETE,
            run_id=run_id,
            job_name=job,
            parent=parent,
            outputs=[output],
        )
        context.add_output_metadata(
            {
                "iceberg_table": identifier,
                "rows_written": result.rows_written,
                "table_rows": result.table_rows,
                "write_mode": mode,
            }
        )

    def _lineage(
        self, context: OutputContext, name: str
    ) -> tuple[LineageEmitter, str, str, ParentRef]:
        """The emitter, run id, job name and parent (the Dagster run) of one write."""
        from .lineage import LineageEmitter, ParentRef, RunLineageState, model_run_id

        settings = Lineage(
            enabled=self.lineage_enabled,
            transport=self.lineage_transport,
            endpoint=self.lineage_endpoint,
            file=self.lineage_file,
            namespace=self.lineage_namespace,
        )
        try:
            run = RunLineageState(context.step_context.instance, context.run_id)
        except Exception:  # noqa: BLE001 - no step context (a direct handle_output call)
            run = None
        emitter = LineageEmitter(settings, Path(self.project_dir), context.log, run)
        product = self.product or self._settings().product
        partition = context.asset_partition_key if context.has_asset_partitions else ""
        run_id = model_run_id(context.run_id, f"{name}/{partition}")
        parent = ParentRef(context.run_id, emitter.namespace, f"{product}.dagster_run")
        emitter.start_run(f"{product}.dagster_run")
        return emitter, run_id, f"{product}.{name}", parent

    def load_input(self, context: InputContext) -> pa.Table:
        """Read the upstream asset's table (only the requested partition when partitioned)."""
        from . import iceberg, partitions

        upstream = context.upstream_output
        name = context.asset_key.path[-1]
        identifier = self._identifier(name)
        row_filter: BooleanExpression | None = None
        column = None
        if upstream is not None:
            column = _metadata_value(
                upstream.definition_metadata or {}, PARTITION_EXPR_KEY
            )
        catalog = self._connect()
        if column is not None and context.has_asset_partitions:
            keys = list(context.asset_partition_keys)
            partitions_def = context.asset_partitions_def
            every = partitions_def is not None and set(keys) >= set(
                partitions_def.get_partition_keys(
                    dynamic_partitions_store=context.instance
                    if _has_instance(context)
                    else None
                )
            )
            # An unpartitioned downstream (or a backfill of everything) reads it all.
            if not every:
                table = iceberg.load(catalog, identifier)
                typ = table.schema().as_arrow().field(column).type
                row_filter = partitions.selection(
                    column, typ, keys, _time_window(context)
                ).iceberg()
        return iceberg.read_table(catalog, identifier, row_filter)


def _time_window(context: InputContext | OutputContext) -> Window | None:
    """The time window of the context's partitions, when they are time windows."""
    if not isinstance(context.asset_partitions_def, TimeWindowPartitionsDefinition):
        return None
    window = context.asset_partitions_time_window
    return (window.start, window.end)


def _key_window(partitions_def: PartitionsDefinition | None, key: str) -> Window | None:
    """The time window of one partition key, when the partitions are time windows."""
    if not isinstance(partitions_def, TimeWindowPartitionsDefinition):
        return None
    window = partitions_def.time_window_for_partition_key(key)
    return (window.start, window.end)


def _has_instance(context: InputContext) -> bool:
    try:
        context.instance  # noqa: B018 - raises without a run
    except Exception:  # noqa: BLE001
        return False
    return True

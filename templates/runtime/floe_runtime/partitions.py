"""Dagster partitions as Iceberg row filters, typed like the partition column.

A partition key is a string; the column it selects may hold strings, integers, dates or
timestamps. Time-window partitions (Daily, Hourly, ...) select the rows whose column
lies in the partition's window ``[start, end)``: a date column by day, a timestamp
column without time zone by wall-clock time in the partitions' time zone, one with a
time zone by instant. Other partitions (Static, Dynamic) select the rows whose column
equals one of the keys, converted to the column's type. Filters are built with
PyIceberg's expression API only; the same selection is applied to Arrow tables to
check that an output holds only its own partitions' rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.expressions import (
    And,
    BooleanExpression,
    EqualTo,
    GreaterThanOrEqual,
    In,
    LessThan,
    Reference,
    literal,
)

from .errors import IcebergPublishError


@dataclass(frozen=True)
class Selection:
    """The rows of some partitions: a time range [start, end) or a set of values."""

    column: str
    start: Any = None
    end: Any = None
    values: tuple[Any, ...] = ()

    @property
    def is_range(self) -> bool:
        return self.start is not None

    def iceberg(self) -> BooleanExpression:
        """The PyIceberg row filter of the selection."""
        ref = Reference(self.column)
        if self.is_range:
            return And(
                GreaterThanOrEqual(ref, literal(self.start)),
                LessThan(ref, literal(self.end)),
            )
        if len(self.values) == 1:
            return EqualTo(ref, literal(self.values[0]))
        return In(ref, {literal(v) for v in self.values})

    def outside(self, table: pa.Table) -> list[str]:
        """The distinct values of the column in table that the selection excludes."""
        col = table.column(self.column)
        if self.is_range:
            lo = pa.scalar(self.start, type=col.type)
            hi = pa.scalar(self.end, type=col.type)
            inside = pc.and_(pc.greater_equal(col, lo), pc.less(col, hi))
        else:
            inside = pc.is_in(col, value_set=pa.array(self.values, type=col.type))
        bad = pc.filter(col, pc.invert(pc.fill_null(inside, False)))
        return sorted({str(v) for v in bad.to_pylist()})


def _typed(key: str, typ: pa.DataType, column: str) -> Any:
    try:
        if pa.types.is_integer(typ):
            return int(key)
        if pa.types.is_date(typ):
            return date.fromisoformat(key)
        if pa.types.is_timestamp(typ):
            return datetime.fromisoformat(key)
    except ValueError:
        raise IcebergPublishError(
            f"partition key {key!r} is not a value of column {column!r} ({typ})"
        ) from None
    return key


def _bound(at: datetime, typ: pa.DataType, column: str) -> Any:
    if pa.types.is_date(typ):
        if at.timetz().replace(tzinfo=None) != time(0):
            raise IcebergPublishError(
                f"partition column {column!r} holds dates, but the partitions are "
                "shorter than a day; partition by a timestamp column"
            )
        return at.date()
    if pa.types.is_timestamp(typ):
        # A column without time zone holds wall-clock times: those of the partitions'
        # time zone. One with a time zone holds instants: compare instants.
        return at if typ.tz else at.replace(tzinfo=None)
    raise IcebergPublishError(
        f"partition column {column!r} ({typ}) cannot hold a time window; time-window "
        "partitions need a date or timestamp column"
    )


def selection(
    column: str,
    typ: pa.DataType,
    keys: Sequence[str],
    window: tuple[datetime, datetime] | None,
) -> Selection:
    """The rows of keys (or of the time window spanning them) in column of type typ.

    A time window over a string column falls back to the keys themselves, as the
    partition keys are then the column's values.
    """
    if window is not None and (pa.types.is_date(typ) or pa.types.is_timestamp(typ)):
        start, end = window
        return Selection(
            column, start=_bound(start, typ, column), end=_bound(end, typ, column)
        )
    return Selection(column, values=tuple(_typed(k, typ, column) for k in keys))


def transform(typ: pa.DataType, window: tuple[datetime, datetime] | None) -> str:
    """The Iceberg partition transform for a partition column: day or hour for
    timestamps under time-window partitions (by the window's length), else identity."""
    if window is None or not pa.types.is_timestamp(typ):
        return "identity"
    return "hour" if window[1] - window[0] < timedelta(days=1) else "day"

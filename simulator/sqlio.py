"""Bulk insert of DataFrames through SQLAlchemy Core, fast on SQLite, PostgreSQL and MariaDB.

Rows go in through the statement SQLAlchemy compiles for the target dialect, executed in batches
with the driver's ``executemany``. Values are converted column by column beforehand (vectorised),
because SQLAlchemy's per-row parameter processing would otherwise take most of the time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Date, DateTime, Integer, MetaData, Numeric, Table
from sqlalchemy.engine import Connection

CHUNK_ROWS = 20_000


def _column_values(series: pd.Series, sql_type: Any, dialect: str) -> list:
    """Plain Python values the DBAPI driver accepts (no numpy or pandas scalars)."""
    if isinstance(sql_type, DateTime):
        # values are UTC; timezone-aware columns keep that: SQLite text with "+00:00", PostgreSQL
        # timestamptz from aware datetimes, MariaDB DATETIME (no zone type) holds naive UTC
        values = series.to_numpy().astype("datetime64[us]")
        if dialect == "sqlite":  # SQLAlchemy's SQLite storage format, plus the UTC offset
            text = np.char.replace(np.datetime_as_string(values, unit="us"), "T", " ")
            return np.char.add(text, "+00:00").tolist() if sql_type.timezone else text.tolist()
        naive = values.astype(object).tolist()
        if sql_type.timezone and dialect == "postgresql":
            return [None if v is None else v.replace(tzinfo=UTC) for v in naive]
        return naive
    if isinstance(sql_type, Date):
        values = series.to_numpy().astype("datetime64[D]")
        if dialect == "sqlite":
            return np.datetime_as_string(values, unit="D").tolist()
        return values.astype(object).tolist()
    if isinstance(sql_type, Numeric):
        values = series.to_numpy(dtype=float)
        return [None if v != v else v for v in values.tolist()]
    if isinstance(sql_type, Integer):
        return series.to_numpy(dtype=np.int64).tolist()
    return [None if v is None or v != v else str(v) for v in series.tolist()]


def _batches(
    table: Table, frame: pd.DataFrame, dialect: str, keys: list[str] | None, size: int
) -> Iterator[list]:
    for start in range(0, len(frame), size):
        part = frame.iloc[start : start + size]
        cols = {c.name: _column_values(part[c.name], c.type, dialect) for c in table.columns}
        if keys is None:  # named parameters
            names = list(cols)
            yield [dict(zip(names, row, strict=True)) for row in zip(*cols.values(), strict=True)]
        else:
            yield list(zip(*(cols[k] for k in keys), strict=True))


def insert_frame(
    conn: Connection, table: Table, frame: pd.DataFrame, chunk_rows: int = CHUNK_ROWS
) -> int:
    """Insert ``frame`` (one column per table column) into ``table``; returns the row count."""
    compiled = table.insert().compile(dialect=conn.dialect)
    keys = list(compiled.positiontup) if compiled.positional else None
    for rows in _batches(table, frame, conn.dialect.name, keys, chunk_rows):
        conn.exec_driver_sql(compiled.string, rows)
    return len(frame)


def in_schema(metadata: MetaData, schema: str | None) -> MetaData:
    """``metadata`` itself, or a copy of its tables placed in ``schema``."""
    if not schema:
        return metadata
    target = MetaData(schema=schema)
    for table in metadata.sorted_tables:
        table.to_metadata(target, schema=schema)
    return target


def recreate_and_fill(
    conn: Connection,
    metadata: MetaData,
    frames: dict[str, pd.DataFrame],
    schema: str | None = None,
) -> dict[str, int]:
    """Drop and create every table of ``metadata`` (in ``schema``), then insert ``frames``."""
    target = in_schema(metadata, schema)
    target.drop_all(conn)
    target.create_all(conn)
    counts = {}
    for base in metadata.sorted_tables:
        table = target.tables[f"{schema}.{base.name}" if schema else base.name]
        counts[base.name] = insert_frame(conn, table, frames[base.name])
    return counts

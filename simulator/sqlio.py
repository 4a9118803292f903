"""Bulk insert of DataFrames through SQLAlchemy Core, fast on SQLite, PostgreSQL and MariaDB.

Rows go in through the statement SQLAlchemy compiles for the target dialect, executed in batches
with the driver's ``executemany``. Values are converted column by column beforehand (vectorised),
because SQLAlchemy's per-row parameter processing would otherwise take most of the time.

SQLite files get the same tables (created by SQLAlchemy) filled through ADBC from Arrow columns
(:func:`fill_sqlite`): no Python object per value, about twice as fast. The stored values are the
ones the SQLAlchemy path stores (timestamps as ``2026-09-02 06:00:00.000000+00:00`` text, dates as
``2026-09-02``, numbers under the columns' NUMERIC affinity).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Date, DateTime, Integer, MetaData, Numeric, Table, create_engine
from sqlalchemy.engine import Connection

from simulator.formats import times_of_day

CHUNK_ROWS = 20_000
SQLITE_PAGE_SIZE = 65_536


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
    frames: Mapping[str, Any],
    schema: str | None = None,
) -> dict[str, int]:
    """Drop and create every table of ``metadata`` (in ``schema``), then insert ``frames``
    (pandas or Arrow, or a function building one)."""
    target = in_schema(metadata, schema)
    target.drop_all(conn)
    target.create_all(conn)
    counts = {}
    for base in metadata.sorted_tables:
        table = target.tables[f"{schema}.{base.name}" if schema else base.name]
        frame = frames[base.name]
        if callable(frame):
            frame = frame()
        if isinstance(frame, pa.Table):
            frame = frame.to_pandas(date_as_object=False)
        counts[base.name] = insert_frame(conn, table, frame)
    return counts


# -- SQLite files through ADBC ----------------------------------------------------------------
_EPOCH_DAY = np.datetime64("1970-01-01", "D")


def _fixed_width_text(records: np.ndarray) -> pa.Array:
    """Fixed-width byte records (a numpy structured or ``S<n>`` array) as Arrow strings."""
    n, width = len(records), records.dtype.itemsize
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    data = pa.py_buffer(np.ascontiguousarray(records).view(np.uint8))
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), data])


def _dates(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` (``S10``) for days since 1970-01-01."""
    lo, hi = int(days.min()), int(days.max())
    labels = np.datetime_as_string(_EPOCH_DAY + np.arange(lo, hi + 1), unit="D").astype("S10")
    return labels[days - lo]


def date_text(values: np.ndarray) -> pa.Array:
    days = np.asarray(values).astype("datetime64[D]").astype(np.int64)
    if not len(days):
        return pa.array([], type=pa.large_string())
    return _fixed_width_text(_dates(days))


_UTC = np.dtype([("date", "S10"), ("sep", "S1"), ("time", "S8"), ("us", "S7"), ("offset", "S6")])


def utc_text(values: np.ndarray, with_offset: bool = True) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` (+ ``+00:00``), as SQLAlchemy's SQLite storage has them."""
    us = np.asarray(values).astype("datetime64[us]").astype(np.int64)
    if not len(us):
        return pa.array([], type=pa.large_string())
    days, rest = np.divmod(us, 86_400_000_000)
    secs, micro = np.divmod(rest, 1_000_000)
    out = np.empty(len(us), dtype=_UTC)
    out["date"] = _dates(days)
    out["sep"] = b" "
    out["time"] = times_of_day()[secs]
    if micro.any():
        digits = np.full((len(us), 7), ord("."), dtype=np.uint8)
        for col in range(6, 0, -1):
            micro, digit = np.divmod(micro, 10)
            digits[:, col] = 48 + digit
        out["us"] = digits.view("S7").ravel()
    else:
        out["us"] = b".000000"
    out["offset"] = b"+00:00"
    if not with_offset:
        out = out[["date", "sep", "time", "us"]]
        out = np.ascontiguousarray(out).view(np.uint8).reshape(len(us), -1)[:, :26].copy()
        return _fixed_width_text(out.view("S26").ravel())
    return _fixed_width_text(out)


def _arrow_column(values: pd.Series | pa.Array | pa.ChunkedArray, sql_type: Any) -> pa.Array:
    """One column as ADBC should bind it for SQLite (see the module docstring)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(sql_type, DateTime | Date):
        if values.null_count if isinstance(values, pa.Array) else values.isna().any():
            raise ValueError(f"null timestamps or dates in a {sql_type} column")
        raw = values.to_numpy(zero_copy_only=False) if isinstance(values, pa.Array) else values
        raw = np.asarray(raw)
        if isinstance(sql_type, Date):
            return date_text(raw)
        return utc_text(raw, with_offset=bool(sql_type.timezone))
    if isinstance(values, pa.Array):
        if isinstance(sql_type, Numeric):
            return values.cast(pa.float64())
        if isinstance(sql_type, Integer):
            return values.cast(pa.int64())
        return values.cast(pa.large_string())
    if isinstance(sql_type, Numeric):
        return pa.array(values.to_numpy(dtype=float), type=pa.float64())
    if isinstance(sql_type, Integer):
        return pa.array(values.to_numpy(dtype=np.int64), type=pa.int64())
    if isinstance(values.array, pd.arrays.ArrowStringArray) or str(values.dtype) == "str":
        try:
            return pa.array(values.array).cast(pa.large_string())
        except (TypeError, pa.ArrowInvalid):
            pass
    return pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)


def fill_sqlite(path: Path, metadata: MetaData, frames: Mapping[str, Any]) -> dict[str, int]:
    """Create every table of ``metadata`` afresh in the SQLite file ``path`` and fill it with
    ``frames`` (pandas or Arrow, one column per table column, or a function building one when
    its turn comes) through ADBC; rows per table."""
    import adbc_driver_sqlite.dbapi as adbc

    if not Path(path).exists():
        # large pages: about a fifth less work per inserted row; readers do not care
        con = sqlite3.connect(path)
        con.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
        con.execute("VACUUM")  # writes the header: the page size sticks
        con.close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            metadata.drop_all(conn)
            metadata.create_all(conn)
    finally:
        engine.dispose()
    counts = {}
    con = adbc.connect(str(path))
    try:
        cur = con.cursor()
        for table in metadata.sorted_tables:
            frame = frames[table.name]
            if callable(frame):  # built now, dropped after its insert
                frame = frame()
            data = pa.table({c.name: _arrow_column(frame[c.name], c.type) for c in table.columns})
            del frame
            if len(data):
                cur.adbc_ingest(table.name, data, mode="append")
            counts[table.name] = len(data)
            del data
        cur.close()
        con.commit()
    finally:
        con.close()
    return counts

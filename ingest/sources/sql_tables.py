"""Relational sources (head office, modern stores) read through SQLAlchemy Core, incrementally.

Each contract table (``ingest.contracts``) is read with one streamed ``select`` of its declared
columns, ``where updated_at >= high-water mark - lookback`` after the first load, in chunks of
``chunk_rows`` (server-side cursors on PostgreSQL/MariaDB), so memory stays flat whatever the
table size. Every chunk is converted to the declared Arrow types and appended to one Parquet batch.

Already-landed rows are recognized by the cursor, not by reading landing files back: the cursor
stores the high-water mark and the (natural key, updated_at) of every landed row whose updated_at
is inside the lookback window (``>= hwm - lookback``; with no lookback, the rows *at* the mark).
Only re-read rows can be in that window, so the check is exact, costs O(window) instead of O(landed
history), and the keys commit in the same manifest transaction as the batch they describe. A re-run
with no source change therefore lands nothing, and thousands of rows sharing one ``updated_at`` do
not stall or repeat the load.

The bound is passed back to the source as the source's own value: on SQLite, where timestamps are
text, the exact stored string (shifted by the lookback in the same format), so text comparison in
the database is consistent with what was read. Rows whose key or updated_at is null or whose values
do not fit the declared types go to quarantine with the reason; a row already quarantined is not
quarantined again when it is re-read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from ingest.contracts import TableContract
from ingest.landing import Batch, Landing
from ingest.result import LoadResult

log = logging.getLogger(__name__)

MAX_QUARANTINE_HASHES = 10_000


# --- engine ---------------------------------------------------------------------------------
def make_engine(url: str) -> Engine:
    """An engine for a source URL. SQLite files open read-only (and must exist): the product
    reads source systems, it never writes them, and a mistyped path must not create an empty DB."""
    u = make_url(url)
    is_file_db = u.database not in (None, "", ":memory:") and not u.query.get("uri")
    if u.get_backend_name() == "sqlite" and is_file_db and not u.database.startswith("file:"):
        path = Path(u.database)
        if not path.is_file():
            raise FileNotFoundError(f"SQLite database {path} does not exist")
        u = u.set(database=f"file:{path.resolve()}", query={**u.query, "mode": "ro", "uri": "true"})
    return sa.create_engine(u)


# --- value conversion -----------------------------------------------------------------------
def _first(values: Sequence[Any]) -> Any:
    return next((v for v in values if v is not None), None)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one(value: Any, typ: pa.DataType) -> Any:
    """One value into a Python value of ``typ``, or raise ValueError with the reason."""
    if value is None:
        return None
    if pa.types.is_string(typ):
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if pa.types.is_integer(typ):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        number = Decimal(str(value).strip())
        if number != number.to_integral_value():
            raise ValueError(f"{value!r} is not an integer")
        return int(number)
    if pa.types.is_decimal(typ):
        try:
            number = Decimal(str(value).strip() if isinstance(value, str) else str(value))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        number = number.quantize(Decimal(1).scaleb(-typ.scale), rounding=ROUND_HALF_EVEN)
        if len(number.as_tuple().digits) > typ.precision or not number.is_finite():
            raise ValueError(f"{value!r} does not fit NUMERIC({typ.precision},{typ.scale})")
        return number
    if pa.types.is_date(typ):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        if len(text) > 10 and text[10] in " T":
            text = text[:10]
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a date") from None
    if pa.types.is_timestamp(typ):
        if isinstance(value, datetime):
            return _utc(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        if isinstance(value, str):
            try:
                return _utc(datetime.fromisoformat(value.strip()))
            except ValueError:
                raise ValueError(f"{value!r} is not a timestamp") from None
        raise ValueError(f"{value!r} is not a timestamp")
    raise TypeError(f"no conversion to {typ}")


def _fast(values: Sequence[Any], typ: pa.DataType) -> pa.Array:
    """The vectorized conversion for well-typed columns; raises on anything unusual."""
    sample = _first(values)
    is_number = isinstance(sample, int | float) and not isinstance(sample, bool)
    if pa.types.is_decimal(typ) and is_number:
        # SQLite keeps NUMERIC as REAL/INTEGER: round the double to the declared scale.
        return pa.array(values, pa.float64()).cast(typ)
    if isinstance(sample, str) and (pa.types.is_date(typ) or pa.types.is_timestamp(typ)):
        text = pa.array(values, pa.string())
        if pa.types.is_date(typ):
            return text.cast(typ)
        try:  # naive text is UTC by contract
            return text.cast(pa.timestamp("us")).cast(typ)
        except pa.ArrowInvalid:
            return text.cast(typ)  # text with a zone offset
    return pa.array(values, typ)


def convert_column(values: Sequence[Any], typ: pa.DataType) -> tuple[pa.Array, dict[int, str]]:
    """Values of one column as an Arrow array of ``typ``, plus {row index: reason} for values that
    cannot be converted (they become null)."""
    try:
        return _fast(values, typ), {}
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        pass
    out: list[Any] = []
    bad: dict[int, str] = {}
    for i, value in enumerate(values):
        try:
            out.append(_one(value, typ))
        except (ValueError, TypeError, ArithmeticError) as exc:
            out.append(None)
            bad[i] = str(exc)
    return pa.array(out, typ), bad


def to_arrow(
    columns: Sequence[Sequence[Any]], contract: TableContract
) -> tuple[pa.Table, dict[int, str]]:
    """A chunk (column-major) as an Arrow table of the contract's types, without the rows that
    break it; returns {row index in the chunk: reason} for those."""
    arrays = []
    bad: dict[int, str] = {}
    for (name, typ), values in zip(contract.columns, columns, strict=True):
        array, col_bad = convert_column(values, typ)
        arrays.append(array)
        for i, reason in col_bad.items():
            bad[i] = f"{bad[i]}; {name}: {reason}" if i in bad else f"{name}: {reason}"
    positions = {name: i for i, name in enumerate(contract.column_names)}
    for name in (*contract.key, contract.updated_at):
        array = arrays[positions[name]]
        if array.null_count:
            for i in np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False)):
                bad.setdefault(int(i), f"{name}: is null")
    table = pa.Table.from_arrays(arrays, schema=contract.schema)
    if bad:
        keep = np.ones(table.num_rows, dtype=bool)
        keep[list(bad)] = False
        table = table.filter(pa.array(keep))
    return table, bad


# --- cursor ---------------------------------------------------------------------------------
_TIME_PART = re.compile(r"[T ](\d{2}):(\d{2})(:(\d{2})(\.(\d+))?)?")


def shift_text_timestamp(text: str, delta: timedelta) -> str:
    """``text`` moved by ``delta``, written the way ``text`` is (separator, fraction, zone)."""
    moved = datetime.fromisoformat(text.strip()) + delta
    sep = "T" if "T" in text else " "
    m = _TIME_PART.search(text)
    has_seconds = bool(m and m.group(3))
    digits = len(m.group(6)) if m and m.group(6) else 0
    out = moved.strftime(f"%Y-%m-%d{sep}%H:%M" + (":%S" if has_seconds else ""))
    if digits:
        out += "." + f"{moved.microsecond:06d}"[:digits].ljust(digits, "0")
    return out + (text[m.end() :] if m else "")


def _raw_json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat(), "naive": value.tzinfo is None}
    raise TypeError(f"unsupported updated_at value {value!r}")


def _micros(value: datetime) -> int:
    delta = _utc(value) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


@dataclass
class SqlCursor:
    """Incremental state of one table of one source (stored as the manifest cursor)."""

    hwm_us: int | None = None  # high-water mark of updated_at, µs since the epoch (UTC)
    hwm_raw: dict[str, Any] | None = None  # the source's own value at the mark (see _raw_json)
    window: set[tuple[Any, ...]] = field(default_factory=set)  # (*key, updated_at µs) landed
    quarantined: list[str] = field(default_factory=list)  # hashes of rows already quarantined

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SqlCursor:
        if not data:
            return cls()
        return cls(
            hwm_us=data["hwm_us"],
            hwm_raw=data["hwm_raw"],
            window={tuple(k) for k in data.get("window", [])},
            quarantined=list(data.get("quarantined", [])),
        )

    def to_json(self, lookback: timedelta) -> dict[str, Any]:
        return {
            "hwm_us": self.hwm_us,
            "hwm": _from_micros(self.hwm_us).isoformat() if self.hwm_us is not None else None,
            "hwm_raw": self.hwm_raw,
            "lookback_seconds": lookback.total_seconds(),
            "window": sorted(list(k) for k in self.window),
            "quarantined": self.quarantined[-MAX_QUARANTINE_HASHES:],
        }

    def lower_bound(self, lookback: timedelta) -> Any:
        """The value to compare ``updated_at >=`` with in the source (None on the first load)."""
        raw = self.hwm_raw
        if raw is None:
            return None
        if "text" in raw:
            return raw["text"] if not lookback else shift_text_timestamp(raw["text"], -lookback)
        return datetime.fromisoformat(raw["datetime"]) - lookback


def _row_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def _keys(table: pa.Table, positions: np.ndarray, contract: TableContract) -> list[tuple]:
    taken = table.take(pa.array(positions))
    parts = [
        [None if v is None else str(v) for v in taken.column(k).to_pylist()] for k in contract.key
    ]
    ts = pc.cast(taken.column(contract.updated_at), pa.int64()).to_pylist()
    return [(*key, t) for *key, t in zip(*parts, ts, strict=True)]


# --- the load -------------------------------------------------------------------------------
def _chunks(
    conn: sa.Connection, stmt: sa.Select, chunk_rows: int
) -> Iterator[Sequence[Sequence[Any]]]:
    """The selected rows in chunks of plain tuples, streamed.

    PostgreSQL and MariaDB stream through SQLAlchemy's server-side cursors. SQLite steps its
    cursor lazily anyway, so there the compiled statement runs on the DBAPI cursor directly:
    SQLAlchemy's Row objects would cost more than reading the rows (measured: 4.2 s against 2.6 s
    for 1M rows), and no result processing is needed (the columns are untyped on purpose).
    """
    if conn.dialect.name == "sqlite":
        compiled = stmt.compile(dialect=conn.dialect)
        params = [compiled.params[name] for name in compiled.positiontup or ()]
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(str(compiled), params)
            while rows := cursor.fetchmany(chunk_rows):
                yield rows
        finally:
            cursor.close()
        return
    streamed = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
    for rows in streamed.partitions():
        yield rows


@dataclass
class _Run:
    """What one pass over the selected rows found."""

    prev: SqlCursor
    lookback_us: int
    max_us: int | None = None
    max_raw: Any = None
    window: set[tuple] = field(default_factory=set)
    new_quarantined: list[str] = field(default_factory=list)

    def next_cursor(self) -> SqlCursor:
        hwm_us, hwm_raw = self.prev.hwm_us, self.prev.hwm_raw
        if self.max_us is not None and (hwm_us is None or self.max_us > hwm_us):
            hwm_us, hwm_raw = self.max_us, _raw_json(self.max_raw)
        floor = (hwm_us or 0) - self.lookback_us
        window = {k for k in self.prev.window | self.window if k[-1] >= floor}
        return SqlCursor(hwm_us, hwm_raw, window, self.prev.quarantined + self.new_quarantined)


def _land_chunk(
    rows: Sequence[Sequence[Any]], contract: TableContract, batch: Batch, run: _Run
) -> None:
    names = contract.column_names
    columns = list(zip(*rows, strict=True))
    table, bad = to_arrow(columns, contract)
    known = set(run.prev.quarantined)
    for i, reason in sorted(bad.items()):
        raw = json.dumps(dict(zip(names, rows[i], strict=True)), default=str, ensure_ascii=False)
        digest = _row_hash(raw)
        if digest not in known:
            batch.quarantine(raw=raw, reason=reason)
            run.new_quarantined.append(digest)
    if not table.num_rows:
        return
    origin = np.flatnonzero(~np.isin(np.arange(len(rows)), list(bad))) if bad else None
    ts = pc.cast(table.column(contract.updated_at), pa.int64()).to_numpy()

    # drop rows landed before: only rows inside the previous window can be
    prev = run.prev
    if prev.window:
        lower = prev.hwm_us - run.lookback_us
        candidates = np.flatnonzero((ts >= lower) & (ts <= prev.hwm_us))
        if candidates.size:
            landed = [k in prev.window for k in _keys(table, candidates, contract)]
            drop = candidates[np.asarray(landed, dtype=bool)]
            if drop.size:
                keep = np.ones(table.num_rows, dtype=bool)
                keep[drop] = False
                table = table.filter(pa.array(keep))
                ts = ts[keep]
                origin = (origin if origin is not None else np.arange(len(rows)))[keep]
    if not table.num_rows:
        return

    chunk_max = int(ts.max())
    if run.max_us is None or chunk_max > run.max_us:
        at = int(np.argmax(ts))
        row = int(origin[at]) if origin is not None else at
        run.max_us = chunk_max
        run.max_raw = rows[row][names.index(contract.updated_at)]
    floor = max(run.max_us, prev.hwm_us or run.max_us) - run.lookback_us
    run.window = {k for k in run.window if k[-1] >= floor}
    recent = np.flatnonzero(ts >= floor)
    if recent.size:
        run.window.update(_keys(table, recent, contract))
    batch.write(table)


def load_table(
    engine: Engine,
    landing: Landing,
    *,
    source: str,
    source_id: str,
    contract: TableContract,
    db_schema: str | None = None,
    lookback_seconds: float = 0.0,
    chunk_rows: int = 50_000,
) -> LoadResult:
    """Land what changed in one table since its cursor, as one batch (or nothing)."""
    result = LoadResult(source=source, object=contract.name, source_id=source_id)
    lookback = timedelta(seconds=lookback_seconds)
    try:
        with landing.scope(source, contract.name, source_id):
            prev = SqlCursor.from_json(landing.get_cursor(source, contract.name, source_id))
            table = sa.table(
                contract.name, *(sa.column(n) for n in contract.column_names), schema=db_schema
            )
            stmt = sa.select(*(table.c[n] for n in contract.column_names))
            since = prev.lower_bound(lookback)
            if since is not None:
                stmt = stmt.where(table.c[contract.updated_at] >= sa.bindparam("since", since))
            run = _Run(prev=prev, lookback_us=int(lookback / timedelta(microseconds=1)))
            with landing.new_batch(source, contract.name, source_id) as batch:
                with engine.connect() as conn:
                    for rows in _chunks(conn, stmt, chunk_rows):
                        _land_chunk(rows, contract, batch, run)
                if batch.rows or batch.quarantined:
                    committed = batch.commit(cursor=run.next_cursor().to_json(lookback))
                    if committed:
                        result.batch_id = committed.batch_id
                        result.rows_loaded = committed.rows
                        result.rows_quarantined = committed.quarantined
    except Exception as exc:  # one table failing must not stop the others
        log.exception("%s/%s/%s failed", source, contract.name, source_id)
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def load_sql_source(
    *,
    source: str,
    source_id: str,
    url: str,
    tables: Sequence[TableContract],
    landing: Landing,
    db_schema: str | None = None,
    lookback_seconds: float = 0.0,
    chunk_rows: int = 50_000,
) -> list[LoadResult]:
    """Land every contract table of one database; one LoadResult per table."""
    engine: Engine | None = None
    try:
        engine = make_engine(url)
        with engine.connect():  # an unreachable database fails once, for all its tables
            pass
    except Exception as exc:
        if engine is not None:
            engine.dispose()
        error = f"{type(exc).__name__}: {exc}"
        return [LoadResult(source, t.name, source_id, error=error) for t in tables]
    try:
        return [
            load_table(
                engine,
                landing,
                source=source,
                source_id=source_id,
                contract=contract,
                db_schema=db_schema,
                lookback_seconds=lookback_seconds,
                chunk_rows=chunk_rows,
            )
            for contract in tables
        ]
    finally:
        engine.dispose()

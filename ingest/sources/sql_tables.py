"""Relational sources (head office, modern stores) read through SQLAlchemy Core, incrementally.

Each contract table (``ingest.contracts``) is read with streamed ``select``s of its declared
columns in chunks of ``chunk_rows`` (ADBC record batches on SQLite, server-side cursors on
PostgreSQL/MariaDB), so memory stays flat whatever the table size: the first load of a SQLite
table as a snapshot in rowid ranges (``_snapshot_pass``), every other load ``where updated_at >=
high-water mark - lookback`` in windows of ``updated_at``, one batch each (``_pass``). Every chunk
is converted to the declared Arrow types and appended to the current Parquet batch.

Already-landed rows are recognized by the cursor, not by reading landing files back: the cursor
stores the high-water mark and the (natural key, updated_at) of every landed row whose updated_at
is inside the lookback window (``>= hwm - lookback``; with no lookback, the rows *at* the mark).
Only re-read rows can be in that window (and, after a snapshot, rows it read that changed while it
ran), so the check is exact, costs O(window) instead of O(landed
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

import contextlib
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
from ingest.landing import Batch, Landing, ParquetLayout
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


_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


_ZONE_SUFFIX = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def _text_timestamps(values: pa.Array, typ: pa.DataType) -> pa.Array:
    """Timestamp text as ``typ`` with Arrow's ISO-8601 cast (~25 ns a value here; a failed cast
    costs a whole pass, so the first value picks which to try first): naive text is UTC by
    contract, text with a zone offset is converted to UTC."""
    valid = values if not values.null_count else values.drop_null()
    zoned = len(valid) > 0 and bool(_ZONE_SUFFIX.search(valid[0].as_py().strip()))
    try:
        if zoned:
            return values.cast(typ)
        return values.cast(pa.timestamp(typ.unit)).cast(typ)
    except pa.ArrowInvalid:
        if zoned:
            return values.cast(pa.timestamp(typ.unit)).cast(typ)
        return values.cast(typ)


def _fast_arrow(values: pa.Array, typ: pa.DataType) -> pa.Array:
    """The vectorized conversion of a column read through Arrow (ADBC); raises when unusual."""
    if values.type == typ:
        return values
    if pa.types.is_timestamp(typ) and pa.types.is_string(values.type):
        return _text_timestamps(values, typ)
    if pa.types.is_string(typ) and not (
        pa.types.is_integer(values.type) or pa.types.is_null(values.type)
    ):
        raise TypeError(f"{values.type} is not text")
    return values.cast(typ)


def convert_column(
    values: Sequence[Any] | pa.Array, typ: pa.DataType
) -> tuple[pa.Array, dict[int, str]]:
    """Values of one column (Python values or an Arrow array as read) as an Arrow array of
    ``typ``, plus {row index: reason} for values that cannot be converted (they become null)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        try:
            return _fast_arrow(values, typ), {}
        except (*_ARROW_ERRORS, TypeError, ValueError):
            values = values.to_pylist()
    try:
        return _fast(values, typ), {}
    except (*_ARROW_ERRORS, TypeError, ValueError):
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
    columns: Sequence[Sequence[Any] | pa.Array], contract: TableContract
) -> tuple[pa.Table, dict[int, str]]:
    """A chunk (column-major) as an Arrow table of the contract's types, without the rows that
    break it; returns {row index in the chunk: reason} for those."""
    arrays = []
    bad: dict[int, str] = {}
    converted: list[tuple[pa.Array, pa.DataType, pa.Array, dict[int, str]]] = []
    for (name, typ), values in zip(contract.columns, columns, strict=True):
        # a column read identical to one converted before (updated_at = created_at on most
        # rows that never changed) is not parsed twice
        same = (
            next((c for c in converted if c[1] == typ and c[0].equals(values)), None)
            if isinstance(values, pa.Array) and pa.types.is_timestamp(typ)
            else None
        )
        array, col_bad = (same[2], same[3]) if same else convert_column(values, typ)
        if isinstance(values, pa.Array) and pa.types.is_timestamp(typ):
            converted.append((values, typ, array, col_bad))
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
    if isinstance(value, date):
        return {"datetime": datetime(value.year, value.month, value.day).isoformat(), "naive": True}
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
    # A pass (updated_at windows, see ``_pass``) committed part-way: the lower bound it started
    # from and the lower bound of its next window (source values, ``_raw_json``). A killed load
    # resumes with that window.
    pass_since: dict[str, Any] | None = None
    pass_next: dict[str, Any] | None = None
    # A first load (snapshot) committed part-way: see ``_Snapshot``.
    snapshot: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SqlCursor:
        if not data:
            return cls()
        return cls(
            hwm_us=data["hwm_us"],
            hwm_raw=data["hwm_raw"],
            window={tuple(k) for k in data.get("window", [])},
            quarantined=list(data.get("quarantined", [])),
            pass_since=(data.get("pass") or {}).get("since"),
            pass_next=_pass_next(data.get("pass")),
            snapshot=data.get("snapshot"),
        )

    def to_json(self, lookback: timedelta) -> dict[str, Any]:
        out = {
            "hwm_us": self.hwm_us,
            "hwm": _from_micros(self.hwm_us).isoformat() if self.hwm_us is not None else None,
            "hwm_raw": self.hwm_raw,
            "lookback_seconds": lookback.total_seconds(),
            "window": sorted(self.window),  # tuples: JSON arrays
            "quarantined": self.quarantined[-MAX_QUARANTINE_HASHES:],
            "pass": (
                {"since": self.pass_since, "next": self.pass_next}
                if self.pass_next is not None
                else None
            ),
        }
        if self.snapshot is not None:
            out["snapshot"] = self.snapshot
        return out

    def lower_bound(self, lookback: timedelta) -> dict[str, Any] | None:
        """The source value to compare ``updated_at >=`` with (None on the first load), as
        ``_raw_json``; ``_from_raw`` turns it into the bound parameter."""
        raw = self.hwm_raw
        if raw is None or not lookback:
            return raw
        if "text" in raw:
            return {"text": shift_text_timestamp(raw["text"], -lookback)}
        moved = datetime.fromisoformat(raw["datetime"]) - lookback
        return {"datetime": moved.isoformat(), "naive": raw.get("naive", False)}


def _pass_next(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """The next window's lower bound of a pass committed part-way. A pass committed by an
    earlier version (ordered by (updated_at, key), position ``after`` = (updated_at, *key) of its
    last row) goes on from that row's updated_at: the rows at it that already landed are in the
    cursor's window (the mark is at least that updated_at), so they are dropped, not repeated."""
    if not state:
        return None
    if state.get("next") is not None:
        return state["next"]
    return state["after"][0] if state.get("after") else None


def _from_raw(raw: dict[str, Any]) -> Any:
    if "text" in raw:
        return raw["text"]
    return datetime.fromisoformat(raw["datetime"])


def _row_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def _keys(table: pa.Table, positions: np.ndarray, contract: TableContract) -> list[tuple]:
    taken = table.take(pa.array(positions))
    parts = [
        [None if v is None else str(v) for v in taken.column(k).to_pylist()] for k in contract.key
    ]
    ts = pc.cast(taken.column(contract.updated_at), pa.int64()).to_pylist()
    return [(*key, t) for *key, t in zip(*parts, ts, strict=True)]


# --- reading --------------------------------------------------------------------------------
class _ArrowPathFailed(Exception):
    """The Arrow (ADBC) read met a value its column cannot hold (text in a numeric column)."""


def sqlite_file_uri(engine: Engine) -> str | None:
    """``file:<path>?mode=ro`` for a SQLite file engine (the ADBC path), else None."""
    u = engine.url
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    path = u.database.removeprefix("file:").split("?")[0]
    return f"file:{path}?mode=ro"


def _updated_table(contract: TableContract, db_schema: str | None) -> sa.TableClause:
    return sa.table(contract.name, *(sa.column(n) for n in contract.column_names), schema=db_schema)


def _window_bounds(
    conn: sa.Connection, t: sa.TableClause, contract: TableContract, lo: Any, batch_rows: int
) -> list[Any]:
    """The lower bounds of the windows after the one starting at ``lo`` (None: the first load,
    from the oldest): every ``batch_rows``-th updated_at value from ``lo`` in one ordered read of
    that column (through its index when it has one), equal values once. Rows at a bound belong
    to the window it starts, so rows with equal updated_at never straddle two batches; a value
    with more rows than a batch is one larger window (with the rows up to the next bound)."""
    updated = t.c[contract.updated_at]
    n = sa.func.row_number().over(order_by=updated).label("n")
    ranked = sa.select(updated.label("at"), n)
    ranked = ranked.where(updated >= lo if lo is not None else updated.is_not(None)).subquery()
    rows = conn.execute(
        sa.select(ranked.c.at).where(ranked.c.n % batch_rows == 0).order_by(ranked.c.n)
    )
    bounds: list[Any] = []
    for (at,) in rows:
        if at != lo and (not bounds or at != bounds[-1]):
            bounds.append(at)
    return bounds


def _window_statement(
    contract: TableContract, db_schema: str | None, lo: Any, hi: Any, first: bool
) -> sa.Select:
    """Rows with ``lo <= updated_at < hi`` (either open: None), in no particular order; the
    first window of a first load also reads the rows whose updated_at is null (quarantined)."""
    t = _updated_table(contract, db_schema)
    updated = t.c[contract.updated_at]
    stmt = sa.select(*(t.c[n] for n in contract.column_names))
    if lo is not None:
        stmt = stmt.where(updated >= sa.bindparam("lo", lo))
    if hi is not None:
        below = updated < sa.bindparam("hi", hi)
        stmt = stmt.where(sa.or_(updated.is_(None), below) if first and lo is None else below)
    return stmt


Columns = list[Any]  # column-major: each a pa.Array (Arrow path) or a sequence of Python values


# The first row of every ADBC read: one literal per column of the contract's declared type, so
# the driver's type inference (which looks at the first batch only) always sees the declared
# types, whatever the data's order: a column null throughout the first batch would otherwise be
# inferred int64 and fail at its first text value later (the row path, ~5x slower), and a NUMERIC
# column holding 2 (INTEGER) before 2.5 (REAL) int64 likewise. Integers in a double column and
# numbers in a text column are converted by the driver afterwards.
TYPE_ROW_TEXT = "retailwh: declared types"


def _type_row_literal(typ: pa.DataType) -> tuple[str, Any]:
    """The SQL literal and the value it reads back as, for one declared type."""
    if pa.types.is_integer(typ) or pa.types.is_boolean(typ):
        return "0", 0
    if pa.types.is_decimal(typ) or pa.types.is_floating(typ):
        return "0.5", 0.5
    return f"'{TYPE_ROW_TEXT}'", TYPE_ROW_TEXT


def bind_types(sql: str, types: Sequence[pa.DataType]) -> str:
    """``sql`` preceded by the type row (``UNION ALL``: SQLite yields the left arm first; the
    reader checks that it did)."""
    literals = ", ".join(_type_row_literal(t)[0] for t in types)
    return f"SELECT {literals} UNION ALL SELECT * FROM ({sql})"


def _adbc_chunks(
    uri: str,
    sql: str,
    params: list[Any],
    chunk_rows: int,
    types: Sequence[pa.DataType] | None = None,
) -> Iterator[Columns]:
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    try:
        con = adbc_sqlite.connect(uri)
    except Exception as exc:
        raise _ArrowPathFailed(str(exc)) from exc
    try:
        cur = con.cursor()
        with contextlib.suppress(Exception):
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(chunk_rows)})
        try:
            cur.execute(bind_types(sql, types) if types else sql, params)
            reader = cur.fetch_record_batch()
            first = bool(types)
            while True:
                try:
                    rb = reader.read_next_batch()
                except StopIteration:
                    return
                if first:
                    first = False
                    want = [_type_row_literal(t)[1] for t in types or ()]
                    if rb.num_rows == 0 or [c[0].as_py() for c in rb.columns] != want:
                        raise _ArrowPathFailed("the type row did not come first")
                    rb = rb.slice(1)
                if rb.num_rows:
                    yield list(rb.columns)
        except (OSError, pa.ArrowException) as exc:
            raise _ArrowPathFailed(str(exc)) from exc
        except Exception as exc:
            if type(exc).__module__.startswith("adbc_driver"):
                raise _ArrowPathFailed(str(exc)) from exc
            raise
    finally:
        con.close()


def _chunks(
    engine: Engine,
    stmt: sa.Select,
    chunk_rows: int,
    arrow: bool,
    types: Sequence[pa.DataType] | None = None,
) -> Iterator[Columns]:
    """The selected rows in column-major chunks, streamed.

    SQLite: through ADBC as Arrow record batches (``arrow``; ~2.6M rows/s, FACTS.md) whose
    column types are bound to ``types`` (the declared types of the selected columns), else on
    the DBAPI cursor directly (SQLAlchemy's Row objects would cost more than reading the rows).
    PostgreSQL and MariaDB stream through SQLAlchemy's server-side cursors.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            compiled = stmt.compile(dialect=conn.dialect)
            params = [compiled.params[name] for name in compiled.positiontup or ()]
            uri = sqlite_file_uri(engine)
            if arrow and uri is not None:
                yield from _adbc_chunks(uri, str(compiled), params, chunk_rows, types)
                return
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute(str(compiled), params)
                while rows := cursor.fetchmany(chunk_rows):
                    yield list(zip(*rows, strict=True))
            finally:
                cursor.close()
            return
        streamed = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(stmt)
        for rows in streamed.partitions():
            yield list(zip(*rows, strict=True))


def _value(column: Any, i: int) -> Any:
    return column[i].as_py() if isinstance(column, pa.Array) else column[i]


# --- the load -------------------------------------------------------------------------------
@dataclass
class _Run:
    """What the current pass has read since its last commit."""

    prev: SqlCursor
    lookback_us: int
    max_us: int | None = None
    max_raw: Any = None
    window: set[tuple] = field(default_factory=set)
    new_quarantined: list[str] = field(default_factory=list)
    new_rows: int = 0  # rows read since the last commit that were neither landed nor quarantined
    # A snapshot's high-water mark (µs, raw), taken before it started: the mark whatever it reads
    fixed_hwm: tuple[int, dict[str, Any]] | None = None

    def floor(self) -> int:
        """Rows landed at or after this (µs) go into the window."""
        if self.fixed_hwm is not None:
            return self.fixed_hwm[0] - self.lookback_us
        mark = self.max_us if self.max_us is not None else self.prev.hwm_us
        return max(mark, self.prev.hwm_us or mark) - self.lookback_us

    def next_cursor(self) -> SqlCursor:
        hwm_us, hwm_raw = self.prev.hwm_us, self.prev.hwm_raw
        if self.fixed_hwm is not None:
            hwm_us, hwm_raw = self.fixed_hwm
        elif self.max_us is not None and (hwm_us is None or self.max_us > hwm_us):
            hwm_us, hwm_raw = self.max_us, _raw_json(self.max_raw)
        floor = (hwm_us or 0) - self.lookback_us
        window = {k for k in self.prev.window | self.window if k[-1] >= floor}
        return SqlCursor(hwm_us, hwm_raw, window, self.prev.quarantined + self.new_quarantined)

    def committed(self, cursor: SqlCursor) -> None:
        self.prev, self.window, self.new_quarantined, self.new_rows = cursor, set(), [], 0


def _land_chunk(columns: Columns, contract: TableContract, batch: Batch, run: _Run) -> None:
    names = contract.column_names
    n = len(columns[0])
    ts_col = columns[names.index(contract.updated_at)]
    table, bad = to_arrow(columns, contract)
    known = set(run.prev.quarantined)
    for i, reason in sorted(bad.items()):
        row = {name: _value(col, i) for name, col in zip(names, columns, strict=True)}
        raw = json.dumps(row, default=str, ensure_ascii=False)
        digest = _row_hash(raw)
        if digest not in known:
            batch.quarantine(raw=raw, reason=reason, pii=batch_pii(batch))
            run.new_quarantined.append(digest)
            run.new_rows += 1
    if not table.num_rows:
        return
    origin = np.flatnonzero(~np.isin(np.arange(n), list(bad))) if bad else None
    ts = pc.cast(table.column(contract.updated_at), pa.int64()).to_numpy()

    # drop rows landed before: only rows inside the previous window can be (a snapshot's window
    # also holds rows changed while it ran, stamped after its mark)
    prev = run.prev
    if prev.window:
        lower = prev.hwm_us - run.lookback_us
        candidates = np.flatnonzero(ts >= lower)
        if candidates.size:
            landed = [k in prev.window for k in _keys(table, candidates, contract)]
            drop = candidates[np.asarray(landed, dtype=bool)]
            if drop.size:
                keep = np.ones(table.num_rows, dtype=bool)
                keep[drop] = False
                table = table.filter(pa.array(keep))
                ts = ts[keep]
                origin = (origin if origin is not None else np.arange(n))[keep]
    if not table.num_rows:
        return

    chunk_max = int(ts.max())
    if run.max_us is None or chunk_max > run.max_us:
        at = int(np.argmax(ts))
        row = int(origin[at]) if origin is not None else at
        run.max_us = chunk_max
        run.max_raw = _value(ts_col, row)
    floor = run.floor()
    run.window = {k for k in run.window if k[-1] >= floor}
    recent = np.flatnonzero(ts >= floor)
    if recent.size:
        run.window.update(_keys(table, recent, contract))
    run.new_rows += table.num_rows
    batch.write(table)


# (source, object) whose quarantined rows carry personal data (loyalty card numbers)
PII_TABLES = {("store", "receipts")}


def batch_pii(batch: Batch) -> bool:
    return (batch.source, batch.object) in PII_TABLES


def parquet_layout(contract: TableContract) -> ParquetLayout:
    """Keys and timestamps are near-unique: no dictionary. Text other than the key (and the
    constant text metadata): no min/max."""
    unique = {n for n, t in contract.columns if pa.types.is_timestamp(t)} | set(contract.key)
    text = {n for n, t in contract.columns if pa.types.is_string(t)} - set(contract.key)
    return ParquetLayout(
        no_dictionary=frozenset(unique),
        no_statistics=frozenset(text | {"_source", "_object", "_source_id", "_batch_id"}),
    )


DEFAULT_LOOKBACK_SECONDS = 600.0
DEFAULT_BATCH_ROWS = 500_000


def _pass(
    engine: Engine,
    landing: Landing,
    result: LoadResult,
    *,
    source: str,
    source_id: str,
    contract: TableContract,
    db_schema: str | None,
    lookback: timedelta,
    chunk_rows: int,
    batch_rows: int,
    arrow: bool,
) -> None:
    """Read from the committed cursor to the end, one batch (rows + cursor) per ``updated_at``
    window of about ``batch_rows`` rows (``_window_bounds``); the last commit clears the pass. A
    first load of a SQLite table is a snapshot instead (``_snapshot_pass``)."""
    prev = SqlCursor.from_json(landing.get_cursor(source, contract.name, source_id))
    if prev.snapshot is not None or (prev.hwm_us is None and prev.pass_next is None):
        state = _snapshot_state(engine, contract, db_schema, prev)
        if state is not None:
            _snapshot_pass(
                engine,
                landing,
                result,
                source=source,
                source_id=source_id,
                contract=contract,
                db_schema=db_schema,
                lookback=lookback,
                chunk_rows=chunk_rows,
                batch_rows=batch_rows,
                arrow=arrow,
                prev=prev,
                state=state,
            )
            return
    # a snapshot that cannot go on (the table lost its rowid...) is read again from the start
    resuming = prev.pass_next is not None or prev.snapshot is not None
    since = prev.pass_since if prev.pass_next is not None else prev.lower_bound(lookback)
    if prev.snapshot is not None:
        since = None
    lo_raw = prev.pass_next if prev.pass_next is not None else since
    lo = _from_raw(lo_raw) if lo_raw is not None else None
    run = _Run(prev=prev, lookback_us=int(lookback / timedelta(microseconds=1)))
    types = [typ for _, typ in contract.columns]
    layout = parquet_layout(contract)
    t = _updated_table(contract, db_schema)

    def commit(batch: Batch, next_lo: Any) -> None:
        cursor = run.next_cursor()
        if next_lo is not None:
            cursor.pass_since, cursor.pass_next = since, _raw_json(next_lo)
        batch.rows_source = run.new_rows
        committed = batch.commit(cursor=cursor.to_json(lookback))
        run.committed(cursor)
        if committed and (committed.path or committed.quarantine_path):
            result.add(committed)

    with engine.connect() as conn:
        bounds = _window_bounds(conn, t, contract, lo, batch_rows)
    first = (
        prev.pass_next is None
    )  # the first window of this pass (null updated_at on a first load)
    batch = landing.new_batch(source, contract.name, source_id, layout)
    try:
        for hi in [*bounds, None]:
            stmt = _window_statement(contract, db_schema, lo, hi, first)
            for columns in _chunks(engine, stmt, chunk_rows, arrow, types):
                _land_chunk(columns, contract, batch, run)
            first = False
            if hi is not None and (batch.rows or batch.quarantined):
                commit(batch, next_lo=hi)
                resuming = True
                batch = landing.new_batch(source, contract.name, source_id, layout)
            lo = hi
        if batch.rows or batch.quarantined or resuming:
            commit(batch, next_lo=None)
        else:
            batch.abort()
    finally:
        batch.__exit__(None, None, None)


# --- first load: a snapshot in rowid ranges ----------------------------------------------
# The first load of a SQLite table reads it in ranges of rowid (sequential pages, no sort:
# ordering ~3M rows by (updated_at, key) cost as much as reading them). Each batch is one or
# more ranges and commits with the snapshot's state, so a killed snapshot resumes after its
# last committed range. The high-water mark is the table's max(updated_at) taken before the
# first range, and stays the mark whatever the snapshot reads: a row changed while it runs is
# stamped later, so the next (incremental) load, which reads from the mark minus the lookback,
# reads it again; rows the snapshot landed at or after mark - lookback are in the cursor's
# window, so that load drops the versions already landed. Rows inserted after the snapshot
# started (rowid above ``rowid_max``) are left to that load too.
def _rowid_table(contract: TableContract, db_schema: str | None) -> sa.TableClause:
    return sa.table(
        contract.name,
        sa.column("rowid"),
        *(sa.column(n) for n in contract.column_names),
        schema=db_schema,
    )


def _start_snapshot(
    engine: Engine, contract: TableContract, db_schema: str | None
) -> dict[str, Any] | None:
    """A new snapshot's state, or None where a snapshot does not apply (not SQLite, a table
    without rowid, no rows, an updated_at maximum that is not timestamp text)."""
    if engine.dialect.name != "sqlite":
        return None
    t = _rowid_table(contract, db_schema)
    try:
        with engine.connect() as conn:
            rowid_max = conn.execute(sa.select(sa.func.max(t.c.rowid))).scalar()
            top = conn.execute(sa.select(sa.func.max(t.c[contract.updated_at]))).scalar()
    except sa.exc.DBAPIError:
        return None  # WITHOUT ROWID (or no such table: the ordered pass reports it)
    if rowid_max is None or not isinstance(top, str):
        return None
    mark, bad = convert_column([top], pa.timestamp("us", tz="UTC"))
    if bad:
        return None
    return {
        "hwm_us": mark.cast(pa.int64())[0].as_py(),
        "hwm_raw": _raw_json(top),
        "rowid_max": int(rowid_max),
        "after": None,  # the last rowid of the last committed range
        "check": None,  # [rowid, *key] of the last row at or below ``after`` when committed
    }


def _snapshot_state(
    engine: Engine, contract: TableContract, db_schema: str | None, prev: SqlCursor
) -> dict[str, Any] | None:
    """The snapshot to go on with (the committed one) or to start; None: the ordered pass."""
    state = prev.snapshot
    if state is not None and state.get("check"):
        # rowids are stable, except that VACUUM may renumber a table without an INTEGER
        # PRIMARY KEY: then the committed position means nothing and the snapshot starts
        # again (rows landed twice are harmless downstream, rows skipped would be lost)
        rowid, *key = state["check"]
        t = _rowid_table(contract, db_schema)
        try:
            with engine.connect() as conn:
                row = conn.execute(
                    sa.select(*(t.c[k] for k in contract.key)).where(t.c.rowid == rowid)
                ).first()
        except sa.exc.DBAPIError:
            row = None
        if row is None or [str(v) for v in row] != [str(v) for v in key]:
            log.warning(
                "%s: rowid %s no longer holds %s; snapshot restarts", contract.name, rowid, key
            )
            state = None
    return state if state is not None else _start_snapshot(engine, contract, db_schema)


def _snapshot_pass(
    engine: Engine,
    landing: Landing,
    result: LoadResult,
    *,
    source: str,
    source_id: str,
    contract: TableContract,
    db_schema: str | None,
    lookback: timedelta,
    chunk_rows: int,
    batch_rows: int,
    arrow: bool,
    prev: SqlCursor,
    state: dict[str, Any],
) -> None:
    t = _rowid_table(contract, db_schema)
    columns_sql = [t.c[n] for n in contract.column_names]
    types = [typ for _, typ in contract.columns]
    layout = parquet_layout(contract)
    rowid_max = state["rowid_max"]
    run = _Run(
        prev=prev,
        lookback_us=int(lookback / timedelta(microseconds=1)),
        fixed_hwm=(state["hwm_us"], state["hwm_raw"]),
    )

    def commit(batch: Batch, snapshot: dict[str, Any] | None) -> None:
        cursor = run.next_cursor()
        cursor.snapshot = snapshot
        batch.rows_source = run.new_rows
        committed = batch.commit(cursor=cursor.to_json(lookback))
        run.committed(cursor)
        if committed and (committed.path or committed.quarantine_path):
            result.add(committed)

    after = state["after"]
    sparse = False  # rowids with gaps: ranges end at the batch_rows-th row (an OFFSET query)
    batch = landing.new_batch(source, contract.name, source_id, layout)
    try:
        with engine.connect() as conn:
            while True:
                first = sa.select(sa.func.min(t.c.rowid))
                if after is not None:
                    first = first.where(t.c.rowid > after)
                lo = conn.execute(first).scalar()
                if lo is None or lo > rowid_max:
                    break
                held = batch.rows + batch.quarantined
                need = batch_rows - held
                hi = lo + need - 1
                if sparse:
                    nth = (
                        sa.select(t.c.rowid)
                        .where(t.c.rowid >= lo)
                        .order_by(t.c.rowid)
                        .limit(1)
                        .offset(need - 1)
                    )
                    hi = conn.execute(nth).scalar() or rowid_max
                hi = min(hi, rowid_max)
                stmt = sa.select(*columns_sql).where(t.c.rowid.between(lo, hi))
                for columns in _chunks(engine, stmt, chunk_rows, arrow, types):
                    _land_chunk(columns, contract, batch, run)
                sparse = batch.rows + batch.quarantined - held < need // 2
                after = hi
                if batch.rows + batch.quarantined >= batch_rows:
                    last = conn.execute(
                        sa.select(t.c.rowid, *(t.c[k] for k in contract.key))
                        .where(t.c.rowid <= hi)
                        .order_by(t.c.rowid.desc())
                        .limit(1)
                    ).first()
                    check = [last[0], *(str(v) for v in last[1:])] if last else None
                    commit(batch, {**state, "after": after, "check": check})
                    batch = landing.new_batch(source, contract.name, source_id, layout)
        commit(batch, None)  # the last commit turns the snapshot into an incremental cursor
    finally:
        batch.__exit__(None, None, None)


def load_table(
    engine: Engine,
    landing: Landing,
    *,
    source: str,
    source_id: str,
    contract: TableContract,
    db_schema: str | None = None,
    lookback_seconds: float = DEFAULT_LOOKBACK_SECONDS,
    chunk_rows: int = 50_000,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    arrow: bool = True,
) -> LoadResult:
    """Land what changed in one table since its cursor, as one or more committed batches."""
    result = LoadResult(source=source, object=contract.name, source_id=source_id)
    lookback = timedelta(seconds=lookback_seconds)
    try:
        with landing.scope(source, contract.name, source_id):
            while True:
                try:
                    _pass(
                        engine,
                        landing,
                        result,
                        source=source,
                        source_id=source_id,
                        contract=contract,
                        db_schema=db_schema,
                        lookback=lookback,
                        chunk_rows=chunk_rows,
                        batch_rows=max(batch_rows, 1),
                        arrow=arrow,
                    )
                    break
                except _ArrowPathFailed as exc:
                    if not arrow:
                        raise
                    # resume from the last committed batch, row by row
                    log.info(
                        "%s/%s/%s: Arrow read failed (%s); reading rows",
                        source,
                        contract.name,
                        source_id,
                        exc,
                    )
                    arrow = False
    except Exception as exc:  # one table failing must not stop the others
        log.exception("%s/%s/%s failed", source, contract.name, source_id)
        result.error = f"{type(exc).__name__}: {exc}"
    return result


# --- deletes --------------------------------------------------------------------------------
DELETED_SUFFIX = "__deleted"
DELETED_AT = "_deleted_detected_at"


def deleted_object(name: str) -> str:
    return f"{name}{DELETED_SUFFIX}"


def _source_keys(engine: Engine, contract: TableContract, db_schema: str | None) -> pa.Table:
    """Every key at the source, as text columns."""
    table = sa.table(contract.name, *(sa.column(k) for k in contract.key), schema=db_schema)
    stmt = sa.select(*(table.c[k] for k in contract.key))
    columns: list[list[Any]] = [[] for _ in contract.key]
    arrays: list[list[pa.Array]] = [[] for _ in contract.key]
    types = [dict(contract.columns)[k] for k in contract.key]
    for chunk in _chunks(engine, stmt, 200_000, arrow=True, types=types):
        for i, col in enumerate(chunk):
            if isinstance(col, pa.Array):
                arrays[i].append(col.cast(pa.string()))
            else:
                columns[i].extend(None if v is None else str(v) for v in col)
    out = {}
    for i, k in enumerate(contract.key):
        parts = arrays[i] + ([pa.array(columns[i], pa.string())] if columns[i] else [])
        out[k] = pa.chunked_array(parts, pa.string()) if parts else pa.array([], pa.string())
    return pa.table(out)


def find_deleted(
    engine: Engine,
    landing: Landing,
    *,
    source: str,
    source_id: str,
    contract: TableContract,
    db_schema: str | None = None,
) -> pa.Table:
    """Keys landed (and not already recorded deleted since they last landed) that the source no
    longer has; as text columns."""
    import duckdb

    landed_files = landing.scope_paths(source, contract.name, source_id)
    if not landed_files:
        return pa.table({k: pa.array([], pa.string()) for k in contract.key})
    deleted_files = landing.scope_paths(source, deleted_object(contract.name), source_id)
    at_source = _source_keys(engine, contract, db_schema)
    keys = ", ".join(f'cast("{k}" as varchar) as "{k}"' for k in contract.key)
    key_list = ", ".join(f'"{k}"' for k in contract.key)
    con = duckdb.connect()
    try:
        con.register("at_source", at_source)
        con.execute(
            f"create temp table live as select {keys}, max(_loaded_at) as last_loaded"
            f" from read_parquet(?, union_by_name=true) group by all",
            [[str(p) for p in landed_files]],
        )
        if deleted_files:
            con.execute(
                f"create temp table gone as select {keys}, max({DELETED_AT}) as last_deleted"
                f" from read_parquet(?, union_by_name=true) group by all",
                [[str(p) for p in deleted_files]],
            )
        else:
            con.execute(
                f"create temp table gone as select {keys}, null::timestamptz as last_deleted"
                f" from live where false"
            )
        return con.sql(
            f"select {key_list} from live"
            f" left join gone using ({key_list})"
            f" where (gone.last_deleted is null or live.last_loaded > gone.last_deleted)"
            f" and not exists (select 1 from at_source s where "
            + " and ".join(f's."{k}" = live."{k}"' for k in contract.key)
            + f") order by {key_list}"
        ).to_arrow_table()
    finally:
        con.close()


@dataclass
class ReconcileCursor:
    loads_since: int = 0
    reconciled_at: str | None = None


def reconcile_table(
    engine: Engine,
    landing: Landing,
    *,
    source: str,
    source_id: str,
    contract: TableContract,
    db_schema: str | None = None,
    every: int = 0,
    force: bool = False,
    counts: bool = True,
) -> LoadResult:
    """Count this load (when ``counts``: loads that landed nothing are not counted, so a re-run
    without source changes leaves the manifest as it was); every ``every`` counted loads (0: never
    on its own) or when ``force``d, compare
    the source's keys with the landed ones and land the missing keys as ``<object>__deleted``
    (key columns in their declared types + ``_deleted_detected_at``)."""
    name = deleted_object(contract.name)
    result = LoadResult(source=source, object=name, source_id=source_id)
    try:
        with landing.scope(source, name, source_id):
            state = landing.get_cursor(source, name, source_id) or {}
            loads = int(state.get("loads_since", 0)) + 1
            due = force or (counts and every > 0 and loads >= every)
            if not due and not counts:
                return result
            batch = landing.new_batch(source, name, source_id)
            with batch:
                if not due:
                    batch.commit(cursor={**state, "loads_since": loads})
                    return result
                missing = find_deleted(
                    engine,
                    landing,
                    source=source,
                    source_id=source_id,
                    contract=contract,
                    db_schema=db_schema,
                )
                types = dict(contract.columns)
                columns = {k: missing.column(k).cast(types[k]) for k in contract.key}
                columns[DELETED_AT] = pa.array(
                    [batch.loaded_at] * missing.num_rows, pa.timestamp("us", tz="UTC")
                )
                batch.write(pa.table(columns))
                batch.rows_source = missing.num_rows
                committed = batch.commit(
                    cursor={"loads_since": 0, "reconciled_at": batch.loaded_at.isoformat()}
                )
            if committed and committed.rows:
                result.add(committed)
    except Exception as exc:
        log.exception("%s/%s/%s reconciliation failed", source, name, source_id)
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
    lookback_seconds: float = DEFAULT_LOOKBACK_SECONDS,
    chunk_rows: int = 50_000,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    reconcile_every: int = 0,
    reconcile: bool = False,
) -> list[LoadResult]:
    """Land every contract table of one database; one LoadResult per table (plus one per
    ``__deleted`` object when a key reconciliation ran and found deletions or failed)."""
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
    results: list[LoadResult] = []
    try:
        for contract in tables:
            loaded = load_table(
                engine,
                landing,
                source=source,
                source_id=source_id,
                contract=contract,
                db_schema=db_schema,
                lookback_seconds=lookback_seconds,
                chunk_rows=chunk_rows,
                batch_rows=batch_rows,
            )
            results.append(loaded)
            if loaded.error is None:
                deleted = reconcile_table(
                    engine,
                    landing,
                    source=source,
                    source_id=source_id,
                    contract=contract,
                    db_schema=db_schema,
                    every=reconcile_every,
                    force=reconcile,
                    counts=bool(loaded.rows_loaded or loaded.rows_quarantined),
                )
                if deleted.rows_loaded or deleted.error:
                    results.append(deleted)
        return results
    finally:
        engine.dispose()

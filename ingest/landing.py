"""The landing store: immutable Parquet batches plus the manifest that says which of them count.

Layout (docs/source_contracts.md)::

    landing/<source>/<object>/<source_id>/<batch_id>.parquet
    landing/_quarantine/<source>/<object>/<source_id>/<batch_id>.parquet
    landing/_manifest.sqlite
    landing/_locks/<source>/<object>/<source_id>.lock

A batch is written under a temporary name in its final folder, fsynced and renamed; then its
manifest rows (the batch, its quarantine file, the files it came from) and the cursor it advances
commit in one SQLite transaction. A Parquet file that is not in the manifest belongs to a load that
was killed before that commit: the recovery sweep deletes it before the next load of the same
scope, and the source is read again from the last committed cursor, so nothing is lost or landed
twice.

Manifest tables: ``batches`` (one row per Parquet file; ``kind`` is ``data`` or ``quarantine``, an
addition to the contract so quarantine files, which share their batch's id, are told apart),
``cursors`` (the incremental state per source/object/source_id) and ``files`` (every source file
seen, by checksum, with its status ``loaded``, ``duplicate`` or ``quarantined``).

Loads of different scopes (store A's receipts, store B's receipts, ...) may run in parallel, in
threads or processes: each holds an exclusive lock on its scope for the whole load, and the sweep
only touches the scope it holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST_NAME = "_manifest.sqlite"
QUARANTINE_DIR = "_quarantine"
# Raw content of quarantined rows that carry personal data (CRM records, loyalty cards): the
# ``_quarantine`` file holds them with ``raw`` masked; the unmasked text sits here, in the same
# columns, for the roles allowed to see personal data (grant this folder only to them).
QUARANTINE_PII_DIR = "_quarantine_pii"
PII_MASK = "<personal data: raw content in _quarantine_pii>"
LOCKS_DIR = "_locks"
TMP_SUFFIX = ".tmp"

METADATA_COLUMNS = ("_source", "_object", "_source_id", "_batch_id", "_loaded_at")
FILE_COLUMNS = ("_source_file", "_source_line")
LOADED_AT_TYPE = pa.timestamp("us", tz="UTC")
QUARANTINE_SCHEMA = pa.schema(
    [
        ("_source", pa.string()),
        ("_object", pa.string()),
        ("_source_id", pa.string()),
        ("_batch_id", pa.string()),
        ("_loaded_at", pa.string()),
        ("source_file", pa.string()),
        ("line_no", pa.int64()),
        ("raw", pa.string()),
        ("reason", pa.string()),
    ]
)
FileStatus = Literal["loaded", "duplicate", "quarantined"]
BatchKind = Literal["data", "quarantine", "quarantine_pii"]

# The manifest tables (created if missing), beside this module as the style asks for SQL.
_SCHEMA_SQL = (Path(__file__).parent / "landing_manifest.sql").read_text(encoding="utf-8")

_QUARANTINE_CHUNK = 10_000


def new_batch_id(now: datetime) -> str:
    """``<UTC yyyymmddThhmmssffffff>-<8 hex>``: sorts by time, unique across parallel loads."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class ParquetLayout:
    """How a batch's data file is encoded beyond the defaults (zstd, dictionary pages and min/max
    statistics on every column). High-cardinality columns (keys, timestamps) gain nothing from a
    dictionary: the encoder hashes every value, then falls back to plain pages; min/max of text
    columns nobody filters on cost a string comparison per value. On the store tables this was
    ~20-30% of the Parquet write's CPU and ~25% of the file size (ingest/README.md, Speed)."""

    no_dictionary: frozenset[str] = frozenset()
    no_statistics: frozenset[str] = frozenset()

    def writer_options(self, schema: pa.Schema) -> dict[str, Any]:
        names = schema.names
        return {
            "compression": "zstd",
            "use_dictionary": [n for n in names if n not in self.no_dictionary],
            "write_statistics": [n for n in names if n not in self.no_statistics],
        }


DEFAULT_LAYOUT = ParquetLayout()


@dataclass(frozen=True)
class FileRecord:
    """A source file as the manifest records it."""

    file_name: str
    sha256: str
    status: FileStatus


@dataclass(frozen=True)
class CommittedBatch:
    batch_id: str
    rows: int
    quarantined: int
    path: Path | None
    quarantine_path: Path | None


class _ParquetSink:
    """One Parquet file written under a temporary name until ``finish`` renames it into place.

    Row groups are encoded and written on a background thread (Arrow releases the GIL there), so a
    streamed load reads its next chunk from the source while the previous one is compressed.
    Chunks are gathered into row groups of ``ROW_GROUP_ROWS``: 50k-row row groups cost ~10% more
    to encode than 200k-row ones (and made slightly larger files).
    """

    ROW_GROUP_ROWS = 200_000

    def __init__(self, final: Path, layout: ParquetLayout = DEFAULT_LAYOUT) -> None:
        self.final = final
        self.layout = layout
        self.tmp = final.with_name(f".{final.name}{TMP_SUFFIX}")
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None
        self._gathered: list[pa.Table] = []
        self._gathered_rows = 0

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._writer is None:
            self.final.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(
                self.tmp, table.schema, **self.layout.writer_options(table.schema)
            )
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="parquet-sink")
        elif table.schema != self._writer.schema:
            table = table.select(self._writer.schema.names).cast(self._writer.schema)
        self._gathered.append(table)
        self._gathered_rows += table.num_rows
        self.rows += table.num_rows
        if self._gathered_rows >= self.ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._gathered:
            return
        table = pa.concat_tables(self._gathered)
        self._gathered, self._gathered_rows = [], 0
        self._wait()
        assert self._executor is not None and self._writer is not None
        self._pending = self._executor.submit(self._writer.write_table, table)

    def _stop(self) -> None:
        try:
            self._wait()
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None

    def finish(self) -> str | None:
        """Close, fsync and rename; the file's sha256 (None if nothing was written)."""
        if self._writer is None:
            return None
        self._flush()
        self._stop()
        self._writer.close()
        self._writer = None
        with self.tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        sha = _sha256(self.tmp)
        os.replace(self.tmp, self.final)
        _fsync_dir(self.final.parent)
        return sha

    def discard(self) -> None:
        self._gathered, self._gathered_rows = [], 0
        with contextlib.suppress(Exception):
            self._stop()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None
        self.tmp.unlink(missing_ok=True)


class Batch:
    """One load's rows (and quarantined rows) under one batch id, committed all or nothing.

    ``write`` may be called many times (chunks stream to disk); ``commit`` renames the files into
    place and records them, the cursor and the source files in one manifest transaction.
    """

    def __init__(
        self,
        landing: Landing,
        source: str,
        object_name: str,
        source_id: str,
        layout: ParquetLayout = DEFAULT_LAYOUT,
    ) -> None:
        self.landing = landing
        self.source, self.object, self.source_id = source, object_name, source_id
        self.loaded_at = datetime.now(UTC)
        self.batch_id = new_batch_id(self.loaded_at)
        self._data = _ParquetSink(
            landing.data_dir(source, object_name, source_id) / self.file_name, layout
        )
        self._quarantine = _ParquetSink(
            landing.quarantine_dir(source, object_name, source_id) / self.file_name
        )
        self._quarantine_pii = _ParquetSink(
            landing.quarantine_pii_dir(source, object_name, source_id) / self.file_name
        )
        self._pending_quarantine: list[dict[str, Any]] = []
        self._closed = False
        # Rows at the source this batch accounts for (new rows read, each landed or quarantined);
        # recorded in the manifest's ``batch_counts`` so a check can balance it. Loaders that
        # read records set it; when left None it is recorded as rows + quarantined.
        self.rows_source: int | None = None

    @property
    def file_name(self) -> str:
        return f"{self.batch_id}.parquet"

    @property
    def rows(self) -> int:
        return self._data.rows

    @property
    def quarantined(self) -> int:
        return self._quarantine.rows + len(self._pending_quarantine)

    def _metadata(self, n: int) -> dict[str, pa.Array]:
        values = {
            "_source": self.source,
            "_object": self.object,
            "_source_id": self.source_id,
            "_batch_id": self.batch_id,
        }
        zeros = pa.array(np.zeros(n, dtype=np.int32))
        columns: dict[str, pa.Array] = {
            name: pa.array([value], pa.string()).take(zeros) for name, value in values.items()
        }
        columns["_loaded_at"] = pa.array([self.loaded_at], LOADED_AT_TYPE).take(zeros)
        return columns

    def write(self, data: pa.Table | pd.DataFrame) -> int:
        """Append rows (source columns, plus ``_source_file``/``_source_line`` for files)."""
        if isinstance(data, pd.DataFrame):
            data = pa.Table.from_pandas(data, preserve_index=False)
        table = data
        clash = set(METADATA_COLUMNS) & set(table.column_names)
        if clash:
            raise ValueError(f"source columns clash with landing metadata: {sorted(clash)}")
        if table.num_rows == 0:
            return 0
        for name, column in self._metadata(table.num_rows).items():
            table = table.append_column(name, column)
        self._data.write(table)
        return table.num_rows

    def quarantine(
        self,
        *,
        raw: str,
        reason: str,
        source_file: str | None = None,
        line_no: int | None = None,
        pii: bool = False,
    ) -> None:
        """Record a row (or whole file) that breaks the contract. With ``pii`` the row's raw
        content is masked in the quarantine file and kept only in the PII quarantine file."""
        self._pending_quarantine.append(
            {
                "source_file": source_file,
                "line_no": line_no,
                "raw": raw,
                "reason": reason,
                "pii": pii,
            }
        )
        if len(self._pending_quarantine) >= _QUARANTINE_CHUNK:
            self._flush_quarantine()

    def _flush_quarantine(self) -> None:
        rows = self._pending_quarantine
        if not rows:
            return
        loaded_at = self.loaded_at.isoformat()

        def table(rows: list[dict[str, Any]], mask: bool) -> pa.Table:
            n = len(rows)
            return pa.table(
                {
                    "_source": [self.source] * n,
                    "_object": [self.object] * n,
                    "_source_id": [self.source_id] * n,
                    "_batch_id": [self.batch_id] * n,
                    "_loaded_at": [loaded_at] * n,
                    "source_file": [r["source_file"] for r in rows],
                    "line_no": [r["line_no"] for r in rows],
                    "raw": [PII_MASK if mask and r["pii"] else r["raw"] for r in rows],
                    "reason": [r["reason"] for r in rows],
                },
                schema=QUARANTINE_SCHEMA,
            )

        self._quarantine.write(table(rows, mask=True))
        pii_rows = [r for r in rows if r["pii"]]
        if pii_rows:
            self._quarantine_pii.write(table(pii_rows, mask=False))
        self._pending_quarantine = []

    def commit(
        self, cursor: dict[str, Any] | None = None, files: Iterable[FileRecord] = ()
    ) -> CommittedBatch | None:
        """Make the batch visible; None (and nothing written) when there is nothing to record."""
        if self._closed:
            raise RuntimeError("batch already committed or aborted")
        self._flush_quarantine()
        files = list(files)
        if not self.rows and not self.quarantined and not files and cursor is None:
            self.abort()
            return None
        self._closed = True
        sinks = [
            (self._data, "data"),
            (self._quarantine, "quarantine"),
            (self._quarantine_pii, "quarantine_pii"),
        ]
        written: list[tuple[_ParquetSink, str, str]] = []
        try:
            for sink, kind in sinks:
                sha = sink.finish()
                if sha is not None:
                    written.append((sink, kind, sha))
            self.landing._commit(self, written, cursor, files)
        except BaseException:
            for sink, _, _ in written:
                sink.final.unlink(missing_ok=True)
            for sink, _ in sinks:
                sink.discard()
            raise
        by_kind = {kind: sink.final for sink, kind, _ in written}
        return CommittedBatch(
            batch_id=self.batch_id,
            rows=self.rows,
            quarantined=self.quarantined,
            path=by_kind.get("data"),
            quarantine_path=by_kind.get("quarantine"),
        )

    def abort(self) -> None:
        self._closed = True
        self._pending_quarantine = []
        self._data.discard()
        self._quarantine.discard()
        self._quarantine_pii.discard()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._closed:
            self.abort()


def _migrate(con: sqlite3.Connection) -> None:
    """Manifests written before ``quarantine_pii`` existed: widen the ``kind`` check in place."""
    row = con.execute("select sql from sqlite_master where name = 'batches'").fetchone()
    if row is None or "quarantine_pii" in row[0]:
        return
    create = _SCHEMA_SQL[_SCHEMA_SQL.index("create table if not exists batches") :]
    create = create[: create.index(");") + 2]
    con.execute("begin immediate")
    try:
        con.execute("alter table batches rename to batches_old")
        con.execute(create)
        con.execute("insert into batches select * from batches_old")
        con.execute("drop table batches_old")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


class Landing:
    """The landing folder and its manifest."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest_path = self.root / MANIFEST_NAME
        with self._connect() as con:
            con.execute("pragma journal_mode=wal")
            _migrate(con)
            con.executescript(_SCHEMA_SQL)
        # Held open for the Landing's life: closing the last connection to a WAL database
        # checkpoints it, which made every short manifest read cost a checkpoint (~2 ms).
        self._keepalive = sqlite3.connect(self.manifest_path, check_same_thread=False)
        # one manifest connection per thread (and process) for the per-batch reads and commits:
        # opening one cost ~1 ms of CPU, ~6 times per table load
        self._local = threading.local()

    # --- paths --------------------------------------------------------------------------------
    def data_dir(self, source: str, object_name: str, source_id: str) -> Path:
        return self.root / source / object_name / source_id

    def quarantine_dir(self, source: str, object_name: str, source_id: str) -> Path:
        return self.root / QUARANTINE_DIR / source / object_name / source_id

    def quarantine_pii_dir(self, source: str, object_name: str, source_id: str) -> Path:
        return self.root / QUARANTINE_PII_DIR / source / object_name / source_id

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # --- manifest -----------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.manifest_path, timeout=60, isolation_level=None)
        con.execute("pragma synchronous=full")
        return con

    @contextlib.contextmanager
    def _connect(self, shared: bool = False) -> Iterator[sqlite3.Connection]:
        """A manifest connection in autocommit mode (transactions are explicit). ``shared``: this
        thread's kept connection (plain statements only: no row factory, no temp tables)."""
        if not shared:
            con = self._open()
            try:
                yield con
            finally:
                con.close()
            return
        pid, con = getattr(self._local, "con", (None, None))
        if con is None or pid != os.getpid():
            con = self._open()
            self._local.con = (os.getpid(), con)
        try:
            yield con
        finally:
            if con.in_transaction:  # only after an error inside an explicit transaction
                con.execute("rollback")

    def _commit(
        self,
        batch: Batch,
        written: list[tuple[_ParquetSink, str, str]],
        cursor: dict[str, Any] | None,
        files: list[FileRecord],
    ) -> None:
        cursor_json = json.dumps(cursor, sort_keys=True) if cursor is not None else None
        now = datetime.now(UTC).isoformat()
        loaded_at = batch.loaded_at.isoformat()
        scope = (batch.source, batch.object, batch.source_id)
        with self._connect(shared=True) as con:
            con.execute("begin immediate")
            try:
                for sink, kind, sha in written:
                    con.execute(
                        "insert into batches (batch_id, source, object, source_id, path, rows,"
                        " sha256, loaded_at, cursor_json, kind) values (?,?,?,?,?,?,?,?,?,?)",
                        (
                            batch.batch_id,
                            *scope,
                            self._rel(sink.final),
                            sink.rows,
                            sha,
                            loaded_at,
                            cursor_json if kind == "data" else None,
                            kind,
                        ),
                    )
                if written:
                    rows_source = batch.rows_source
                    if rows_source is None:
                        rows_source = batch.rows + batch.quarantined
                    con.execute(
                        "insert into batch_counts (batch_id, source, object, source_id,"
                        " rows_source, rows_landed, rows_quarantined, loaded_at)"
                        " values (?,?,?,?,?,?,?,?)",
                        (
                            batch.batch_id,
                            *scope,
                            rows_source,
                            batch.rows,
                            batch.quarantined,
                            loaded_at,
                        ),
                    )
                if cursor_json is not None:
                    con.execute(
                        "insert into cursors (source, object, source_id, cursor_json)"
                        " values (?,?,?,?) on conflict (source, object, source_id)"
                        " do update set cursor_json = excluded.cursor_json",
                        (*scope, cursor_json),
                    )
                has_batch = bool(written)
                for f in files:
                    con.execute(
                        "insert or replace into files (source, source_id, file_name, sha256,"
                        " status, batch_id, seen_at) values (?,?,?,?,?,?,?)",
                        (
                            batch.source,
                            batch.source_id,
                            f.file_name,
                            f.sha256,
                            f.status,
                            batch.batch_id if has_batch and f.status != "duplicate" else None,
                            now,
                        ),
                    )
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise

    def get_cursor(self, source: str, object_name: str, source_id: str) -> dict[str, Any] | None:
        with self._connect(shared=True) as con:
            row = con.execute(
                "select cursor_json from cursors where source=? and object=? and source_id=?",
                (source, object_name, source_id),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def file_status(
        self, source: str, source_id: str, file_name: str, sha256: str
    ) -> FileStatus | None:
        """The status of exactly this file content under this name, if seen before."""
        with self._connect(shared=True) as con:
            row = con.execute(
                "select status from files where source=? and source_id=? and file_name=?"
                " and sha256=?",
                (source, source_id, file_name, sha256),
            ).fetchone()
        return row[0] if row else None

    def files_index(self, source: str, source_id: str) -> dict[tuple[str, str], FileStatus]:
        """Every file seen for one source: (file name, sha256) -> status."""
        with self._connect(shared=True) as con:
            rows = con.execute(
                "select file_name, sha256, status from files where source=? and source_id=?",
                (source, source_id),
            ).fetchall()
        return {(name, sha): status for name, sha, status in rows}

    def content_seen(self, source: str, source_id: str, sha256: str) -> str | None:
        """The name of a file with this content already loaded or quarantined, if any."""
        with self._connect(shared=True) as con:
            row = con.execute(
                "select file_name from files where source=? and source_id=? and sha256=?"
                " and status in ('loaded', 'quarantined') order by seen_at limit 1",
                (source, source_id, sha256),
            ).fetchone()
        return row[0] if row else None

    def manifest_rows(
        self, table: Literal["batches", "cursors", "files", "batch_counts"]
    ) -> list[dict[str, Any]]:
        """Every row of a manifest table (for reports and tests)."""
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute(f"select * from {table} order by 1, 2, 3, 4")]

    def batch_counts(self, batch_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The ``batch_counts`` rows of these batches (rows at source, landed, quarantined)."""
        ids = list(batch_ids)
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            con.execute("create temp table wanted (batch_id text primary key)")
            con.executemany("insert or ignore into wanted values (?)", [(i,) for i in ids])
            return [
                dict(r)
                for r in con.execute(
                    "select c.* from batch_counts c join wanted using (batch_id) order by 1"
                )
            ]

    def scope_paths(
        self, source: str, object_name: str, source_id: str, kind: BatchKind = "data"
    ) -> list[Path]:
        """The committed Parquet files of one scope, oldest first."""
        with self._connect() as con:
            rows = con.execute(
                "select path from batches where source=? and object=? and source_id=?"
                " and kind=? order by batch_id",
                (source, object_name, source_id, kind),
            ).fetchall()
        return [self.root / r[0] for r in rows]

    def batch_paths(self, kind: BatchKind | None = None) -> list[Path]:
        with self._connect() as con:
            rows = con.execute(
                "select path from batches where ? is null or kind = ? order by path", (kind, kind)
            ).fetchall()
        return [self.root / r[0] for r in rows]

    # --- loading ------------------------------------------------------------------------------
    def new_batch(
        self,
        source: str,
        object_name: str,
        source_id: str,
        layout: ParquetLayout = DEFAULT_LAYOUT,
    ) -> Batch:
        return Batch(self, source, object_name, source_id, layout)

    def write_batch(
        self,
        source: str,
        object_name: str,
        source_id: str,
        data: pa.Table | pd.DataFrame,
        cursor: dict[str, Any] | None = None,
        files: Iterable[FileRecord] = (),
    ) -> CommittedBatch | None:
        """Land one table as one batch in one step (takes the scope lock and sweeps first)."""
        with self.scope(source, object_name, source_id):
            batch = self.new_batch(source, object_name, source_id)
            batch.write(data)
            return batch.commit(cursor=cursor, files=files)

    @contextlib.contextmanager
    def scope(self, source: str, object_name: str, source_id: str) -> Iterator[None]:
        """Hold the scope's lock for a load; sweep the scope's leftovers first."""
        with self._lock(source, object_name, source_id, blocking=True):
            self._sweep_scope(source, object_name, source_id)
            yield

    @contextlib.contextmanager
    def _lock(
        self, source: str, object_name: str, source_id: str, blocking: bool
    ) -> Iterator[bool]:
        path = self.root / LOCKS_DIR / source / object_name / f"{source_id}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+") as fh:
            flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
            try:
                fcntl.flock(fh.fileno(), flags)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _sweep_scope(self, source: str, object_name: str, source_id: str) -> list[Path]:
        folders = [
            self.data_dir(source, object_name, source_id),
            self.quarantine_dir(source, object_name, source_id),
            self.quarantine_pii_dir(source, object_name, source_id),
        ]
        with self._connect(shared=True) as con:
            known = {
                r[0]
                for r in con.execute(
                    "select path from batches where source=? and object=? and source_id=?",
                    (source, object_name, source_id),
                )
            }
        removed = []
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if not path.is_file():
                    continue
                leftover = path.name.endswith(TMP_SUFFIX) or (
                    path.suffix == ".parquet" and self._rel(path) not in known
                )
                if leftover:
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    def sweep(self) -> list[Path]:
        """Recovery sweep over the whole landing: remove Parquet and temporary files that are not
        in the manifest. Scopes being loaded right now are skipped (their load sweeps them)."""
        scopes = set()
        for base in (self.root, self.root / QUARANTINE_DIR, self.root / QUARANTINE_PII_DIR):
            if not base.is_dir():
                continue
            for source in base.iterdir():
                if not source.is_dir() or source.name.startswith("_"):
                    continue
                for obj in (p for p in source.iterdir() if p.is_dir()):
                    scopes.update(
                        (source.name, obj.name, sid.name) for sid in obj.iterdir() if sid.is_dir()
                    )
        removed: list[Path] = []
        for scope in sorted(scopes):
            with self._lock(*scope, blocking=False) as locked:
                if locked:
                    removed += self._sweep_scope(*scope)
        return removed

"""Dropped CSV files (legacy store exports, supplier feeds): checksum manifest, row rules, landing.

Every file is identified by its sha256. Content already loaded or quarantined (under any name, for
the same source) is recorded once as ``duplicate`` and not loaded again; a file whose exact name and
content were processed before is skipped silently. A new file lands as one batch: every column as
text exactly as decoded (dbt staging renames and casts), plus ``_source_file`` (the file name) and
``_source_line`` (the physical line, header = 1, where the record starts).

A row that breaks its contract (undecodable bytes, wrong column count, bad date or number) goes to
quarantine with the reason while the rest of the file loads. A file that cannot be read at all
(empty, missing required columns, cut off mid-row, undecodable header) is quarantined whole: one
row, ``line_no`` null, ``raw`` the whole content. Exports always end their last line with a line
end, so a last line without one means the file was cut off (or is still being written); it is
quarantined, and the complete file, arriving later with a different checksum, loads normally.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa

from ingest.contracts import FileContract
from ingest.landing import FileRecord, Landing
from ingest.result import LoadResult
from ingest.sources.file_formats import (
    ParsedFile,
    Reader,
    UnreadableFile,
    check_rows,
    parse_csv,
    parse_csv_many,
    read_csv,
    read_edifact,
    read_jsonl,
    read_xlsx,
)

__all__ = ["ParsedFile", "UnreadableFile", "load_files", "parse_csv", "read_csv"]

log = logging.getLogger(__name__)


# A check on the file name before reading it: returns a reason to quarantine it whole, or None.
NameCheck = Callable[[str], str | None]


# Files commit together, up to this many rows or files per batch: a legacy store sends hundreds of
# small daily files, and one manifest transaction (and fsync) per file cost more than reading them.
# A file never spans batches, so each file lands whole or not at all.
FILE_BATCH_ROWS = 250_000
FILE_BATCH_FILES = 500
WRITE_ROWS = 65_536
# readers that take ``check=False``
DEFERRED_CHECK = (read_csv, read_jsonl, read_xlsx, read_edifact)
# files read and parsed together (one Arrow CSV call for many small files)
PARSE_AHEAD_FILES = 128


def load_files(
    landing: Landing,
    *,
    source: str,
    source_id: str,
    contract: FileContract,
    paths: Iterable[Path],
    encoding: str,
    name_check: NameCheck | None = None,
    reader: Reader = read_csv,
    pii: bool = False,
    batch_rows: int = FILE_BATCH_ROWS,
    batch_files: int = FILE_BATCH_FILES,
) -> LoadResult:
    """Land the new files of one (source, object, source_id) in name order, several files per
    batch (each file whole in one batch)."""
    result = LoadResult(source=source, object=contract.object, source_id=source_id)
    errors: list[str] = []
    with landing.scope(source, contract.object, source_id):
        known = landing.files_index(source, source_id)
        seen = {sha for (_, sha), status in known.items() if status != "duplicate"}
        pending = _Pending(landing, result, source, contract.object, source_id, contract, pii)
        try:
            ordered = sorted(paths, key=lambda p: p.name)
            parsed_ahead: dict[Path, tuple[bytes, str, ParsedFile | None]] = {}
            for at, path in enumerate(ordered):
                if reader is read_csv and at % PARSE_AHEAD_FILES == 0:
                    parsed_ahead = _parse_ahead(
                        ordered[at : at + PARSE_AHEAD_FILES], known, encoding, contract
                    )
                try:
                    _add_file(
                        pending,
                        known,
                        seen,
                        contract,
                        path,
                        encoding,
                        name_check,
                        reader,
                        pii,
                        parsed_ahead.pop(path, None),
                    )
                except Exception as exc:  # one file failing must not stop the others
                    log.exception("%s/%s/%s: %s failed", source, contract.object, source_id, path)
                    errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
                if pending.rows >= batch_rows or len(pending.files) >= batch_files:
                    pending.commit()
            pending.commit()
        finally:
            pending.close()
    result.error = "; ".join(errors) or None
    return result


class _Pending:
    """The batch being filled with files."""

    def __init__(
        self,
        landing: Landing,
        result: LoadResult,
        source: str,
        obj: str,
        source_id: str,
        contract: FileContract,
        pii: bool,
    ) -> None:
        self.landing, self.result = landing, result
        self.contract, self.pii = contract, pii
        self.scope = (source, obj, source_id)
        self.batch = landing.new_batch(*self.scope)
        self.batch.rows_source = 0
        self.files: list[FileRecord] = []
        self.columns: list[str] | None = None  # of the rows written so far
        # small files' rows gather here and go to the Parquet file together (one row group per
        # tiny file would make slow writes and slow reads)
        self.buffer: list[pa.Table] = []
        self.unchecked: list[tuple[pa.Table, Callable[[int], str]]] = []
        self.buffered = 0

    @property
    def rows(self) -> int:
        return self.batch.rows + self.batch.quarantined + self.buffered

    def write(self, table: pa.Table, raw_of: Callable[[int], str] | None = None) -> None:
        """Rows of one file; with ``raw_of`` they are unchecked (rules run at the flush)."""
        if raw_of is None:
            self.buffer.append(table)
        else:
            self.unchecked.append((table, raw_of))
        self.buffered += table.num_rows
        if self.buffered >= WRITE_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.unchecked:
            good, bad = check_rows(self.unchecked, self.contract)
            for file_name, line_no, raw, reason in bad:
                self.batch.quarantine(
                    source_file=file_name, line_no=line_no, raw=raw, reason=reason, pii=self.pii
                )
            self.buffer.append(good)
        if self.buffer:
            self.batch.write(pa.concat_tables(self.buffer))
        self.buffer, self.unchecked, self.buffered = [], [], 0

    def commit(self) -> None:
        if not self.files:
            return
        self.flush()
        committed = self.batch.commit(files=self.files)
        if committed is not None and (committed.path or committed.quarantine_path):
            self.result.add(committed)
        self.batch = self.landing.new_batch(*self.scope)
        self.batch.rows_source = 0
        self.files = []
        self.columns = None

    def close(self) -> None:
        self.batch.__exit__(None, None, None)


def _parse_ahead(
    paths: list[Path], known: dict[tuple[str, str], str], encoding: str, contract: FileContract
) -> dict[Path, tuple[bytes, str, ParsedFile | None]]:
    """The next files' bytes and checksums, and the CSV ones not processed before parsed
    together (``parse_csv_many``); a file that fails to read here is read again, alone, later."""
    out: dict[Path, tuple[bytes, str, ParsedFile | None]] = {}
    for path in paths:
        with contextlib.suppress(OSError):
            data = path.read_bytes()
            out[path] = (data, hashlib.sha256(data).hexdigest(), None)
    fresh = [p for p, (_, sha, _) in out.items() if (p.name, sha) not in known]
    parsed = parse_csv_many(
        [out[p][0] for p in fresh], encoding, contract, names=[p.name for p in fresh]
    )
    for p, result in zip(fresh, parsed, strict=True):
        out[p] = (out[p][0], out[p][1], result)
    return out


def _read(reader: Reader, data: bytes, encoding: str, contract: FileContract) -> ParsedFile:
    """One file's parse; the readers that can leave the row rules to the flush (over many files
    at once) do."""
    if reader in DEFERRED_CHECK:
        return reader(data, encoding, contract, check=False)  # type: ignore[call-arg]
    return reader(data, encoding, contract)


# A file this big is parsed while its checksum is computed on another thread (hashlib releases
# the GIL); the parse is thrown away when the checksum says the file was seen before.
PARALLEL_HASH_BYTES = 8 << 20


def _hash_and_parse(
    data: bytes,
    name: str,
    encoding: str,
    contract: FileContract,
    name_check: NameCheck | None,
    reader: Reader,
) -> tuple[str, ParsedFile | None]:
    """The file's sha256, and for a big file that passes its name check also its parse (None
    when it was not parsed here or could not be read: the caller reads it again and quarantines)."""
    if len(data) < PARALLEL_HASH_BYTES or (name_check and name_check(name)):
        return hashlib.sha256(data).hexdigest(), None
    with ThreadPoolExecutor(1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        try:
            parsed = _read(reader, data, encoding, contract)
        except UnreadableFile:
            parsed = None
        return digest.result(), parsed


def _add_file(
    pending: _Pending,
    known: dict[tuple[str, str], str],
    seen: set[str],
    contract: FileContract,
    path: Path,
    encoding: str,
    name_check: NameCheck | None,
    reader: Reader,
    pii: bool,
    ahead: tuple[bytes, str, ParsedFile | None] | None = None,
) -> None:
    if ahead is not None:
        data, sha, parsed_ahead = ahead
    else:
        data = path.read_bytes()
        sha, parsed_ahead = _hash_and_parse(data, path.name, encoding, contract, name_check, reader)
    name = path.name
    if (name, sha) in known:
        return  # processed in an earlier run
    known[(name, sha)] = "pending"
    if sha in seen:
        pending.files.append(FileRecord(name, sha, "duplicate"))
        pending.result.files_skipped += 1
        return
    batch = pending.batch
    try:
        reason = name_check(name) if name_check else None
        if reason:
            raise UnreadableFile(reason)
        if parsed_ahead is not None:
            parsed = parsed_ahead
        else:
            parsed = _read(reader, data, encoding, contract)
    except UnreadableFile as exc:
        batch.quarantine(
            source_file=name,
            line_no=None,
            raw=data.decode(encoding, "backslashreplace"),
            reason=str(exc),
            pii=pii,
        )
        batch.rows_source = (batch.rows_source or 0) + 1  # the file, as one record
        status = "quarantined"
    else:
        table = parsed.table(name)
        if pending.columns is not None and table.column_names != pending.columns:
            pending.commit()  # another header: its own Parquet file, so no column is dropped
            batch = pending.batch
        if table.num_rows:
            pending.columns = table.column_names
            pending.write(table, parsed.raw_of)
        for line_no, raw, reason in parsed.bad:
            batch.quarantine(source_file=name, line_no=line_no, raw=raw, reason=reason, pii=pii)
        batch.rows_source = (batch.rows_source or 0) + parsed.records
        status = "loaded"
    seen.add(sha)
    pending.files.append(FileRecord(name, sha, status))

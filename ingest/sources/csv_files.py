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

import csv
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ingest.contracts import FileContract
from ingest.landing import FileRecord, Landing
from ingest.result import LoadResult

log = logging.getLogger(__name__)


class UnreadableFile(Exception):
    """The file as a whole breaks the contract; the message is the quarantine reason."""


@dataclass
class ParsedFile:
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line_no, fields)
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # (line_no, raw, reason)

    def table(self, file_name: str) -> pa.Table:
        columns = {
            name: pa.array([fields[i] for _, fields in self.rows], pa.string())
            for i, name in enumerate(self.header)
        }
        columns["_source_file"] = pa.array([file_name] * len(self.rows), pa.string())
        columns["_source_line"] = pa.array([line for line, _ in self.rows], pa.int64())
        return pa.table(columns)


def _split_record(text: str) -> list[str]:
    return next(csv.reader([text]), [])


def parse_csv(data: bytes, encoding: str, contract: FileContract) -> ParsedFile:
    """Decode and check one file; raises UnreadableFile when it cannot be read at all."""
    if not data.strip():
        raise UnreadableFile("empty file")
    lines = data.splitlines(keepends=True)
    if not lines[-1].endswith((b"\n", b"\r")):
        raise UnreadableFile("truncated: the last line has no line end (cut off mid-row)")
    try:
        header_text = lines[0].decode(encoding).lstrip("\ufeff").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"header is not valid {encoding}: {exc.reason}") from None
    header = [name.strip() for name in _split_record(header_text)]
    missing = [c for c in contract.columns if c not in header]
    if missing:
        raise UnreadableFile(f"missing required columns: {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise UnreadableFile(f"duplicate column names in header: {header}")

    parsed = ParsedFile(header=header)
    i = 1
    while i < len(lines):
        line_no = i + 1
        try:
            text = lines[i].decode(encoding)
        except UnicodeDecodeError as exc:
            raw = lines[i].decode(encoding, "backslashreplace").rstrip("\r\n")
            parsed.bad.append((line_no, raw, f"undecodable as {encoding}: {exc.reason}"))
            i += 1
            continue
        i += 1
        # a quoted field may span lines: extend the record until its quotes balance
        while text.count('"') % 2 and i < len(lines):
            try:
                text += lines[i].decode(encoding)
            except UnicodeDecodeError:
                break
            i += 1
        if text.count('"') % 2 and i >= len(lines):
            raise UnreadableFile(f"truncated: unterminated quoted field from line {line_no}")
        record = text.rstrip("\r\n")
        if not record.strip():
            continue
        fields = _split_record(record)
        if len(fields) != len(header):
            parsed.bad.append(
                (line_no, record, f"expected {len(header)} columns, got {len(fields)}")
            )
            continue
        reason = contract.check(dict(zip(header, fields, strict=True)))
        if reason:
            parsed.bad.append((line_no, record, reason))
            continue
        parsed.rows.append((line_no, fields))
    return parsed


# A check on the file name before reading it: returns a reason to quarantine it whole, or None.
NameCheck = Callable[[str], str | None]


def load_files(
    landing: Landing,
    *,
    source: str,
    source_id: str,
    contract: FileContract,
    paths: Iterable[Path],
    encoding: str,
    name_check: NameCheck | None = None,
) -> LoadResult:
    """Land the new files of one (source, object, source_id), one batch per file, in name order."""
    result = LoadResult(source=source, object=contract.object, source_id=source_id)
    errors: list[str] = []
    with landing.scope(source, contract.object, source_id):
        for path in sorted(paths, key=lambda p: p.name):
            try:
                _load_file(landing, result, source, source_id, contract, path, encoding, name_check)
            except Exception as exc:  # one file failing must not stop the others
                log.exception("%s/%s/%s: %s failed", source, contract.object, source_id, path)
                errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
    result.error = "; ".join(errors) or None
    return result


def _load_file(
    landing: Landing,
    result: LoadResult,
    source: str,
    source_id: str,
    contract: FileContract,
    path: Path,
    encoding: str,
    name_check: NameCheck | None,
) -> None:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = path.name
    if landing.file_status(source, source_id, name, sha) is not None:
        return  # processed in an earlier run
    batch = landing.new_batch(source, contract.object, source_id)
    with batch:
        if landing.content_seen(source, source_id, sha) is not None:
            batch.commit(files=[FileRecord(name, sha, "duplicate")])
            result.files_skipped += 1
            return
        try:
            reason = name_check(name) if name_check else None
            if reason:
                raise UnreadableFile(reason)
            parsed = parse_csv(data, encoding, contract)
        except UnreadableFile as exc:
            batch.quarantine(
                source_file=name,
                line_no=None,
                raw=data.decode(encoding, "backslashreplace"),
                reason=str(exc),
            )
            status = "quarantined"
        else:
            batch.write(parsed.table(name))
            for line_no, raw, reason in parsed.bad:
                batch.quarantine(source_file=name, line_no=line_no, raw=raw, reason=reason)
            status = "loaded"
        committed = batch.commit(files=[FileRecord(name, sha, status)])
    if committed is not None:
        if committed.path is not None or committed.quarantine_path is not None:
            result.batch_id = committed.batch_id
        result.rows_loaded += committed.rows
        result.rows_quarantined += committed.quarantined

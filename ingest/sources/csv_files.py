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

import hashlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from ingest.contracts import FileContract
from ingest.landing import FileRecord, Landing
from ingest.result import LoadResult
from ingest.sources.file_formats import (
    ParsedFile,
    Reader,
    UnreadableFile,
    parse_csv,
    read_csv,
)

__all__ = ["ParsedFile", "UnreadableFile", "load_files", "parse_csv", "read_csv"]

log = logging.getLogger(__name__)


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
    reader: Reader = read_csv,
    pii: bool = False,
) -> LoadResult:
    """Land the new files of one (source, object, source_id), one batch per file, in name order."""
    result = LoadResult(source=source, object=contract.object, source_id=source_id)
    errors: list[str] = []
    with landing.scope(source, contract.object, source_id):
        for path in sorted(paths, key=lambda p: p.name):
            try:
                _load_file(
                    landing,
                    result,
                    source,
                    source_id,
                    contract,
                    path,
                    encoding,
                    name_check,
                    reader,
                    pii,
                )
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
    reader: Reader,
    pii: bool,
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
            parsed = reader(data, encoding, contract)
        except UnreadableFile as exc:
            batch.quarantine(
                source_file=name,
                line_no=None,
                raw=data.decode(encoding, "backslashreplace"),
                reason=str(exc),
                pii=pii,
            )
            batch.rows_source = 1  # the file, as one record
            status = "quarantined"
        else:
            batch.write(parsed.table(name))
            for line_no, raw, reason in parsed.bad:
                batch.quarantine(source_file=name, line_no=line_no, raw=raw, reason=reason, pii=pii)
            batch.rows_source = parsed.records
            status = "loaded"
        committed = batch.commit(files=[FileRecord(name, sha, status)])
    if committed is not None and (committed.path or committed.quarantine_path):
        result.add(committed)

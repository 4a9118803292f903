"""Readers of dropped files: CSV (fast Arrow path + exact fallback), JSON lines, Excel, EDIFACT.

Every reader turns one file's bytes into a ``ParsedFile``: the contract's columns as text (as the
file has them after decoding), the physical line (or, for Excel, the sheet row; for EDIFACT, the
segment number of the line item) each record starts at, and the records that break the contract
with their reason. A file that cannot be read at all raises ``UnreadableFile`` (quarantined whole).

CSV: the whole file is decoded in Python (GBK too: DuckDB and Arrow have no GBK reader), then
parsed by ``pyarrow.csv`` with every column as text and the row rules checked vectorised; only the
rows that fail a rule are looked at one by one, for their reason. Files the fast path cannot map
to physical lines exactly (a quoted field spanning lines, blank lines, a row with the wrong column
count, undecodable bytes) go through the exact line-by-line parser (``parse_csv``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest import contracts
from ingest.contracts import FileContract


class UnreadableFile(Exception):
    """The file as a whole breaks the contract; the message is the quarantine reason."""


@dataclass
class ParsedFile:
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line_no, fields)
    bad: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, raw, reason)
    arrow: pa.Table | None = None  # the good rows' columns (fast readers), plus _source_line
    # set when the row rules are still to be checked (``check_rows``, over many files at once)
    raw_of: Callable[[int], str] | None = None
    # ``arrow`` already holds _source_file too (files parsed together, named as they were read)
    named: bool = False

    @property
    def good(self) -> int:
        return self.arrow.num_rows if self.arrow is not None else len(self.rows)

    @property
    def records(self) -> int:
        """Records read from the file: landed + quarantined."""
        return self.good + len(self.bad)

    def table(self, file_name: str) -> pa.Table:
        if self.named and self.arrow is not None:
            return self.arrow
        if self.arrow is not None:
            table = self.arrow.drop_columns(["_source_line"])
            lines = self.arrow.column("_source_line")
        else:
            table = pa.table(
                {
                    name: pa.array([fields[i] for _, fields in self.rows], pa.string())
                    for i, name in enumerate(self.header)
                }
            )
            lines = pa.array([line for line, _ in self.rows], pa.int64())
        # typed indices: with no rows, an untyped ``[0] * 0`` is a null array ``take`` rejects
        n = table.num_rows
        names = pa.array([file_name], pa.string()).take(pa.array([0] * n, pa.int32()))
        table = table.append_column("_source_file", names)
        return table.append_column("_source_line", lines)


# --- vectorised row rules -------------------------------------------------------------------
def _trimmed(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(values.fill_null(""))


def _regex(pattern: str) -> Callable[[pa.Array], pa.Array]:
    return lambda values: pc.match_substring_regex(_trimmed(values), f"^(?:{pattern})$")


def _date_like(fmt: str, pattern: str) -> Callable[[pa.Array], pa.Array]:
    """Shape by regex; validity by Arrow's strict ISO date cast over the whole column (fast),
    or, when some value is no real date (31/02), by a parse-and-print round trip (slow, exact)."""
    shape = _regex(pattern)
    iso = {"%Y-%m-%d": None, "%d/%m/%Y": (r"^(\d{2})/(\d{2})/(\d{4})$", r"\3-\2-\1")}

    def round_trip(text: pa.Array) -> pa.Array:
        parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        # Arrow normalises 31/02 to 03/03: a valid value prints back to itself
        return pc.fill_null(pc.equal(pc.strftime(parsed, format=fmt), text), False)

    def ok(values: pa.Array) -> pa.Array:
        text = _trimmed(values)
        shaped = shape(values)
        if fmt in iso:
            rewrite = iso[fmt]
            as_iso = text if rewrite is None else pc.replace_substring_regex(text, *rewrite)
            try:
                pc.if_else(shaped, as_iso, "2000-01-01").cast(pa.date32())
                return shaped
            except pa.ArrowInvalid:
                pass
        return pc.and_(shaped, round_trip(text))

    return ok


_VECTOR_RULES: dict[Callable[[str], str | None], Callable[[pa.Array], pa.Array]] = {
    contracts.required: lambda values: pc.greater(pc.utf8_length(_trimmed(values)), 0),
    contracts.number: _regex(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    contracts.integer: _regex(r"[+-]?\d+"),
    contracts.date_dmy: _date_like("%d/%m/%Y", r"\d{2}/\d{2}/\d{4}"),
    # exactly what the row rule accepts (strptime, then a real time: seconds up to 59)
    contracts.time_hms: _regex(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d"),
    contracts.date_iso: _date_like("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"),
}


# --- fast proofs that a whole column passes a rule ----------------------------------------------
# The rules above run regular expressions over every value. Most columns are clean and of one
# shape, which numpy can prove over Arrow's byte buffer at a fraction of the cost; when the proof
# fails (any odd value), the column goes through the rule above, which finds the rows.
_DIGITS = np.zeros(256, dtype=bool)
_DIGITS[ord("0") : ord("9") + 1] = True


def _byte_set(chars: str) -> np.ndarray:
    table = _DIGITS.copy()
    for c in chars:
        table[ord(c)] = True
    return table


_NUMBER_BYTES = _byte_set(".+-")
_INTEGER_BYTES = _byte_set("+-")


def _buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """(offsets, bytes) of a string array without nulls, as numpy views (no copy)."""
    if values.null_count or values.type != pa.string() or len(values) == 0:
        return None
    _, offsets, data = values.buffers()
    offsets = np.frombuffer(offsets, np.int32, len(values) + 1, values.offset * 4)
    if data is None:
        return offsets, np.zeros(0, np.uint8)
    return offsets, np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]


def _only(values: pa.Array, allowed: np.ndarray) -> bool:
    """Every value non-empty and made of the allowed bytes."""
    parts = _buffers(values)
    if parts is None:
        return False
    offsets, data = parts
    return bool(np.all(np.diff(offsets) > 0) and allowed[data].all())


def _fixed(values: pa.Array, shape: str) -> np.ndarray | None:
    """The values as an (n, width) byte matrix when every one has ``shape`` ('d' a digit, any
    other character itself), else None."""
    parts = _buffers(values)
    if parts is None:
        return None
    offsets, data = parts
    width = len(shape)
    if len(data) != width * len(values) or not np.all(np.diff(offsets) == width):
        return None
    block = data.reshape(len(values), width)
    for j, c in enumerate(shape):
        column = block[:, j]
        if not (_DIGITS[column].all() if c == "d" else (column == ord(c)).all()):
            return None
    return block


def _casts(values: pa.Array, to: pa.DataType) -> bool:
    try:
        values.cast(to)
        return True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False


def _all_required(values: pa.Array) -> bool:
    # every value starts with a printable ASCII character other than a space: not blank
    parts = _buffers(values)
    if parts is None:
        return False
    offsets, data = parts
    if not np.all(np.diff(offsets) > 0):
        return False
    first = data[offsets[:-1] - offsets[0]]
    return bool(np.all((first > 0x20) & (first < 0x7F)))


def _all_number(values: pa.Array) -> bool:
    # digits, sign and point only, and Arrow reads every value as a number: the rule's
    # [+-]?(\d+(\.\d*)?|\.\d+) (no exponent, no inf/nan: those need letters)
    return _only(values, _NUMBER_BYTES) and _casts(values, pa.float64())


def _all_integer(values: pa.Array) -> bool:
    return _only(values, _INTEGER_BYTES) and _casts(values, pa.int64())


def _all_date_dmy(values: pa.Array) -> bool:
    block = _fixed(values, "dd/dd/dddd")
    if block is None:
        return False
    iso = block[:, [6, 7, 8, 9, 2, 3, 4, 5, 0, 1]].copy()  # yyyy/mm/dd... then the dashes
    iso[:, 4] = iso[:, 7] = ord("-")
    iso[:, 5:7] = block[:, 3:5]
    n = len(values)
    text = pa.Array.from_buffers(
        pa.string(),
        n,
        [None, pa.py_buffer(np.arange(0, 10 * n + 1, 10, dtype=np.int32)), pa.py_buffer(iso)],
    )
    return _casts(text, pa.date32())


def _all_date_iso(values: pa.Array) -> bool:
    return _fixed(values, "dddd-dd-dd") is not None and _casts(values, pa.date32())


def _all_time_hms(values: pa.Array) -> bool:
    block = _fixed(values, "dd:dd:dd")
    if block is None:
        return False
    digits = block.astype(np.int16) - ord("0")
    hours = digits[:, 0] * 10 + digits[:, 1]
    return bool(np.all(hours < 24) and np.all(digits[:, 3] < 6) and np.all(digits[:, 6] < 6))


_ALL_PASS: dict[Callable[[str], str | None], Callable[[pa.Array], bool]] = {
    contracts.required: _all_required,
    contracts.number: _all_number,
    contracts.integer: _all_integer,
    contracts.date_dmy: _all_date_dmy,
    contracts.time_hms: _all_time_hms,
    contracts.date_iso: _all_date_iso,
}


def failing_rows(table: pa.Table, contract: FileContract) -> list[int]:
    """Indexes of the rows that break a row rule (vectorised; the reasons come from
    ``contract.check`` on those rows only)."""
    ok = None
    for column, rules in contract.rules.items():
        values = table.column(column).combine_chunks()
        for rule in rules:
            if _ALL_PASS[rule](values):
                continue
            passed = pc.fill_null(_VECTOR_RULES[rule](values), False)
            ok = passed if ok is None else pc.and_(ok, passed)
    if ok is None:
        return []
    return pc.indices_nonzero(pc.invert(ok)).to_pylist()


def _check_header(header: list[str], contract: FileContract) -> None:
    missing = [c for c in contract.columns if c not in header]
    if missing:
        raise UnreadableFile(f"missing required columns: {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise UnreadableFile(f"duplicate column names in header: {header}")


def _split_good_bad(
    table: pa.Table,
    lines: pa.Array,
    contract: FileContract,
    raw_of: Callable[[int], str],
    check: bool = True,
) -> ParsedFile:
    """Check the rules over a text table; bad rows leave it with their reason. ``check=False``
    leaves the rules to ``check_rows`` (over many files at once)."""
    header = table.column_names
    table = table.append_column("_source_line", lines)
    if not check:
        return ParsedFile(header=header, arrow=table, raw_of=raw_of)
    failing = failing_rows(table, contract)
    parsed = ParsedFile(header=header)
    if failing:
        for i in failing:
            row = {name: (table.column(name)[i].as_py() or "") for name in contract.rules}
            line = lines[i].as_py()
            parsed.bad.append((line, raw_of(i), contract.check(row) or "breaks a row rule"))
        keep = pa.array([True] * table.num_rows)
        mask = [True] * table.num_rows
        for i in failing:
            mask[i] = False
        keep = pa.array(mask)
        table = table.filter(keep)
    parsed.arrow = table
    return parsed


# --- CSV ------------------------------------------------------------------------------------
def _split_record(text: str) -> list[str]:
    return next(csv.reader([text]), [])


def _whole_file_checks(data: bytes) -> None:
    if not data or data.isspace():  # isspace: no copy of a large file (strip() made one)
        raise UnreadableFile("empty file")
    if not data.endswith((b"\n", b"\r")):
        raise UnreadableFile("truncated: the last line has no line end (cut off mid-row)")


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8")


@dataclass
class _CsvFile:
    """A CSV file made ready for Arrow: its data lines as UTF-8 (the lines that do not decode cut
    out and kept as bad rows), with what maps Arrow's rows back to physical lines."""

    data: bytes  # as delivered
    encoding: str
    header: list[str]
    body: bytes  # the data lines after the header, UTF-8
    lines: int  # data lines in ``body``
    cut: list[int] = field(default_factory=list)  # physical lines cut out of ``body``
    bad: list[tuple[int | None, str, str]] = field(default_factory=list)
    quoted: bool = False  # has a quote character (a record might span lines)


def _decode_lines(
    rest: bytes, encoding: str, first_line: int
) -> tuple[bytes, list[int], list[tuple[int | None, str, str]]]:
    """``rest`` (whole lines, ``first_line`` the physical number of its first) as UTF-8 in one
    decode call; when a line does not decode, only that line is decoded again on its own (for
    the reason the exact parser gives) and cut out, and decoding goes on after it."""
    try:
        text = rest.decode(encoding)
    except UnicodeDecodeError:
        pass
    else:
        return (rest if _is_utf8(encoding) else text.encode("utf-8")), [], []
    view = memoryview(rest)
    pieces: list[str] = []
    cut: list[int] = []
    bad: list[tuple[int | None, str, str]] = []
    pos, line_no = 0, first_line
    while pos < len(rest):
        try:
            pieces.append(str(view[pos:], encoding))
            break
        except UnicodeDecodeError as exc:
            at = pos + exc.start
            start = max(rest.rfind(b"\n", pos, at) + 1, pos)
            end = rest.find(b"\n", at)
            end = len(rest) if end < 0 else end + 1
            pieces.append(str(view[pos:start], encoding))
            line_no += rest.count(b"\n", pos, start)
            line = rest[start:end]
            try:
                line.decode(encoding)
                reason = exc.reason
            except UnicodeDecodeError as alone:
                reason = alone.reason
            raw = line.decode(encoding, "backslashreplace").rstrip("\r\n")
            bad.append((line_no, raw, f"undecodable as {encoding}: {reason}"))
            cut.append(line_no)
            line_no += 1
            pos = end
    return "".join(pieces).encode("utf-8"), cut, bad


def _prepare_csv(data: bytes, encoding: str, contract: FileContract) -> _CsvFile | None:
    """The file ready for ``pyarrow.csv``, or None when only the exact parser reads it right
    (blank lines, a lone ``\\r``, an undecodable header). Raises ``UnreadableFile`` for the
    faults of the whole file. Checks run on the bytes: in UTF-8 and GBK alike the bytes of
    ``\\n``, ``\\r`` and ``"`` never occur inside a multibyte character."""
    _whole_file_checks(data)
    if b"\n\n" in data or b"\n\r\n" in data:
        return None  # blank lines: Arrow skips them and line numbers would shift
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone \r: the exact parser splits lines there
    first_end = data.find(b"\n")
    try:
        header_text = data[:first_end].decode(encoding)
    except UnicodeDecodeError:
        return None  # the exact parser says why
    header_text = header_text.lstrip("\ufeff").rstrip("\r")
    header = [name.strip() for name in _split_record(header_text)]
    _check_header(header, contract)
    rest = data[first_end + 1 :]
    if _is_utf8(encoding):
        # Arrow checks UTF-8 as it parses; a file it rejects is decoded line by line then
        body, cut, bad = rest, [], []
    else:
        body, cut, bad = _decode_lines(rest, encoding, 2)
    return _CsvFile(
        data=data,
        encoding=encoding,
        header=header,
        body=body,
        lines=body.count(b"\n"),
        cut=cut,
        bad=bad,
        quoted=b'"' in rest,
    )


# Arrow's parallel reader pays off only for large inputs, and only with small blocks: with
# 16 MiB blocks a 60 MB file made 4 tasks and took longer than one thread (measured on 2 busy
# cores: 1 MiB blocks on threads 0.23-0.85 s, one thread 0.37-0.60 s, 16 MiB blocks 0.66-1.39 s).
CSV_THREADS_BYTES = 1 << 22
CSV_THREAD_BLOCK = 1 << 20


def _arrow_csv(
    body: bytes, header: list[str], on_invalid: Callable[[Any], str] | None = None
) -> pa.Table:
    if not body:
        return pa.table({name: pa.array([], pa.string()) for name in header})
    threads = on_invalid is None and len(body) > CSV_THREADS_BYTES
    return pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(
            column_names=header,
            block_size=CSV_THREAD_BLOCK if threads else min(len(body) + 1024, 1 << 24),
            use_threads=threads,
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _parse_group(files: list[_CsvFile], names: list[str] | None) -> list[ParsedFile | None]:
    """Files with one header parsed with one ``pyarrow.csv`` call. A row with the wrong column
    count is set aside by Arrow (its row number says which file and line) and quarantined as
    the exact parser would; a file Arrow cannot read that way is left to the exact parser
    (None)."""
    header = files[0].header
    body = files[0].body if len(files) == 1 else b"".join(f.body for f in files)
    skipped: list[tuple[int, int, str]] = []  # (row in body, columns found, text)

    def set_aside(row: Any) -> str:
        if row.number is None:
            return "error"
        skipped.append((row.number - 1, row.actual_columns, row.text))
        return "skip"

    try:
        table = _arrow_csv(body, header)
    except pa.ArrowInvalid:
        # invalid UTF-8 (cut out line by line) or a row with the wrong column count (set aside)
        # in some file: again, row by row, with quoted files (a record might span lines) alone
        if any(f.quoted for f in files) and len(files) > 1:
            each = names or [""] * len(files)
            return [
                p
                for f, n in zip(files, each, strict=True)
                for p in _parse_group([f], None if names is None else [n])
            ]
        for f in files:
            if f.cut or not _is_utf8(f.encoding):
                continue
            try:
                f.body.decode("utf-8")
            except UnicodeDecodeError:
                f.body, f.cut, f.bad = _decode_lines(f.body, f.encoding, 2)
                f.lines = f.body.count(b"\n")
        body = files[0].body if len(files) == 1 else b"".join(f.body for f in files)
        skipped.clear()
        try:
            table = _arrow_csv(body, header, None if files[0].quoted else set_aside)
        except pa.ArrowInvalid:
            return [None] * len(files)
    if table.num_rows != sum(f.lines for f in files) - len(skipped):
        return [None] * len(files)  # a record spans lines: the exact parser joins them

    # physical line of every row: per file 2, 3, ... without the lines cut out or set aside
    starts = np.cumsum([0] + [f.lines for f in files])
    aside_by_file: list[list[tuple[int, int, str]]] = [[] for _ in files]
    for row, columns, text in skipped:
        j = int(np.searchsorted(starts, row, side="right")) - 1
        aside_by_file[j].append((row - int(starts[j]), columns, text))
    line_parts, counts, parsed = [], [], []
    for f, aside in zip(files, aside_by_file, strict=True):
        physical = np.arange(2, 2 + f.lines + len(f.cut), dtype=np.int64)
        if f.cut:
            physical = physical[~np.isin(physical, f.cut)]
        bad = list(f.bad)
        if aside:
            at = np.array([i for i, _, _ in aside], dtype=np.int64)
            for (_, columns, text), line in zip(aside, physical[at].tolist(), strict=True):
                record = text.rstrip("\r\n")
                if record.strip():  # the exact parser skips a line of blanks
                    bad.append((line, record, f"expected {len(header)} columns, got {columns}"))
            physical = np.delete(physical, at)
        bad.sort(key=lambda b: b[0] or 0)
        line_parts.append(physical)
        counts.append(len(physical))
        parsed.append(ParsedFile(header=header, bad=bad, raw_of=_raw_of(f, physical)))
    if names is not None:
        file_index = np.repeat(np.arange(len(files), dtype=np.int32), counts)
        table = table.append_column(
            "_source_file", pa.array(names, pa.string()).take(pa.array(file_index))
        )
    table = table.append_column(
        "_source_line", pa.array(np.concatenate(line_parts) if line_parts else [], pa.int64())
    )
    start = 0
    for p, n in zip(parsed, counts, strict=True):
        p.arrow = table.slice(start, n)
        p.named = names is not None
        start += n
    return parsed


def _raw_of(f: _CsvFile, physical: np.ndarray) -> Callable[[int], str]:
    """Row i's physical line as delivered (only asked for the rows that break a rule)."""
    lines: list[bytes] = []

    def raw_of(i: int) -> str:
        if not lines:
            lines.extend(f.data.split(b"\n"))
        line = lines[int(physical[i]) - 1]
        return line.decode(f.encoding, "backslashreplace").rstrip("\r")

    return raw_of


def parse_csv_fast(
    data: bytes, encoding: str, contract: FileContract, check: bool = True
) -> ParsedFile | None:
    """The Arrow path; None when the file needs the exact parser. ``check=False`` leaves the
    row rules to ``check_rows`` (the rows are then in ``arrow``, unchecked, with ``raw_of``)."""
    prepared = _prepare_csv(data, encoding, contract)
    if prepared is None:
        return None
    (parsed,) = _parse_group([prepared], None)
    if parsed is None or not check:
        return parsed
    assert parsed.arrow is not None and parsed.raw_of is not None
    checked = _split_good_bad(
        parsed.arrow.drop_columns(["_source_line"]),
        parsed.arrow.column("_source_line"),
        contract,
        parsed.raw_of,
    )
    checked.bad = sorted(parsed.bad + checked.bad, key=lambda b: b[0] or 0)
    return checked


def parse_csv_many(
    datas: list[bytes], encoding: str, contract: FileContract, names: list[str] | None = None
) -> list[ParsedFile | None]:
    """Many files parsed with one ``pyarrow.csv`` call per header (its fixed cost, a few thread
    hand-offs, dominates a small file); each result equals
    ``read_csv(data, encoding, contract, check=False)`` with the file's name already in its
    rows (``names``). None for a file that needs its own read (see ``_prepare_csv``)."""
    names = names if names is not None else [""] * len(datas)
    out: list[ParsedFile | None] = [None] * len(datas)
    groups: dict[tuple[str, ...], list[int]] = {}
    prepared: dict[int, _CsvFile] = {}
    for i, data in enumerate(datas):
        try:
            ready = _prepare_csv(data, encoding, contract)
        except UnreadableFile:
            continue  # read alone, it is quarantined with the reason
        if ready is not None:
            prepared[i] = ready
            key = tuple(ready.header) if not ready.quoted else (str(i), *ready.header)
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        results = _parse_group([prepared[i] for i in members], [names[i] for i in members])
        for i, result in zip(members, results, strict=True):
            out[i] = result
    return out


def check_rows(
    files: list[tuple[pa.Table, Callable[[int], str]]], contract: FileContract
) -> tuple[pa.Table, list[tuple[str, int, str, str]]]:
    """The row rules over the unchecked rows of many files at once (one vectorised pass instead
    of one per small file). ``files``: (rows as ``ParsedFile.table`` gives them, the file's
    ``raw_of``). Returns the good rows and (file, line, raw, reason) of the bad ones."""
    table = pa.concat_tables([t for t, _ in files])
    failing = failing_rows(table, contract)
    if not failing:
        return table, []
    starts, total = [], 0
    for t, _ in files:
        starts.append(total)
        total += t.num_rows
    bad = []
    import bisect

    for i in failing:
        j = bisect.bisect_right(starts, i) - 1
        local = i - starts[j]
        row = {name: (table.column(name)[i].as_py() or "") for name in contract.rules}
        bad.append(
            (
                table.column("_source_file")[i].as_py(),
                table.column("_source_line")[i].as_py(),
                files[j][1](local),
                contract.check(row) or "breaks a row rule",
            )
        )
    mask = [True] * table.num_rows
    for i in failing:
        mask[i] = False
    return table.filter(pa.array(mask)), bad


def parse_csv(data: bytes, encoding: str, contract: FileContract) -> ParsedFile:
    """The exact line-by-line parser; raises UnreadableFile when the file cannot be read."""
    _whole_file_checks(data)
    lines = data.splitlines(keepends=True)
    try:
        header_text = lines[0].decode(encoding).lstrip("\ufeff").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"header is not valid {encoding}: {exc.reason}") from None
    header = [name.strip() for name in _split_record(header_text)]
    _check_header(header, contract)

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


# Below this size the line-by-line parser is faster than Arrow's fixed cost per call.
SMALL_FILE_BYTES = 2_048


def read_csv(data: bytes, encoding: str, contract: FileContract, check: bool = True) -> ParsedFile:
    if len(data) < SMALL_FILE_BYTES:
        return parse_csv(data, encoding, contract)
    fast = parse_csv_fast(data, encoding, contract, check=check)
    return fast or parse_csv(data, encoding, contract)


# --- JSON lines -----------------------------------------------------------------------------
def _json_text(value: object) -> str | None:
    """A JSON value as text; numbers written as Arrow writes them (shortest form, ``12`` for
    ``12.0``), so the fast and the line-by-line reader land the same text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return json.dumps(value, ensure_ascii=False)


# Below this size a JSON lines file is read line by line (orjson): Arrow's JSON reader costs
# about a millisecond a call whatever the size, more than a small supplier file takes alone.
JSONL_ARROW_BYTES = 1 << 16


def _read_jsonl_fast(
    body: bytes, encoding: str, contract: FileContract, check: bool = True
) -> ParsedFile | None:
    """Arrow's JSON reader over the UTF-8 bytes; None when the file needs the line-by-line
    reader (a bad or blank line, nested values, invalid UTF-8)."""
    import pyarrow.json as pajson

    # a blank line (Arrow skips it) shows below as fewer rows than lines
    if body.startswith((b"\n", b"\r")):
        return None
    read_options = pajson.ReadOptions(block_size=1 << 20, use_threads=True)
    try:
        # Arrow would read "2026-03-01" as a timestamp: infer the types on the first lines,
        # then read everything with those columns as text
        head = body[: body.find(b"\n", 1 << 16) + 1] if len(body) > 1 << 16 else body
        inferred = pajson.read_json(pa.BufferReader(head), read_options=read_options).schema
        schema = pa.schema(
            [
                pa.field(f.name, pa.string())
                if pa.types.is_temporal(f.type) or pa.types.is_null(f.type)
                else f
                for f in inferred
            ]
        )
        table = pajson.read_json(
            pa.BufferReader(body),
            read_options=read_options,
            parse_options=pajson.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="infer"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if any(pa.types.is_temporal(t) for t in table.schema.types):
        return None
    if table.num_rows != body.count(b"\n"):
        return None
    columns = {}
    for name in contract.columns:
        if name not in table.column_names:
            columns[name] = pa.nulls(table.num_rows, pa.string())
            continue
        column = table.column(name)
        if pa.types.is_nested(column.type):
            return None
        # Arrow prints 1e15 and up in exponent form; below, whole numbers without ".0" (as
        # _json_text does); leave the big ones to the line-by-line reader
        if (
            pa.types.is_floating(column.type)
            and pc.any(pc.greater_equal(pc.abs(column), 1e15)).as_py()
        ):
            return None
        columns[name] = column.cast(pa.string()).combine_chunks()
    physical: list[bytes] = []

    def raw_of(i: int) -> str:
        if not physical:
            physical.extend(body.split(b"\n"))
        return physical[i].decode("utf-8", "backslashreplace").rstrip("\r")

    lines = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return _split_good_bad(pa.table(columns), lines, contract, raw_of, check)


def _json_line(line: str) -> object:
    """One line's value: orjson, or the standard library where orjson refuses what it reads
    (NaN, integers past 64 bits) or to word the reason the same way."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def read_jsonl(
    data: bytes, encoding: str, contract: FileContract, check: bool = True
) -> ParsedFile:
    """One JSON object per line; values land as text (non-strings as their JSON text)."""
    _whole_file_checks(data)
    if len(data) >= JSONL_ARROW_BYTES:
        if _is_utf8(encoding):
            # Arrow checks UTF-8; a file it rejects is decoded below
            body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        else:
            try:
                body = data.decode(encoding).lstrip("\ufeff").encode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnreadableFile(f"not valid {encoding}: {exc.reason}") from None
        fast = _read_jsonl_fast(body, encoding, contract, check)
        if fast is not None:
            return fast
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not valid {encoding}: {exc.reason}") from None
    header = list(contract.columns)
    values: dict[str, list[str | None]] = {name: [] for name in header}
    lines: list[int] = []
    raws: list[str] = []
    bad: list[tuple[int | None, str, str]] = []
    for line_no, line in enumerate(text.split("\n")[:-1], start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            record = _json_line(line)
        except ValueError as exc:
            bad.append((line_no, line, f"not JSON: {exc}"))
            continue
        if not isinstance(record, dict):
            bad.append((line_no, line, "not a JSON object"))
            continue
        for name in header:
            values[name].append(_json_text(record.get(name)))
        lines.append(line_no)
        raws.append(line)
    table = pa.table({name: pa.array(values[name], pa.string()) for name in header})
    parsed = _split_good_bad(table, pa.array(lines, pa.int64()), contract, raws.__getitem__, check)
    parsed.bad = bad + parsed.bad
    return parsed


# --- Excel ----------------------------------------------------------------------------------
def _cell_text(value: object) -> str:
    """A cell as the text a user sees (whole numbers without ``.0``, dates ``yyyy-mm-dd``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _looks_like_header(cells: list[str], contract: FileContract) -> bool:
    """A row that is column labels, not data: every non-empty cell is text that fails the number
    and date rules of its column (e.g. a second header row of units or translations)."""
    rows = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(contract.columns)}
    typed = [
        (column, rule)
        for column, rules in contract.rules.items()
        for rule in rules
        if rule is not contracts.required
    ]
    return bool(typed) and all(rule(rows[column]) for column, rule in typed) and any(cells)


# Sheets up to this many rows are shaped in Python (Arrow's per-call cost dominates a small one).
XLSX_ARROW_ROWS = 2_000
# Files below this size go to python-calamine directly: for a sheet of a few rows fastexcel's
# strict type pass costs more (measured ~220 us vs ~80 us of CPU a file on the chain's ASNs).
XLSX_FASTEXCEL_BYTES = 1 << 16


def _fastexcel_cells(data: bytes) -> pa.RecordBatch | None:
    """The first sheet's cells when every one is text or empty (fastexcel: Rust calamine
    straight to Arrow), from sheet row 1 even when it is empty (row numbers stay the sheet's).
    None when a cell holds a number, date or boolean (fastexcel would print it otherwise than
    ``_cell_text``: 15 significant digits, dates with their clock) or it cannot read the file."""
    import fastexcel

    try:
        # strict, over every row: a column mixing text and numbers is an error, not coerced
        sheet = fastexcel.read_excel(data).load_sheet(
            0, header_row=None, skip_rows=0, schema_sample_rows=None, dtype_coercion="strict"
        )
        if any(c.dtype != "string" for c in sheet.available_columns()):
            return None
        return sheet.to_arrow()
    except Exception:  # fastexcel's own error types: calamine's reader says what is wrong
        return None


def _xlsx_fast(cells: pa.RecordBatch, contract: FileContract, check: bool) -> ParsedFile:
    """A large sheet of text cells shaped with Arrow (as ``_xlsx_from_rows`` does in Python)."""
    columns = [pc.fill_null(c, "") for c in cells.columns]
    blank = [pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(c)), 0) for c in columns]
    filled = pc.invert(blank[0])
    for b in blank[1:]:
        filled = pc.or_(filled, pc.invert(b))
    used = np.flatnonzero(filled.to_numpy(zero_copy_only=False))
    first = [c[0].as_py() for c in columns]
    second = [c[1].as_py() for c in columns] if len(used) and used[-1] >= 1 else None
    header = _xlsx_header(first, second, contract)
    kept = used[used >= 1]
    take = pa.array(kept)
    table = pa.table(
        {
            name: columns[j].take(take) if j < len(columns) else pa.array([""] * len(kept))
            for j, name in enumerate(header)
        }
    )

    def raw_of(i: int) -> str:  # only for the rows that break a rule
        cells_of_row = [table.column(j)[i].as_py() for j in range(len(header))]
        return json.dumps(dict(zip(header, cells_of_row, strict=True)), ensure_ascii=False)

    lines = pa.array(kept + 1, pa.int64())
    return _split_good_bad(table, lines, contract, raw_of, check)


def _xlsx_header(first: list[str], second: list[str] | None, contract: FileContract) -> list[str]:
    """Row 1's column names; raises ``UnreadableFile`` for two header rows or missing columns."""
    if not any(c.strip() for c in first) and second is None:
        raise UnreadableFile("empty sheet")
    header = [c.strip() for c in first]
    while header and not header[-1]:
        header.pop()
    if second is not None and all(c in [h.strip() for h in second] for c in contract.columns):
        raise UnreadableFile("two header rows: the column names are in row 2, row 1 is above them")
    _check_header(header, contract)
    at = [header.index(c) for c in contract.columns]
    if second is not None and _looks_like_header(
        [second[j] if j < len(second) else "" for j in at], contract
    ):
        raise UnreadableFile("two header rows: row 2 holds labels, not data")
    return header


def read_xlsx(data: bytes, encoding: str, contract: FileContract, check: bool = True) -> ParsedFile:
    """The first sheet; row 1 is the header. A sheet with two header rows (a title or group row
    above the column names, or a units/translation row below them) is quarantined whole with that
    reason: which row holds the truth is a question for the supplier, not a guess to make here.

    A sheet of text cells (what suppliers' exports hold) in a file of 64 KiB or more comes from
    fastexcel, as Arrow (several times faster than python-calamine's Python cells); any other
    sheet from python-calamine, each cell through ``_cell_text``. fastexcel starts the sheet at
    its first used column: a sheet with empty columns left of its data loses them (calamine kept
    them, named "")."""
    cells = _fastexcel_cells(data) if len(data) >= XLSX_FASTEXCEL_BYTES else None
    if cells is not None and cells.num_rows > XLSX_ARROW_ROWS:
        return _xlsx_fast(cells, contract, check)
    if cells is not None:
        rows = [
            ["" if v is None else v for v in row]
            for row in zip(*(c.to_pylist() for c in cells.columns), strict=True)
        ]
    else:
        rows = _calamine_rows(data)
    return _xlsx_from_rows(rows, contract, check)


def _calamine_rows(data: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise UnreadableFile(f"not a readable Excel file: {type(exc).__name__}: {exc}") from None
    return [[v if type(v) is str else _cell_text(v) for v in row] for row in sheet]


def _xlsx_from_rows(rows: list[list[str]], contract: FileContract, check: bool) -> ParsedFile:
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise UnreadableFile("empty sheet")
    header = [c.strip() for c in rows[0]]
    while header and not header[-1]:
        header.pop()
    if len(rows) > 1 and all(c in [h.strip() for h in rows[1]] for c in contract.columns):
        raise UnreadableFile("two header rows: the column names are in row 2, row 1 is above them")
    _check_header(header, contract)
    if len(rows) > 1 and _looks_like_header(
        [
            rows[1][header.index(c)] if header.index(c) < len(rows[1]) else ""
            for c in contract.columns
        ],
        contract,
    ):
        raise UnreadableFile("two header rows: row 2 holds labels, not data")
    width = len(header)
    kept = [
        (row_no, (row + [""] * width)[:width])
        for row_no, row in enumerate(rows[1:], start=2)
        if any(c.strip() for c in row)
    ]
    cells_by_column = list(zip(*(cells for _, cells in kept), strict=True)) or [()] * width
    table = pa.table(
        {name: pa.array(cells_by_column[j], pa.string()) for j, name in enumerate(header)}
    )

    def raw_of(i: int) -> str:  # only for the rows that break a rule
        return json.dumps(dict(zip(header, kept[i][1], strict=True)), ensure_ascii=False)

    lines = pa.array([row_no for row_no, _ in kept], pa.int64())
    return _split_good_bad(table, lines, contract, raw_of, check)


# --- EDIFACT EANCOM -------------------------------------------------------------------------
# message type -> landing object; each maps onto the same columns as the other formats
# (docs/source_contracts.md section 4):
#   header: BGM document id; NAD+SU supplier (else the UNB sender); NAD+DP/ST delivery store;
#           RFF+ON purchase order; CUX currency; DTM (format 102, yyyymmdd, landed yyyy-mm-dd)
#           137 document date (PRICAT: = valid_from), 11 despatch, 17 expected delivery.
#   line (LIN, one record each; line number = LIN's first element; GTIN = LIN item number):
#           PIA supplier article number; PRI+AAA unit cost; QTY 12 shipped, 113/21 confirmed,
#           59/52 case pack, 53 minimum order; DTM 157/194 valid from, 67/2/69 confirmed
#           delivery; a DTM inside the line overrides the header's.
EDIFACT_MESSAGES = {"PRICAT": "price_list", "ORDRSP": "order_confirmation", "DESADV": "asn"}
_ID_COLUMN = {
    "price_list": "price_list_id",
    "order_confirmation": "confirmation_id",
    "asn": "asn_id",
}
_DTM = {
    "137": "valid_from",  # the document date; only PRICAT has a column for it (a line's overrides)
    "11": "shipped_date",
    "17": "expected_date",
    "67": "confirmed_delivery_date",
    "2": "confirmed_delivery_date",
    "69": "confirmed_delivery_date",
    "157": "valid_from",
    "194": "valid_from",
}
_QTY = {
    "12": "qty_shipped",
    "113": "qty_confirmed",
    "21": "qty_confirmed",
    "53": "min_order_qty",
    "59": "case_pack",
    "52": "case_pack",
}


def _el(elements: list, i: int, j: int | None = None) -> str:
    if i >= len(elements):
        return ""
    value = elements[i]
    if isinstance(value, list):
        return str(value[j or 0]) if (j or 0) < len(value) else ""
    return str(value) if j in (None, 0) else ""


def _edi_date(text: str) -> str:
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if re.fullmatch(r"\d{8}", text) else text


def _edi_text(tag: str, elements: list) -> str:
    """A segment as EDIFACT text (``+`` between elements, ``:`` between components)."""
    parts = [":".join(map(str, e)) if isinstance(e, list) else str(e) for e in elements]
    return "+".join([tag, *parts])


def read_edifact(
    data: bytes, encoding: str, contract: FileContract, check: bool = True
) -> ParsedFile:
    """One interchange; every message of the contract's type yields one record per LIN."""
    import warnings

    from pydifact.segmentcollection import Interchange

    try:
        text = data.decode(encoding if encoding.lower() not in ("utf-8", "utf8") else "utf-8")
        with warnings.catch_warnings():  # pydifact ships no service-segment specs
            warnings.simplefilter("ignore")
            interchange = Interchange.from_str(text.strip())
            messages = list(interchange.get_messages())
    except Exception as exc:  # pydifact raises plain Exceptions for syntax errors
        raise UnreadableFile(f"not a readable EDIFACT interchange: {exc}") from None
    if not text.rstrip().endswith("'") or interchange.get_footer_segment() is None:
        raise UnreadableFile("truncated: no UNZ trailer")
    wanted = [m for m in messages if EDIFACT_MESSAGES.get(m.type) == contract.object]
    if not wanted:
        raise UnreadableFile(
            f"no {contract.object} message (found {sorted({m.type for m in messages})})"
        )
    sender = interchange.sender
    sender = str(sender[0] if isinstance(sender, list | tuple) else sender or "")
    columns: dict[str, list[str]] = {name: [] for name in contract.columns}
    lines: list[int] = []
    raws: list[str] = []
    segment_no = 1  # UNB
    for message in wanted:
        head: dict[str, str] = {"supplier_id": sender}
        items: list[tuple[int, dict[str, str], list[str]]] = []
        summary = False  # after UNS: the summary section, no longer inside the last line
        segment_no += 1  # UNH
        for seg in message.segments:
            segment_no += 1
            e = seg.elements
            if seg.tag in ("UNS", "CNT", "UNT"):
                summary = True
                continue
            in_line = bool(items) and not summary
            target = items[-1][1] if in_line else head
            if seg.tag == "BGM":
                head[_ID_COLUMN[contract.object]] = _el(e, 1)
            elif seg.tag == "NAD":
                role = _el(e, 0)
                if role == "SU":
                    head["supplier_id"] = _el(e, 1)
                elif role in ("DP", "ST"):
                    head["store_id"] = _el(e, 1)
            elif seg.tag == "RFF" and _el(e, 0, 0) == "ON":
                target["po_id"] = _el(e, 0, 1)
            elif seg.tag == "DTM" and _el(e, 0, 0) in _DTM:
                target[_DTM[_el(e, 0, 0)]] = _edi_date(_el(e, 0, 1))
            elif seg.tag == "CUX":
                head["currency"] = _el(e, 0, 1)
            elif seg.tag == "LIN":
                items.append((segment_no, {"line_no": _el(e, 0), "gtin": _el(e, 2, 0)}, []))
                in_line = True
            elif seg.tag == "PIA" and in_line:
                target["supplier_sku"] = _el(e, 1, 0)
            elif seg.tag == "PRI" and in_line:
                target["unit_cost"] = _el(e, 0, 1)
            elif seg.tag == "QTY" and _el(e, 0, 0) in _QTY:
                target[_QTY[_el(e, 0, 0)]] = _el(e, 0, 1)
            if in_line:
                items[-1][2].append(_edi_text(seg.tag, e))
        segment_no += 1  # UNT
        for line, item, segs in items:
            record = {**head, **item}
            for name in contract.columns:
                columns[name].append(record.get(name, ""))
            lines.append(line)
            raws.append("'".join(segs) + "'")
    table = pa.table({name: pa.array(columns[name], pa.string()) for name in contract.columns})
    return _split_good_bad(table, pa.array(lines, pa.int64()), contract, raws.__getitem__, check)


Reader = Callable[[bytes, str, FileContract], ParsedFile]
READERS: dict[str, tuple[str, Reader]] = {
    "csv": ("csv", read_csv),
    "jsonl": ("jsonl", read_jsonl),
    "xlsx": ("xlsx", read_xlsx),
    "edifact": ("edi", read_edifact),
}

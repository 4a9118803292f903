"""Text forms of quantities and money used by the file-based sources, and grouped CSV writing.

Built column-wise with Arrow (no Python object per value): the bench chains write tens of millions
of these.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.chain import MILLI


@lru_cache(maxsize=1)
def _fractions() -> pa.Array:
    """``""``, ``.001`` .. ``.999`` without trailing zeros, by thousandths."""
    return pa.array([""] + [f".{i:03d}".rstrip("0") for i in range(1, 1000)])


@lru_cache(maxsize=1)
def _cents() -> pa.Array:
    return pa.array([f".{i:02d}" for i in range(100)])


def _signed(value: np.ndarray, unit: int, tails: pa.Array) -> pa.Array:
    value = np.asarray(value, dtype=np.int64)
    whole, part = np.divmod(np.abs(value), unit)
    sign = pa.array(np.where(value < 0, "-", ""))
    return pc.binary_join_element_wise(
        sign, pa.array(whole).cast(pa.string()), tails.take(pa.array(part)), ""
    )


@lru_cache(maxsize=1)
def times_of_day() -> np.ndarray:
    """``HH:MM:SS`` (``S8``) for every second of a day."""
    s = np.arange(86_400)
    digits = [s // 36_000, s // 3600 % 10, s // 600 % 6, s // 60 % 10, s // 10 % 6, s % 10]
    out = np.full((86_400, 8), ord(":"), dtype=np.uint8)
    for col, d in zip((0, 1, 3, 4, 6, 7), digits, strict=True):
        out[:, col] = 48 + d
    return out.view("S8").ravel()


def qty_text(milli: np.ndarray) -> pa.Array:
    """Integer thousandths -> ``12`` / ``0.435`` / ``-1`` (Arrow strings)."""
    return _signed(milli, MILLI, _fractions())


def money_text(cents: np.ndarray) -> pa.Array:
    """Integer cents -> ``2.49`` / ``-0.05`` (Arrow strings)."""
    return _signed(cents, 100, _cents())


def fmt_qty(milli: np.ndarray) -> np.ndarray:
    """Integer thousandths -> ``12`` / ``0.435`` / ``-1``."""
    return qty_text(milli).to_numpy(zero_copy_only=False).astype(object)


def fmt_money(cents: np.ndarray) -> np.ndarray:
    """Integer cents -> ``2.49``."""
    return money_text(cents).to_numpy(zero_copy_only=False).astype(object)


def write_csv_groups(
    columns: Mapping[str, Any],
    groups: np.ndarray,
    path_for: Callable[[Any], Path],
    encoding: str,
    keys: Iterable[Any] = (),
) -> int:
    """Write one CSV per value of ``groups`` (plus header-only files for extra ``keys``).

    ``columns`` maps header -> values (Arrow strings or anything Arrow casts to text), rows in
    file order; each group's rows must be consecutive. Rows are joined with Arrow and sliced per
    file, so the cost per file is one encode and one write. A value that CSV would quote sends the
    whole call through the csv module instead (same text).
    """
    header = ",".join(columns) + "\n"
    groups = np.asarray(groups)
    n = len(groups)
    texts = [_text(v) for v in columns.values()]
    rows = pc.binary_join_element_wise(*texts, ",") if texts and n else pa.array([], pa.string())
    # a value CSV would quote (a comma, quote or line break in it): the csv module writes instead
    plain = pc.all(pc.equal(pc.count_substring(rows, ","), len(texts) - 1)).as_py() is not False
    quoted = any(pc.any(pc.match_substring(rows, ch)).as_py() for ch in '"\r\n')
    if not plain or quoted or rows.null_count:
        return _write_csv_groups_csv(list(columns), texts, groups, path_for, encoding, keys)
    rows = pc.binary_join_element_wise(rows, "\n", "")
    rows = rows.cast(pa.large_string())
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64, count=n + 1, offset=rows.offset * 8)
    data = rows.buffers()[2]
    for k, (a, b) in _group_bounds(groups, keys).items():
        body = data[offsets[a] : offsets[b]].to_pybytes() if b > a else b""
        text = header + body.decode("utf-8")
        path_for(k).write_bytes(text.encode(encoding))
    return n


def _text(values: Any) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values, dtype=object) if isinstance(values, list) else values)
    return values.cast(pa.string())


def _group_bounds(groups: np.ndarray, keys: Iterable[Any]) -> dict[Any, tuple[int, int]]:
    bounds: dict[Any, tuple[int, int]] = {}
    if len(groups):
        change = np.flatnonzero(groups[1:] != groups[:-1]) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(groups)]])
        bounds = {groups[a].item(): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
    for k in keys:
        bounds.setdefault(k, (0, 0))
    return bounds


def _write_csv_groups_csv(header, texts, groups, path_for, encoding, keys) -> int:
    rows = list(zip(*(pc.fill_null(t, "").to_pylist() for t in texts), strict=True))
    for k, (a, b) in _group_bounds(groups, keys).items():
        with path_for(k).open("w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows[a:b])
    return len(rows)

"""Text forms of quantities and money used by the file-based sources."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.chain import MILLI


def fmt_qty(milli: np.ndarray) -> np.ndarray:
    """Integer thousandths -> ``12`` / ``0.435`` / ``-1``."""
    milli = np.asarray(milli, dtype=np.int64)
    text = np.char.mod("%.3f", milli / MILLI)
    text = np.char.rstrip(np.char.rstrip(text, "0"), ".")
    return np.where(text == "-0", "0", text)


def fmt_money(cents: np.ndarray) -> np.ndarray:
    """Integer cents -> ``2.49``."""
    return np.char.mod("%.2f", np.asarray(cents, dtype=np.int64) / 100)


def write_csv_groups(
    frame: pd.DataFrame,
    key: str,
    columns: list[str],
    path_for: Callable[[Any], Path],
    encoding: str,
    keys: Iterable[Any] = (),
) -> int:
    """Write one CSV per value of ``frame[key]`` (plus header-only files for extra ``keys``).

    Uses the csv module on row tuples: pandas' ``to_csv`` costs milliseconds per call, which adds
    up over thousands of small daily files.
    """
    ordered = frame.sort_values(key, kind="stable")
    values = ordered[key].to_numpy()
    rows = list(zip(*(ordered[c].tolist() for c in columns), strict=True))
    groups: dict[Any, tuple[int, int]] = {}
    if len(values):
        change = np.flatnonzero(values[1:] != values[:-1]) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [len(values)]])
        groups = {values[a]: (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
    for k in dict.fromkeys([*groups, *keys]):
        a, b = groups.get(k, (0, 0))
        with path_for(k).open("w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows[a:b])
    return len(rows)

"""File faults: what goes wrong with delivered files, applied to the written files in place.

Row faults hit legacy sales exports (the lost line then shows as a sale movement without a POS
line); file-level faults hit supplier feeds (recorded with ``store_id``/``gtin`` null). Every
record names the file (``document_type='file'``, ``document_id`` the file name).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from python_calamine import CalamineWorkbook

from simulator.catalog import TIMEZONE
from simulator.chain import Chain
from simulator.suppliers import write_xlsx

ENCODING = "gbk"


def _record(kind: str, path: Path, store_id=None, gtin=None, product_id=None, detail="", qty=None):
    return {
        "kind": kind,
        "store_id": store_id,
        "product_id": product_id,
        "gtin": gtin,
        "document_type": "file",
        "document_id": path.name,
        "qty": qty,
        "amount": None,
        "detail": detail,
    }


def _legacy_sales(out: Path, chain: Chain) -> list[Path]:
    files = sorted((out / "legacy").glob("*/*_sales.csv"))
    return [p for p in files if p.stat().st_size > 200]


def _supplier_files(out: Path, pattern: str) -> list[str]:
    """Paths (text) of the files matching ``pattern`` in every supplier folder, sorted as paths
    (the bench chains have a million supplier files: no Path object per file)."""
    root = out / "suppliers"
    found = []
    for supplier in sorted(os.listdir(root)) if root.is_dir() else []:
        folder = os.path.join(root, supplier)
        found += [
            os.path.join(folder, n) for n in sorted(fnmatch.filter(os.listdir(folder), pattern))
        ]
    return found


def _pick(paths: list, n: int, rng: np.random.Generator) -> list[Path]:
    if not paths or n <= 0:
        return []
    return [
        Path(paths[int(i)])
        for i in sorted(rng.choice(len(paths), size=min(n, len(paths)), replace=False))
    ]


def _product_of(chain: Chain, gtin: str) -> str | None:
    hit = chain.catalog.products.loc[chain.catalog.products["gtin"] == gtin, "product_id"]
    return str(hit.iat[0]) if len(hit) else None


def _row_fault(kind: str, mutate: Callable[[list[str], np.random.Generator], bytes | list[str]]):
    """A row fault in a legacy sales file: one data row per chosen file is changed."""

    def inject(chain: Chain, out: Path, n: int, rng: np.random.Generator, used: set) -> list[dict]:
        paths = [p for p in _legacy_sales(out, chain) if str(p) not in used]
        records = []
        for path in _pick(paths, n, rng):
            used.add(str(path))
            lines = path.read_bytes().split(b"\n")
            i = int(rng.integers(1, len([x for x in lines if x])))
            cells = lines[i].decode(ENCODING).split(",")
            qty = float(cells[6])
            new = mutate(list(cells), rng)
            lines[i] = new if isinstance(new, bytes) else ",".join(new).encode(ENCODING)
            path.write_bytes(b"\n".join(lines))
            store_id, gtin = path.parent.name, cells[4]
            records.append(
                _record(
                    kind,
                    path,
                    store_id,
                    gtin,
                    _product_of(chain, gtin),
                    f"line {i + 1} (receipt {cells[0]})",
                    qty=qty,
                )
            )
        return records

    return inject


def _bad_encoding(cells: list[str], rng) -> bytes:
    parts = [c.encode(ENCODING) for c in cells]
    parts[5] = b"\xff\xfe" + parts[5][:2] + b"\x80"
    return b",".join(parts)


def _bad_date(cells: list[str], rng) -> list[str]:
    d, m, y = cells[1].split("/")
    cells[1] = f"{y}-{m}-{d}" if rng.random() < 0.5 else f"31/02/{y}"
    return cells


def _non_numeric_qty(cells: list[str], rng) -> list[str]:
    cells[6] = cells[6].replace(".", ",") + "x" if rng.random() < 0.5 else "one"
    return cells


def file_truncated(
    chain: Chain, out: Path, n: int, rng: np.random.Generator, used: set
) -> list[dict]:
    """A legacy sales export cut off mid-row; one record per product on the lost lines."""
    records = []
    for path in _pick([p for p in _legacy_sales(out, chain) if str(p) not in used], n, rng):
        used.add(str(path))
        raw = path.read_bytes()
        lines = raw.split(b"\n")
        keep = max(2, len([x for x in lines if x]) - 1)  # the last row is cut
        cut = b"\n".join(lines[:keep]) + b"\n" + lines[keep][: max(1, len(lines[keep]) // 2)]
        lost = [x.decode(ENCODING).split(",") for x in lines[keep:] if x]
        path.write_bytes(cut)
        for gtin in sorted({c[4] for c in lost}):
            records.append(
                _record(
                    "file_truncated",
                    path,
                    path.parent.name,
                    gtin,
                    _product_of(chain, gtin),
                    f"cut after line {keep}",
                )
            )
    return records


def file_duplicate(
    chain: Chain, out: Path, n: int, rng: np.random.Generator, used: set
) -> list[dict]:
    """A supplier file delivered a second time under another name (same content)."""
    records = []
    for path in _pick(_supplier_files(out, "asn_*"), n, rng):
        copy = path.with_name(f"{path.stem}-resent{path.suffix}")
        shutil.copyfile(path, copy)
        records.append(_record("file_duplicate", copy, detail=f"same content as {path.name}"))
    return records


def file_late(chain: Chain, out: Path, n: int, rng: np.random.Generator, used: set) -> list[dict]:
    """A past day's supplier file delivered at the end of the period (its modification time)."""
    end = datetime.combine(chain.preset.end_date + timedelta(days=1), time(6), ZoneInfo(TIMEZONE))
    records = []
    for path in _pick(_supplier_files(out, "order_confirmation_*"), n, rng):
        os.utime(path, (end.timestamp(), end.timestamp()))
        records.append(_record("file_late", path, detail=f"delivered {end.isoformat()}"))
    return records


def _csv_supplier_files(out: Path, chain: Chain) -> list[str]:
    return _supplier_files(out, "asn_*.csv")


def column_unexpected(
    chain: Chain, out: Path, n: int, rng: np.random.Generator, used: set
) -> list[dict]:
    records = []
    for path in _pick([p for p in _csv_supplier_files(out, chain) if p not in used], n, rng):
        used.add(str(path))
        lines = path.read_text(encoding="utf-8").splitlines()
        lines = [lines[0] + ",remark"] + [x + ",urgent" for x in lines[1:]]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        records.append(_record("column_unexpected", path, detail="extra column remark"))
    return records


def column_missing(
    chain: Chain, out: Path, n: int, rng: np.random.Generator, used: set
) -> list[dict]:
    records = []
    for path in _pick([p for p in _csv_supplier_files(out, chain) if p not in used], n, rng):
        used.add(str(path))
        lines = [x.split(",")[:-1] for x in path.read_text(encoding="utf-8").splitlines()]
        path.write_text("\n".join(",".join(x) for x in lines) + "\n", encoding="utf-8")
        records.append(_record("column_missing", path, detail="column expected_date missing"))
    return records


def excel_two_header_rows(
    chain: Chain, out: Path, n: int, rng: np.random.Generator, used: set
) -> list[dict]:
    records = []
    for path in _pick(_supplier_files(out, "*.xlsx"), n, rng):
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        write_xlsx(
            path,
            [str(c) for c in rows[0]],
            [tuple(str(c) for c in r) for r in rows[1:]],
            title=f"{path.parent.name} {path.stem} exported {chain.preset.end_date}",
        )
        records.append(_record("excel_two_header_rows", path, detail="title row above the header"))
    return records


FileInjector = Callable[[Chain, Path, int, np.random.Generator, set], list[dict]]
FILE_INJECTORS: dict[str, FileInjector] = {
    "file_duplicate": file_duplicate,
    "file_truncated": file_truncated,
    "file_late": file_late,
    "row_bad_encoding": _row_fault("row_bad_encoding", _bad_encoding),
    "row_bad_date": _row_fault("row_bad_date", _bad_date),
    "row_non_numeric_qty": _row_fault("row_non_numeric_qty", _non_numeric_qty),
    "column_unexpected": column_unexpected,
    "column_missing": column_missing,
    "excel_two_header_rows": excel_two_header_rows,
}


def apply_file_faults(chain: Chain, out: Path) -> list[dict]:
    """Break written files as configured; the records of what was done."""
    records: list[dict] = []
    used: set = set()
    for i, (kind, inject) in enumerate(FILE_INJECTORS.items()):
        spec = chain.preset.faults.get(kind)
        if spec is None:
            continue
        rng = np.random.default_rng([chain.seed, 300 + i])
        records.extend(inject(chain, out, spec.min_count, rng, used))
    return records

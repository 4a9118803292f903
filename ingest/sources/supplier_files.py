"""Supplier feeds: one folder per supplier; advance shipping notices as ``asn_<asn_id>.csv``
(UTF-8), landed as text with the same file-manifest semantics as the legacy exports."""

from __future__ import annotations

from pathlib import Path

from ingest.config import Supplier
from ingest.contracts import SUPPLIER_FILES
from ingest.landing import Landing
from ingest.result import LoadResult
from ingest.sources.csv_files import load_files

SOURCE = "supplier"
# object -> file name pattern in the supplier's folder
PATTERNS = {"asn": "asn_*.csv"}


def load_supplier(supplier: Supplier, landing: Landing) -> list[LoadResult]:
    """Land the new files of one supplier; one LoadResult per object."""
    folder = Path(supplier.path)
    if supplier.format != "csv":
        error = f"ValueError: supplier feed format {supplier.format!r} is not supported yet"
        return [LoadResult(SOURCE, obj, supplier.supplier_id, error=error) for obj in PATTERNS]
    if not folder.is_dir():
        error = f"FileNotFoundError: supplier folder {folder} does not exist"
        return [LoadResult(SOURCE, obj, supplier.supplier_id, error=error) for obj in PATTERNS]
    return [
        load_files(
            landing,
            source=SOURCE,
            source_id=supplier.supplier_id,
            contract=SUPPLIER_FILES[obj],
            paths=[p for p in folder.glob(pattern) if p.is_file()],
            encoding="utf-8",
        )
        for obj, pattern in PATTERNS.items()
    ]

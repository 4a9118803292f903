"""Supplier feeds: one folder per supplier, one format per supplier (``csv``, ``jsonl``, ``xlsx``
or ``edifact``, set in ``sources.yml``); files ``<message>_<document id>.<ext>`` with ``<message>``
in ``price_list``, ``order_confirmation``, ``asn`` (docs/source_contracts.md section 4).

Every format lands the same text columns per message (``ingest.sources.file_formats``) with the
same file-manifest semantics as the legacy exports (checksums, duplicates, quarantine). An EDIFACT
interchange (``.edi``) is filed under the message it holds (PRICAT, ORDRSP, DESADV), whatever its
file name says.
"""

from __future__ import annotations

from pathlib import Path

from ingest.config import Supplier
from ingest.contracts import SUPPLIER_FILES
from ingest.landing import Landing
from ingest.result import LoadResult
from ingest.sources.csv_files import load_files
from ingest.sources.file_formats import READERS

SOURCE = "supplier"
FORMATS = tuple(READERS)


def supplier_files(folder: Path, fmt: str) -> dict[str, list[Path]]:
    """The feed's files per landing object (``<message>_*.<ext>``)."""
    ext, _ = READERS[fmt]
    return {
        obj: sorted(p for p in folder.glob(f"{obj}_*.{ext}") if p.is_file())
        for obj in SUPPLIER_FILES
    }


def load_supplier(supplier: Supplier, landing: Landing) -> list[LoadResult]:
    """Land the new files of one supplier; one LoadResult per object."""
    folder = Path(supplier.path)
    sid = supplier.supplier_id
    if supplier.format not in READERS:
        error = f"ValueError: supplier feed format {supplier.format!r} is not one of {FORMATS}"
        return [LoadResult(SOURCE, obj, sid, error=error) for obj in SUPPLIER_FILES]
    if not folder.is_dir():
        error = f"FileNotFoundError: supplier folder {folder} does not exist"
        return [LoadResult(SOURCE, obj, sid, error=error) for obj in SUPPLIER_FILES]
    _, reader = READERS[supplier.format]
    files = supplier_files(folder, supplier.format)
    return [
        load_files(
            landing,
            source=SOURCE,
            source_id=sid,
            contract=SUPPLIER_FILES[obj],
            paths=files[obj],
            encoding=supplier.encoding,
            reader=reader,
        )
        for obj in SUPPLIER_FILES
    ]

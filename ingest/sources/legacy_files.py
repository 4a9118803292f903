"""Legacy store exports: ``<STORE>_<YYYYMMDD>_<object>.csv`` in one folder per store, GBK, Chinese
headers, ``dd/mm/yyyy`` dates (docs/source_contracts.md section 3).

Decoding happens here, in Python (DuckDB has no GBK reader). Columns land under their Chinese names
as text; dbt staging renames them. A file named for another store is quarantined whole rather than
landed under the wrong store. Files whose name does not follow the pattern, or whose object is not
in the contract, are left alone (and logged).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from pathlib import Path

from ingest.config import LegacyStore
from ingest.contracts import LEGACY_FILES
from ingest.landing import Landing
from ingest.result import LoadResult
from ingest.sources.csv_files import load_files

log = logging.getLogger(__name__)

SOURCE = "legacy_store"
# objects whose quarantined rows carry personal data (loyalty card numbers): raw goes to the PII
# quarantine only
PII_OBJECTS = {"sales"}
FILE_NAME = re.compile(r"(?P<store>.+)_(?P<day>\d{8})_(?P<object>[A-Za-z]+)\.csv", re.IGNORECASE)


def export_files(folder: Path) -> dict[str, list[Path]]:
    """The export files of one legacy store's folder per landing object (others are logged)."""
    found: dict[str, list[Path]] = defaultdict(list)
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith("."):
            continue
        m = FILE_NAME.fullmatch(path.name)
        if m and m["object"].lower() in LEGACY_FILES:
            found[m["object"].lower()].append(path)
        else:
            log.warning("legacy folder %s: ignoring %s (not an export file)", folder, path.name)
    return found


def load_legacy_store(store: LegacyStore, landing: Landing) -> list[LoadResult]:
    """Land the new export files of one legacy store; one LoadResult per object."""
    folder = Path(store.path)
    if not folder.is_dir():
        error = f"FileNotFoundError: export folder {folder} does not exist"
        return [LoadResult(SOURCE, obj, store.store_id, error=error) for obj in LEGACY_FILES]

    def name_check(name: str) -> str | None:
        m = FILE_NAME.fullmatch(name)
        if m and m["store"] != store.store_id:
            return f"file of store {m['store']} in the export folder of store {store.store_id}"
        return None

    files = export_files(folder)
    return [
        load_files(
            landing,
            source=SOURCE,
            source_id=store.store_id,
            contract=contract,
            paths=files.get(obj, []),
            encoding=store.encoding,
            name_check=name_check,
            pii=obj in PII_OBJECTS,
        )
        for obj, contract in LEGACY_FILES.items()
    ]

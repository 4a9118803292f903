"""Files waiting in the legacy export and supplier folders that a load would land.

A file is pending when its name was never seen for its source and its content (sha256) was never
loaded or quarantined under another name: a duplicate delivery is not pending, the load would only
record it. Used by the Dagster sensor that starts a file ingest when something new arrives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingest.config import LegacyStore, SourcesConfig
from ingest.landing import Landing
from ingest.sources import legacy_files, supplier_files


@dataclass(frozen=True)
class PendingFile:
    source: str  # landing source: legacy_store or supplier
    source_id: str
    path: Path
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _candidates(config: SourcesConfig) -> list[tuple[str, str, Path]]:
    found: list[tuple[str, str, Path]] = []
    for store in config.stores:
        folder = Path(store.path) if isinstance(store, LegacyStore) else None
        if folder is not None and folder.is_dir():
            for paths in legacy_files.export_files(folder).values():
                found += [(legacy_files.SOURCE, store.store_id, p) for p in paths]
    for supplier in config.suppliers:
        folder = Path(supplier.path)
        if folder.is_dir() and supplier.format in supplier_files.READERS:
            for paths in supplier_files.supplier_files(folder, supplier.format).values():
                found += [(supplier_files.SOURCE, supplier.supplier_id, p) for p in paths]
    return found


def pending_files(config: SourcesConfig, landing: Landing) -> list[PendingFile]:
    """New files in every configured folder, in (source, source id, name) order."""
    indexes: dict[tuple[str, str], set[str]] = {}
    pending: list[PendingFile] = []
    for source, source_id, path in sorted(_candidates(config)):
        names = indexes.get((source, source_id))
        if names is None:
            names = {name for name, _ in landing.files_index(source, source_id)}
            indexes[(source, source_id)] = names
        if path.name in names:
            continue
        sha = _sha256(path)
        if landing.content_seen(source, source_id, sha) is None:
            pending.append(PendingFile(source, source_id, path, sha))
    return pending

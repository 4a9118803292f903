"""Which published snapshot the dashboards read: ``<serving>/current.json``.

The serving folder holds immutable snapshots written by :mod:`retailwh.publish`::

    serving/
      current.json                      {"version", "published_at", "path", "pii_path"}
      snapshots/<version>/warehouse.duckdb   marts and audits, no personal data
      snapshots/<version>/pii.duckdb         personal data, for the roles that need it

Readers open a snapshot read-only; a snapshot file never changes after it is published, so any
number of readers can hold it while the pipelines write the warehouse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from retailwh import settings

CURRENT_FILE = "current.json"
SNAPSHOTS_DIR = "snapshots"
WAREHOUSE_FILE = "warehouse.duckdb"
PII_FILE = "pii.duckdb"


@dataclass(frozen=True)
class Snapshot:
    """One published, audited copy of the warehouse."""

    version: str
    published_at: datetime
    path: Path
    pii_path: Path | None

    def to_json(self) -> dict[str, str | None]:
        return {
            "version": self.version,
            "published_at": self.published_at.isoformat(),
            "path": str(self.path),
            "pii_path": str(self.pii_path) if self.pii_path else None,
        }

    @classmethod
    def from_json(cls, data: dict, serving: Path) -> Snapshot:
        def resolve(value: str) -> Path:
            path = Path(value)
            return path if path.is_absolute() else serving / path

        return cls(
            version=data["version"],
            published_at=datetime.fromisoformat(data["published_at"]),
            path=resolve(data["path"]),
            pii_path=resolve(data["pii_path"]) if data.get("pii_path") else None,
        )


def snapshots_dir(serving: Path | None = None) -> Path:
    return (serving or settings.serving_dir()) / SNAPSHOTS_DIR


def current_snapshot(serving: Path | None = None) -> Snapshot | None:
    """The snapshot that ``current.json`` points at, or None if nothing was published yet."""
    serving = serving or settings.serving_dir()
    try:
        data = json.loads((serving / CURRENT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Snapshot.from_json(data, serving)

"""What one load of one landing object from one source reports back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LoadResult:
    """One (source, object, source_id) load.

    ``batch_id`` is the last batch committed by this load (``None`` when nothing new landed);
    ``files_skipped`` counts files found in this run whose content had already been loaded (recorded
    as ``duplicate``); files processed in earlier runs are not counted again. ``error`` is set when
    the load failed; rows committed before the failure stay counted in ``rows_loaded``.
    """

    source: str
    object: str
    source_id: str
    batch_id: str | None = None
    rows_loaded: int = 0
    rows_quarantined: int = 0
    files_skipped: int = 0
    error: str | None = None
    batch_ids: list[str] = field(default_factory=list)  # every batch this load committed

    def add(self, committed: object) -> None:
        """Count a committed batch (``ingest.landing.CommittedBatch``) of this load."""
        self.batch_id = committed.batch_id  # type: ignore[attr-defined]
        self.batch_ids.append(committed.batch_id)  # type: ignore[attr-defined]
        self.rows_loaded += committed.rows  # type: ignore[attr-defined]
        self.rows_quarantined += committed.quarantined  # type: ignore[attr-defined]

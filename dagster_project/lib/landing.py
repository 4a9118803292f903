"""What lands where (ingest's contracts) and how a source kind's load results are reported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ingest.contracts import (
    CRM_PROPERTIES,
    HEAD_OFFICE_TABLES,
    LEGACY_FILES,
    STORE_TABLES,
    SUPPLIER_FILES,
)

# source kind -> landing objects, as ingest declares them; the kind is also the landing source name.
LANDING_OBJECTS: dict[str, tuple[str, ...]] = {
    "head_office": tuple(table.name for table in HEAD_OFFICE_TABLES),
    "store": tuple(table.name for table in STORE_TABLES),
    "legacy_store": tuple(LEGACY_FILES),
    "supplier": tuple(SUPPLIER_FILES),
    "crm": tuple(CRM_PROPERTIES),
}


def landing_key_path(source: str, object_name: str) -> list[str]:
    """The asset key path of a landing table, shared by the ingest assets and the dbt sources."""
    return ["landing", source, object_name]


class LoadResultLike(Protocol):
    """The fields of ``ingest.run.LoadResult`` this module reads."""

    source: str
    object: str | None
    source_id: str
    batch_id: str | None
    rows_loaded: int
    rows_quarantined: int
    files_skipped: int
    error: str | None


@dataclass(frozen=True)
class ObjectReport:
    """One landing object's outcome across every source of its kind."""

    object_name: str
    rows_loaded: int
    rows_quarantined: int
    files_skipped: int
    batches: tuple[str, ...]
    loaded_sources: tuple[str, ...]
    failures: tuple[tuple[str, str], ...]  # (source_id, error)

    @property
    def ok(self) -> bool:
        return not self.failures

    def metadata(self) -> dict[str, Any]:
        return {
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "files_skipped": self.files_skipped,
            "batches": len(self.batches),
            "sources_loaded": len(self.loaded_sources),
            "sources_failed": len(self.failures),
        }

    def failure_text(self) -> str:
        return "; ".join(f"{source_id}: {error}" for source_id, error in self.failures)


@dataclass(frozen=True)
class KindReport:
    """A source kind's load: per object, plus which sources failed."""

    kind: str
    objects: dict[str, ObjectReport]
    source_ids: tuple[str, ...]
    failed_sources: dict[str, str]  # source_id -> first error

    @property
    def all_failed(self) -> bool:
        """Every configured source of this kind failed (nothing new could land)."""
        return bool(self.source_ids) and set(self.failed_sources) == set(self.source_ids)

    def failure_text(self) -> str:
        failed = ", ".join(f"{sid} ({err})" for sid, err in sorted(self.failed_sources.items()))
        return f"{self.kind}: {len(self.failed_sources)} of {len(self.source_ids)} failed: {failed}"

    def sources_table_md(self, results: Sequence[LoadResultLike]) -> str:
        lines = [
            "| source | object | rows loaded | quarantined | files skipped | error |",
            "|---|---|---:|---:|---:|---|",
        ]
        for r in sorted(results, key=lambda r: (r.source_id, r.object or "")):
            error = (r.error or "").replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {r.source_id} | {r.object or '*'} | {r.rows_loaded} | {r.rows_quarantined}"
                f" | {r.files_skipped} | {error} |"
            )
        return "\n".join(lines)


def summarize(kind: str, results: Iterable[LoadResultLike]) -> KindReport:
    """Fold ``load_source_kind`` results into one report per landing object.

    A result whose ``object`` is not one of the kind's landing objects (for example a store that
    could not be reached at all) counts as a failure of every object of that source.
    """
    results = list(results)
    objects = LANDING_OBJECTS[kind]
    source_ids = tuple(sorted({r.source_id for r in results}))
    failed_sources: dict[str, str] = {}
    per_object: dict[str, list[LoadResultLike]] = {name: [] for name in objects}
    whole_source_errors: list[LoadResultLike] = []
    for r in results:
        if r.error:
            failed_sources.setdefault(r.source_id, r.error)
        if r.object in per_object:
            per_object[r.object].append(r)
        elif r.error:
            whole_source_errors.append(r)

    reports = {}
    for name in objects:
        rows = per_object[name]
        failures = [(r.source_id, r.error) for r in rows if r.error]
        failures += [(r.source_id, r.error) for r in whole_source_errors]
        failed_ids = {sid for sid, _ in failures}
        reports[name] = ObjectReport(
            object_name=name,
            rows_loaded=sum(r.rows_loaded for r in rows),
            rows_quarantined=sum(r.rows_quarantined for r in rows),
            files_skipped=sum(r.files_skipped for r in rows),
            batches=tuple(sorted(r.batch_id for r in rows if r.batch_id)),
            loaded_sources=tuple(sorted({r.source_id for r in rows} - failed_ids)),
            failures=tuple(sorted(failures)),
        )
    return KindReport(
        kind=kind, objects=reports, source_ids=source_ids, failed_sources=failed_sources
    )

"""Which stores are silent: the last business day each one sent, against the chain's latest day.

The same rule as dbt's freshness audit (models/audits/audit_freshness.sql, rule store_silent), with
the same limits (``settings.freshness_max_silent_days``), read from the landing so that the check
fails right after a load, before dbt runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from retailwh import settings

_LAST_DAYS_SQL = (Path(__file__).parent / "freshness_last_days.sql").read_text(encoding="utf-8")

# source kind -> (landing object whose rows are the store's business days, SQL of a row's day)
BUSINESS_DAY_OBJECTS: dict[str, tuple[str, str]] = {
    "store": ("receipts", "cast(business_date as date)"),
    # legacy exports carry the store's local date as dd/mm/yyyy (ingest/contracts.py)
    "legacy_store": ("sales", "cast(strptime(\"日期\", '%d/%m/%Y') as date)"),
}


@dataclass(frozen=True)
class StoreFreshness:
    store_id: str
    last_business_date: date | None
    days_behind: int | None
    max_silent_days: int

    @property
    def is_silent(self) -> bool:
        return self.days_behind is None or self.days_behind > self.max_silent_days

    def describe(self) -> str:
        if self.last_business_date is None:
            return f"{self.store_id}: nothing landed yet"
        return (
            f"{self.store_id}: last data {self.last_business_date}, {self.days_behind} day(s) "
            f"behind (allowed {self.max_silent_days})"
        )


def last_business_days(landing_dir: Path, kind: str) -> dict[str, date]:
    """The last business day each store of ``kind`` has in the landing."""
    object_name, expression = BUSINESS_DAY_OBJECTS[kind]
    folder = landing_dir / kind / object_name
    if not any(folder.glob("*/*.parquet")):
        return {}
    with duckdb.connect() as con:
        rows = con.execute(
            _LAST_DAYS_SQL.format(business_date=expression),
            {"glob": str(folder / "*" / "*.parquet")},
        ).fetchall()
    return {store_id: day for store_id, day in rows if day is not None}


def judge(
    store_ids: list[str], last_days: Mapping[str, date], chain_last_day: date | None, limit: int
) -> list[StoreFreshness]:
    """Each configured store against the chain's latest business day (over every kind)."""
    result = []
    for store_id in sorted(store_ids):
        last = last_days.get(store_id)
        behind = None if last is None or chain_last_day is None else (chain_last_day - last).days
        result.append(StoreFreshness(store_id, last, behind, limit))
    return result


def store_freshness(
    landing_dir: Path, stores_by_kind: Mapping[str, list[str]]
) -> dict[str, list[StoreFreshness]]:
    """Per source kind, every configured store's freshness; the chain's latest day is the latest
    over all kinds (a legacy store is judged against the modern stores' day, and back)."""
    last_days = {kind: last_business_days(landing_dir, kind) for kind in stores_by_kind}
    all_days = [day for days in last_days.values() for day in days.values()]
    chain_last_day = max(all_days, default=None)
    limits = settings.freshness_max_silent_days()
    return {
        kind: judge(ids, last_days[kind], chain_last_day, settings.max_silent_days(kind, limits))
        for kind, ids in stores_by_kind.items()
    }

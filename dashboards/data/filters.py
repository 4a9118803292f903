"""The common filters (date range, region, store, category): parsed from the URL, bound as params.

A shared link carries the filters as query parameters
(``?from=2026-01-01&to=2026-01-28&store=S001``).
Values from the URL are untrusted: dates that do not parse fall back to the default range, and a
region, store or category the snapshot does not know is kept as given, so the pages show "no data
for this filter" (never another store's numbers). Every value reaches SQL as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from dashboards.data.serving import run_query
from retailwh.serving import Snapshot

# Query parameter names in the URL; short so a shared link stays readable.
PARAM_FROM = "from"
PARAM_TO = "to"
PARAM_REGION = "region"
PARAM_STORE = "store"
PARAM_CATEGORY = "category"
URL_PARAMS = (PARAM_FROM, PARAM_TO, PARAM_REGION, PARAM_STORE, PARAM_CATEGORY)

DEFAULT_WINDOW_DAYS = 28
MAX_TEXT_LENGTH = 100  # longer values are no id or name of ours; they only bloat cache keys


@dataclass(frozen=True)
class Filters:
    """What the sidebar selected; None means all."""

    start: date
    end: date
    region: str | None = None
    store_id: str | None = None
    category: str | None = None

    def params(self, *names: str) -> dict[str, Any]:
        """The bound parameters a query uses (DuckDB refuses unused named parameters)."""
        values = {
            "start": self.start,
            "end": self.end,
            "region": self.region,
            "store_id": self.store_id,
            "category": self.category,
        }
        return {name: values[name] for name in names}

    def to_query_params(self, default_range: tuple[date, date]) -> dict[str, str]:
        """The URL form: only what differs from the defaults, so a plain link stays plain."""
        out: dict[str, str] = {}
        if (self.start, self.end) != default_range:
            out[PARAM_FROM] = self.start.isoformat()
            out[PARAM_TO] = self.end.isoformat()
        for name, value in (
            (PARAM_REGION, self.region),
            (PARAM_STORE, self.store_id),
            (PARAM_CATEGORY, self.category),
        ):
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True)
class DateBounds:
    """The business dates the snapshot has sales for."""

    first: date
    last: date

    def default_range(self) -> tuple[date, date]:
        return max(self.first, self.last - timedelta(days=DEFAULT_WINDOW_DAYS - 1)), self.last

    def clamp(self, day: date) -> date:
        return min(max(day, self.first), self.last)


def date_bounds(snap: Snapshot) -> DateBounds | None:
    """First and last business date with sales; None when the snapshot has no sales."""
    row = run_query(
        snap,
        "select min(business_date) as first, max(business_date) as last from rpt_daily_store_sales",
    ).iloc[0]
    if pd.isna(row["first"]):
        return None
    first, last = pd.Timestamp(row["first"]).date(), pd.Timestamp(row["last"]).date()
    return DateBounds(first=first, last=last)


def regions(snap: Snapshot) -> list[str]:
    frame = run_query(
        snap, "select distinct region from dim_stores where region is not null order by 1"
    )
    return frame["region"].tolist()


def parse_date(value: object) -> date | None:
    """An ISO date from the URL, or None when it is missing or not a date."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def clean_text(value: object) -> str | None:
    """A text filter from the URL: None when empty or absurdly long, else the value as given."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_TEXT_LENGTH:
        return None
    return value


def from_query_params(params: Mapping[str, str], bounds: DateBounds) -> tuple[Filters, list[str]]:
    """Filters from the URL and the problems found in it (shown to the user, never raised)."""
    problems: list[str] = []
    default_start, default_end = bounds.default_range()
    start = parse_date(params.get(PARAM_FROM))
    end = parse_date(params.get(PARAM_TO))
    if params.get(PARAM_FROM) is not None and start is None:
        problems.append("the start date in the link is not a date")
    if params.get(PARAM_TO) is not None and end is None:
        problems.append("the end date in the link is not a date")
    start = bounds.clamp(start or default_start)
    end = bounds.clamp(end or default_end)
    if start > end:
        problems.append("the link's start date is after its end date")
        start, end = default_start, default_end
    for name in (PARAM_REGION, PARAM_STORE, PARAM_CATEGORY):
        raw = params.get(name)
        if raw is not None and clean_text(raw) is None:
            problems.append(f"the {name} in the link is not valid")
    filters = Filters(
        start=start,
        end=end,
        region=clean_text(params.get(PARAM_REGION)),
        store_id=clean_text(params.get(PARAM_STORE)),
        category=clean_text(params.get(PARAM_CATEGORY)),
    )
    return filters, problems


def missing_tables(snap: Snapshot, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` the snapshot lacks (a restored older snapshot may predate a mart)."""
    frame = run_query(
        snap,
        "select table_name from information_schema.tables"
        " where table_schema = 'main' and list_contains($names, table_name)",
        {"names": list(names)},
    )
    present = set(frame["table_name"])
    return [name for name in names if name not in present]


# Fixed SQL fragments for the common filters (no user input in them: values are bound as $params).
STORE_SCOPE = """store_id in (
    select store_id from dim_stores
    where ($region is null or region = $region) and ($store_id is null or store_id = $store_id)
)"""
CATEGORY_SCOPE = "($category is null or category = $category)"
DATE_SCOPE = "business_date between $start and $end"
STORE_PARAMS = ("region", "store_id")

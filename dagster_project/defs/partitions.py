"""Daily partitions of the time-based facts: one per business day, in the chain's timezone.

Only the incremental marts are partitioned (defs/dbt/assets.py says why); the first day and the
timezone come from ``partitions.start_date`` and ``timezone`` in config/warehouse.yml.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from retailwh import settings

DEFAULT_START_DATE = "2024-01-01"
DEFAULT_TIMEZONE = "Europe/Berlin"


def build_daily_partitions() -> dg.DailyPartitionsDefinition:
    config = settings.warehouse_settings()
    start = (config.get("partitions") or {}).get("start_date") or DEFAULT_START_DATE
    return dg.DailyPartitionsDefinition(
        start_date=str(start), timezone=config.get("timezone", DEFAULT_TIMEZONE)
    )


daily_partitions = build_daily_partitions()


def nightly_partition_key(now: datetime | None = None) -> str:
    """The day a nightly build is for: the last complete business day before ``now`` (in the
    partitions' timezone). The build also rebuilds every day a load touched since the last run."""
    tz = ZoneInfo(daily_partitions.timezone)
    day = (now or datetime.now(tz)).astimezone(tz).date() - timedelta(days=1)
    if day < daily_partitions.start.date():
        raise ValueError(f"{day} is before the first daily partition {daily_partitions.start}")
    return day.strftime(daily_partitions.fmt)

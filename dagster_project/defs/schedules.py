"""The daily build, at ``schedules.daily_build`` in ``timezone`` from config/warehouse.yml."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.jobs import full_build
from retailwh import settings

DEFAULT_DAILY_CRON = "0 5 * * *"
DEFAULT_TIMEZONE = "Europe/Berlin"


def build_daily_schedule() -> dg.ScheduleDefinition:
    config = settings.warehouse_settings()
    return dg.ScheduleDefinition(
        name="daily_build",
        job=full_build,
        cron_schedule=config.get("schedules", {}).get("daily_build", DEFAULT_DAILY_CRON),
        execution_timezone=config.get("timezone", DEFAULT_TIMEZONE),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="The whole warehouse, every day: ingest, dbt build, publish.",
    )

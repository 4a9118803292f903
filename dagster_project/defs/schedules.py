"""Schedules, each a cron from ``schedules`` in config/warehouse.yml, in its ``timezone``."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.jobs import (
    business_audits,
    crm_sync,
    full_build,
    management_report_job,
    store_reports_job,
    store_sync,
)
from dagster_project.defs.partitions import nightly_partition_key
from retailwh import settings

DEFAULT_TIMEZONE = "Europe/Berlin"
# schedule name -> (job, default cron, description)
SCHEDULES: dict[str, tuple[dg.UnresolvedAssetJobDefinition, str, str]] = {
    "daily_build": (
        full_build,
        "0 5 * * *",
        "The whole warehouse, every day: ingest, dbt build, publish.",
    ),
    "store_sync": (store_sync, "0 * * * *", "Store systems, hourly, into the landing."),
    "crm_sync": (crm_sync, "*/15 * * * *", "CRM changes, every 15 minutes, into the landing."),
    "business_audits": (
        business_audits,
        "0 9,13,17 * * *",
        "The consistency audits again during the day, on the data landed since, then publish.",
    ),
    "store_reports": (
        store_reports_job,
        "0 6 * * 1",
        "Every store's open findings as files, each Monday after the daily build.",
    ),
    "weekly_management_report": (
        management_report_job,
        "30 6 * * 1",
        "The weekly management report of the week that ended, each Monday.",
    ),
}


def nightly_run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The nightly build runs for the last complete business day (full_build holds the daily
    partitioned facts; their checks need a partitioned run)."""
    return dg.RunRequest(partition_key=nightly_partition_key(context.scheduled_execution_time))


def build_schedules() -> list[dg.ScheduleDefinition]:
    config = settings.warehouse_settings()
    crons = config.get("schedules", {})
    return [
        dg.ScheduleDefinition(
            name=name,
            job=job,
            cron_schedule=crons.get(name, default_cron),
            execution_timezone=config.get("timezone", DEFAULT_TIMEZONE),
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=description,
            execution_fn=nightly_run if job is full_build else None,
        )
        for name, (job, default_cron, description) in SCHEDULES.items()
    ]

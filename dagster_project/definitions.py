"""The one Dagster code location: ``dagster dev -m dagster_project.definitions``."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.checks.freshness import freshness_checks
from dagster_project.defs.dbt.assets import dbt_daily_facts, dbt_models
from dagster_project.defs.forecast.assets import demand_forecast
from dagster_project.defs.ingest.assets import landing_assets
from dagster_project.defs.ingest.quarantine import quarantine_rows
from dagster_project.defs.jobs import (
    business_audits,
    crm_sync,
    file_ingest,
    full_build,
    management_report_job,
    store_reports_job,
    store_sync,
)
from dagster_project.defs.publish.assets import serving_snapshot
from dagster_project.defs.reports.assets import report_assets
from dagster_project.defs.resources import build_resources
from dagster_project.defs.schedules import build_schedules
from dagster_project.defs.sensors.new_files import new_source_files
from dagster_project.defs.sensors.run_status import record_run_failures, record_run_successes

defs = dg.Definitions(
    assets=[
        *landing_assets,
        quarantine_rows,
        dbt_models,
        dbt_daily_facts,
        demand_forecast,
        serving_snapshot,
        *report_assets,
    ],
    asset_checks=freshness_checks,
    jobs=[
        full_build,
        store_sync,
        crm_sync,
        file_ingest,
        business_audits,
        store_reports_job,
        management_report_job,
    ],
    schedules=build_schedules(),
    sensors=[new_source_files, record_run_failures, record_run_successes],
    resources=build_resources(),
)

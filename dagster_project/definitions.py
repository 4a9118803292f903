"""The one Dagster code location: ``dagster dev -m dagster_project.definitions``."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.dbt.assets import dbt_models
from dagster_project.defs.ingest.assets import landing_assets
from dagster_project.defs.jobs import full_build
from dagster_project.defs.publish.assets import serving_snapshot
from dagster_project.defs.resources import build_resources
from dagster_project.defs.schedules import build_daily_schedule

defs = dg.Definitions(
    assets=[*landing_assets, dbt_models, serving_snapshot],
    jobs=[full_build],
    schedules=[build_daily_schedule()],
    resources=build_resources(),
)

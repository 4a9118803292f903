"""Jobs: ``full_build`` loads every source, builds every dbt model and publishes a snapshot."""

from __future__ import annotations

import dagster as dg

full_build = dg.define_asset_job(
    "full_build",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, dbt build everything, publish a serving snapshot.",
)

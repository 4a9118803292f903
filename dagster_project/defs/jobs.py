"""Jobs: the nightly ``full_build``, the frequent loads that only land new source rows, the
business audits on their own, and the reports.

The frequent loads write the landing alone (never the warehouse), so they run beside a build.
"""

from __future__ import annotations

import dagster as dg

from dagster_project.lib.landing import LANDING_OBJECTS, landing_key_path

full_build = dg.define_asset_job(
    "full_build",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, dbt build everything, publish a serving snapshot.",
)


def landing_selection(*kinds: str) -> dg.AssetSelection:
    return dg.AssetSelection.assets(
        *(
            dg.AssetKey(landing_key_path(kind, name))
            for kind in kinds
            for name in LANDING_OBJECTS[kind]
        )
    )


store_sync = dg.define_asset_job(
    "store_sync",
    selection=landing_selection("store"),
    description="Land what is new in every modern store system (no dbt, no publish).",
)

crm_sync = dg.define_asset_job(
    "crm_sync",
    selection=landing_selection("crm"),
    description="Land what changed in the CRM (no dbt, no publish).",
)

file_ingest = dg.define_asset_job(
    "file_ingest",
    selection=landing_selection("legacy_store", "supplier"),
    description="Land new legacy store exports and supplier files (no dbt, no publish).",
)


business_audits = dg.define_asset_job(
    "business_audits",
    # the audit models (group audits: audit_*, fct_audit_findings, fct_audit_runs, the trend) over
    # the marts as built, then publish: the blocking checks run and the dashboards see the results
    selection=(
        dg.AssetSelection.groups("audits") | dg.AssetSelection.assets(["serving", "snapshot"])
    ),
    description="Re-run every consistency audit on the warehouse as built and publish the results "
    "(the Audits page's 'Run the audits now' launches it).",
)

store_reports_job = dg.define_asset_job(
    "store_reports",
    selection=dg.AssetSelection.assets(["reports", "store_reports"]),
    description="Write each store's open findings report from the serving snapshot.",
)

management_report_job = dg.define_asset_job(
    "weekly_management_report",
    selection=dg.AssetSelection.assets(["reports", "weekly_management_report"]),
    description="Write the weekly management report from the serving snapshot.",
)

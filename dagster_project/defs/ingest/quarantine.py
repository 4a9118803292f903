"""The quarantine as one asset downstream of every load, so dbt reads it after they ran.

Every load writes its refused rows and files under landing/_quarantine/; dbt's `quarantine` source
reads that folder. Without this asset the source would be an external asset that nothing orders
after the loads.
"""

from collections import Counter

import dagster as dg

from dagster_project.lib.landing import LANDING_OBJECTS, landing_key_path
from ingest.landing import Landing
from retailwh import settings

QUARANTINE_KEY = dg.AssetKey(landing_key_path("quarantine", "rows"))


@dg.asset(
    key=QUARANTINE_KEY,
    deps=[
        dg.AssetKey(landing_key_path(kind, name))
        for kind, objects in LANDING_OBJECTS.items()
        for name in objects
    ],
    group_name="ingest",
    kinds={"parquet"},
    description="Rows and whole files ingestion refused, with their reasons "
    "(landing/_quarantine/); counts per source kind from the manifest.",
)
def quarantine_rows() -> dg.MaterializeResult:
    rows = Landing(settings.landing_dir()).manifest_rows("batch_counts")
    by_source = Counter()
    for row in rows:
        by_source[row["source"]] += row["rows_quarantined"]
    return dg.MaterializeResult(
        metadata={
            "rows_quarantined": sum(by_source.values()),
            **{f"rows_quarantined_{source}": n for source, n in sorted(by_source.items())},
        }
    )

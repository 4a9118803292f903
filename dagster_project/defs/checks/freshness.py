"""Freshness checks per store and source kind, on the landing objects that carry business days.

A check fails (severity ERROR) when a configured store is behind the chain's latest business day by
more than its kind's ``audits.freshness.max_silent_days`` (config/warehouse.yml, the limits dbt's
freshness audit reads too), naming each silent store with its last day.
"""

import dagster as dg

from dagster_project.lib.freshness import BUSINESS_DAY_OBJECTS, store_freshness
from dagster_project.lib.landing import landing_key_path
from ingest.config import load_sources_config
from retailwh import settings

CHECK_NAME = "stores_fresh"


def _store_ids_by_kind() -> dict[str, list[str]]:
    config = load_sources_config()
    return {
        "store": [s.store_id for s in config.modern_stores],
        "legacy_store": [s.store_id for s in config.legacy_stores],
    }


def build_freshness_check(kind: str) -> dg.AssetChecksDefinition:
    object_name, _ = BUSINESS_DAY_OBJECTS[kind]

    @dg.asset_check(
        asset=landing_key_path(kind, object_name),
        name=CHECK_NAME,
        description=f"Every {kind.replace('_', ' ')} sent data within its allowed silent days "
        "(audits.freshness.max_silent_days), against the chain's latest business day.",
    )
    def _check() -> dg.AssetCheckResult:
        # every kind is read: the chain's latest day is the latest over all of them
        stores = store_freshness(settings.landing_dir(), _store_ids_by_kind())[kind]
        silent = [s for s in stores if s.is_silent]
        return dg.AssetCheckResult(
            passed=not silent,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(s.describe() for s in silent) if silent else None,
            metadata={
                "stores": len(stores),
                "silent_stores": ", ".join(s.store_id for s in silent),
                "max_silent_days": stores[0].max_silent_days if stores else None,
                "stores_detail": dg.MetadataValue.md(
                    "\n".join(f"- {s.describe()}" for s in stores) or "no stores configured"
                ),
            },
        )

    return _check


freshness_checks = [build_freshness_check(kind) for kind in BUSINESS_DAY_OBJECTS]

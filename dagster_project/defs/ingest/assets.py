"""Landing loads: one multi-asset per source kind, one asset per landing object.

A kind loads all its sources (every store, every supplier, ...) in one step. A source that fails
does not stop the others: their rows land, every landing asset materializes, and the object's
``sources_loaded`` check fails (severity ERROR) naming the store and the reason, which is also
logged as an error at the end of the step.

The step itself does not fail on a source's error, even when every source of the kind failed:
head office and CRM are one source each, and failing the step would skip dbt and the publish for
the whole chain over one unreachable system. dbt builds on what has landed, and the freshness
audits flag the silent source. An unexpected exception in ingest still fails the step.

A source that failed is tried again, alone, with exponential backoff (``ingest.source_retries``,
``ingest.retry_backoff_seconds`` in config/warehouse.yml), before the step reports it; a failed
step is retried by Dagster (``LOAD_RETRY_POLICY``). Both are safe: a load resumes from its last
committed cursor and never lands a row twice.
"""

from collections.abc import Iterator

import dagster as dg

from dagster_project.lib.landing import LANDING_OBJECTS, landing_key_path, summarize
from dagster_project.lib.source_retries import RetrySettings, load_with_retries
from ingest.config import load_sources_config
from ingest.landing import Landing
from ingest.run import load_source_kind
from retailwh import settings

CHECK_NAME = "sources_loaded"
COUNTS_CHECK_NAME = "rows_accounted_for"
# an unexpected error in a load (not a source's own, which is retried per source): the step again
LOAD_RETRY_POLICY = dg.RetryPolicy(max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL)


def count_balance(landing: Landing, results: list, object_name: str) -> dict[str, int]:
    """Rows at the source, landed and quarantined by this load of one object, from the manifest
    (``batch_counts`` of every batch the load committed)."""
    ids = [b for r in results if r.object == object_name for b in getattr(r, "batch_ids", [])]
    rows = landing.batch_counts(ids) if ids else []
    return {
        "rows_at_source": sum(r["rows_source"] for r in rows),
        "rows_landed": sum(r["rows_landed"] for r in rows),
        "rows_quarantined": sum(r["rows_quarantined"] for r in rows),
        "batches": len(rows),
    }


def build_landing_assets(kind: str) -> dg.AssetsDefinition:
    objects = LANDING_OBJECTS[kind]
    specs = [
        dg.AssetSpec(
            key=landing_key_path(kind, name),
            group_name="ingest",
            kinds={"python", "parquet"},
            description=f"`{kind}.{name}` batches in landing/{kind}/{name}/ (one per source).",
        )
        for name in objects
    ]
    check_specs = [
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=spec.key,
            description="Every configured source of this kind loaded without error.",
        )
        for spec in specs
    ] + [
        dg.AssetCheckSpec(
            COUNTS_CHECK_NAME,
            asset=spec.key,
            description="Rows at the source = rows landed + rows quarantined (from the manifest).",
        )
        for spec in specs
    ]

    @dg.multi_asset(
        name=f"landing_{kind}",
        specs=specs,
        check_specs=check_specs,
        description=f"Load every configured {kind} source into landing.",
        retry_policy=LOAD_RETRY_POLICY,
    )
    def _load(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        landing_dir = settings.landing_dir()
        retry = RetrySettings.from_config(settings.warehouse_settings().get("ingest"))
        results, retries = load_with_retries(
            lambda config: load_source_kind(kind, config, landing_dir),
            load_sources_config(),
            kind,
            retry,
            on_retry=lambda n, delay, failed: context.log.warning(
                f"retry {n} of {retry.retries} in {delay:g} s for {', '.join(failed)}"
            ),
        )
        landing = Landing(landing_dir)
        report = summarize(kind, results)
        sources_md = dg.MetadataValue.md(report.sources_table_md(results))
        for name in objects:
            obj = report.objects[name]
            key = dg.AssetKey(landing_key_path(kind, name))
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={**obj.metadata(), "sources": sources_md, "source_retries": retries},
            )
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=CHECK_NAME,
                passed=obj.ok,
                severity=dg.AssetCheckSeverity.ERROR,
                description=None if obj.ok else f"failed: {obj.failure_text()}",
                metadata={"sources_failed": len(obj.failures), "errors": obj.failure_text()},
            )
            counts = count_balance(landing, results, name)
            balanced = (
                counts["rows_at_source"] == counts["rows_landed"] + counts["rows_quarantined"]
            )
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=COUNTS_CHECK_NAME,
                passed=balanced,
                severity=dg.AssetCheckSeverity.ERROR,
                description=None
                if balanced
                else f"{counts['rows_at_source']} rows at the source, "
                f"{counts['rows_landed']} landed + {counts['rows_quarantined']} quarantined",
                metadata=counts,
            )
        if report.all_failed:
            context.log.error(f"nothing new landed: {report.failure_text()}")
        elif report.failed_sources:
            context.log.error(report.failure_text())

    return _load


landing_assets = [build_landing_assets(kind) for kind in LANDING_OBJECTS]

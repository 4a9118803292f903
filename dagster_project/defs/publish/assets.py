"""Publish the built warehouse to a new serving snapshot once every mart and audit is built."""

import dagster as dg

from dagster_project.defs.dbt.assets import dbt_daily_facts, dbt_models
from dagster_project.lib.instance import WAREHOUSE_POOL
from retailwh.publish import PublishBlocked, blocked_status, publish

# The schemas the snapshot copies; the translator keys every model as [<top folder>, <name>].
PUBLISHED_LAYERS = ("marts", "audits", "pii")


def published_dbt_keys() -> list[dg.AssetKey]:
    """Every mart, audit and pii model: the snapshot waits for all of them."""
    return sorted(
        (
            key
            for assets_def in (dbt_models, dbt_daily_facts)
            for key in assets_def.keys
            if key.path[0] in PUBLISHED_LAYERS
        ),
        key=lambda key: key.to_user_string(),
    )


@dg.asset(
    key=["serving", "snapshot"],
    pool=WAREHOUSE_POOL,
    group_name="publish",
    deps=published_dbt_keys(),
    kinds={"duckdb"},
    description="Write-audit-publish the marts and audits to serving/snapshots/<version>/.",
)
def serving_snapshot(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    try:
        snapshot = publish()
    except PublishBlocked as exc:
        status = blocked_status()
        since = status.blocked_since.isoformat() if status else ""
        raise dg.Failure(
            description=f"Publishing blocked since {since}, the last good snapshot stays "
            f"current: {exc}",
            metadata={
                "problems": "\n".join(exc.problems),
                "blocked_since": since,
                "attempts": status.attempts if status else 0,
            },
        ) from exc
    context.log.info(f"published {snapshot.version} to {snapshot.path}")
    return dg.MaterializeResult(
        metadata={
            "version": snapshot.version,
            "published_at": snapshot.published_at.isoformat(),
            "path": dg.MetadataValue.path(str(snapshot.path)),
        }
    )

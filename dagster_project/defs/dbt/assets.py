"""Every dbt model, seed, snapshot and test, built with ``dbt build``; tests become asset checks.

Two ``@dbt_assets`` over the one project:

- ``dbt_daily_facts``: the incremental marts (``PARTITIONED_SELECTOR``), partitioned by business day
  with a single-run backfill policy. A backfill of any range of days is one dbt invocation whose
  ``--vars`` carry the window; the models replace exactly those days.
- ``dbt_models``: everything else, unpartitioned (views, tables rebuilt whole, audits).

The nightly ``full_build`` runs both for one day, the last complete one: the incremental marts
replace that day and every day the loads touched since the last run (their watermarks), which keeps
late corrections to old days right. Why not partition every model: the marts rebuilt whole (views,
tables, audits) would each claim one day while holding all of them. Why not run the nightly build
without a partition: Dagster fails the facts' dbt checks then (it looks up the checked partition).
The audit tolerances of config/warehouse.yml reach dbt as ``--vars``.
"""

from collections.abc import Iterator
from datetime import date

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.defs.dbt.project import dbt_project
from dagster_project.defs.dbt.translator import RetailDbtTranslator
from dagster_project.defs.partitions import daily_partitions
from dagster_project.lib.dbt_cli import dbt_build_args, dbt_environ
from dagster_project.lib.instance import WAREHOUSE_POOL
from retailwh import settings

# The time-based facts: every incremental model under models/marts. Each replaces a date window
# (dbt_project/macros/partition_window.sql); tests/dagster_project/test_partitions.py fails on one
# that does not.
PARTITIONED_SELECTOR = "config.materialized:incremental,path:models/marts"


def run_window(context: dg.AssetExecutionContext) -> tuple[date, date] | None:
    """The business days of a partitioned run (end exclusive), or None for an unpartitioned run."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return window.start.date(), window.end.date()


def _build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, window: tuple[date, date] | None
) -> Iterator:
    # dbt-duckdb creates the warehouse file but not its folder.
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    args = dbt_build_args(settings.warehouse_settings(), window)
    if window is not None:
        context.log.info(f"replacing business dates {window[0]} to {window[1]} (exclusive)")
    with dbt_environ():
        invocation = dbt.cli(args, context=context)
    yield from invocation.stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RetailDbtTranslator(),
    exclude=PARTITIONED_SELECTOR,
    pool=WAREHOUSE_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from _build(context, dbt, None)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RetailDbtTranslator(),
    select=PARTITIONED_SELECTOR,
    name="dbt_daily_facts",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def dbt_daily_facts(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from _build(context, dbt, run_window(context))

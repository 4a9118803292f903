"""Every dbt model, seed, snapshot and test, built with ``dbt build``; tests become asset checks.

The audit tolerances of config/warehouse.yml reach dbt as ``--vars``.
"""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.defs.dbt.project import dbt_project
from dagster_project.defs.dbt.translator import RetailDbtTranslator
from dagster_project.lib.dbt_cli import dbt_build_args, dbt_environ
from retailwh import settings


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=RetailDbtTranslator(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # dbt-duckdb creates the warehouse file but not its folder.
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    with dbt_environ():
        invocation = dbt.cli(dbt_build_args(settings.warehouse_settings()), context=context)
    yield from invocation.stream()

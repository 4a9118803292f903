"""Asset keys and groups for dbt nodes, from where they sit in the project.

- a dbt source ``<source>.<object>`` is the landing table ``["landing", source, object]`` that the
  ingest assets materialize, so dbt models depend on the loads that feed them;
- a model is ``[<top folder>, <name>]`` (``["marts", "dim_stores"]``), grouped by its folder:
  ``staging``, ``intermediate``, ``audits``, ``pii``, or ``marts_<domain>`` for marts.
A ``meta: {dagster: {asset_key: ..., group: ...}}`` in the model's yml still wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

from dagster_project.lib.dbt_cli import model_folders
from dagster_project.lib.landing import landing_key_path


def _dagster_meta(props: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = props.get("config", {}).get("meta") or props.get("meta") or {}
    return meta.get("dagster", {})


class RetailDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if _dagster_meta(dbt_resource_props).get("asset_key"):
            return super().get_asset_key(dbt_resource_props)
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(
                landing_key_path(dbt_resource_props["source_name"], dbt_resource_props["name"])
            )
        folders = model_folders(dbt_resource_props)
        if folders:
            return dg.AssetKey([folders[0], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        group = _dagster_meta(dbt_resource_props).get("group")
        if group:
            return group
        if dbt_resource_props["resource_type"] == "source":
            return "ingest"
        folders = model_folders(dbt_resource_props)
        if not folders:
            return "dbt"
        if folders[0] == "marts" and len(folders) > 1:
            return f"marts_{folders[1]}"
        return folders[0]

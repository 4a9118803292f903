"""dbt sources map onto the landing assets; models get keys and groups from their folders."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.defs.dbt.translator import RetailDbtTranslator


def _source(source_name: str, name: str) -> dict:
    return {
        "resource_type": "source",
        "source_name": source_name,
        "name": name,
        "fqn": ["retailwh", "staging", source_name, source_name, name],
        "meta": {},
        "config": {},
    }


def _model(*folders: str, name: str, meta: dict | None = None) -> dict:
    return {
        "resource_type": "model",
        "name": name,
        "fqn": ["retailwh", *folders, name],
        "meta": meta or {},
        "config": {"meta": meta or {}, "schema": folders[0]},
    }


@pytest.fixture
def translator() -> RetailDbtTranslator:
    return RetailDbtTranslator()


def test_a_source_is_its_landing_table(translator: RetailDbtTranslator) -> None:
    assert translator.get_asset_key(_source("store", "receipts")) == dg.AssetKey(
        ["landing", "store", "receipts"]
    )
    assert translator.get_asset_key(_source("legacy_store", "sales")) == dg.AssetKey(
        ["landing", "legacy_store", "sales"]
    )


@pytest.mark.parametrize(
    ("folders", "name", "key", "group"),
    [
        (
            ("staging", "store"),
            "stg_store__receipts",
            ["staging", "stg_store__receipts"],
            "staging",
        ),
        (
            ("intermediate", "stock"),
            "int_stock_movements_unioned",
            ["intermediate", "int_stock_movements_unioned"],
            "intermediate",
        ),
        (("marts", "stock"), "rpt_current_stock", ["marts", "rpt_current_stock"], "marts_stock"),
        (("marts",), "dim_dates", ["marts", "dim_dates"], "marts"),
        (("audits",), "fct_audit_findings", ["audits", "fct_audit_findings"], "audits"),
    ],
)
def test_models_follow_their_folder(
    translator: RetailDbtTranslator, folders, name, key, group
) -> None:
    props = _model(*folders, name=name)
    assert translator.get_asset_key(props) == dg.AssetKey(key)
    assert translator.get_group_name(props) == group


def test_meta_overrides_the_folder(translator: RetailDbtTranslator) -> None:
    props = _model(
        "marts", "stock", name="rpt_x", meta={"dagster": {"asset_key": ["x", "y"], "group": "g"}}
    )
    assert translator.get_asset_key(props) == dg.AssetKey(["x", "y"])
    assert translator.get_group_name(props) == "g"

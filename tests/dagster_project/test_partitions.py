"""Daily partitions of the incremental facts: the window reaches dbt as vars, every partitioned
model replaces its window, and the nightly build stays unpartitioned."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import pytest

from dagster_project.defs.dbt.assets import dbt_daily_facts, dbt_models
from dagster_project.defs.dbt.project import dbt_project
from dagster_project.lib.dbt_cli import dbt_build_args, partition_window_vars
from retailwh import settings

FACTS = {
    "fct_stock_movements",
    "fct_sales_lines",
    "fct_stock_on_hand_intervals",
    "fct_purchase_order_lines",
}


def test_window_vars_are_iso_dates_end_exclusive() -> None:
    assert partition_window_vars(date(2026, 10, 1), date(2026, 10, 4)) == {
        "partition_start_date": "2026-10-01",
        "partition_end_date": "2026-10-04",
    }
    with pytest.raises(ValueError):
        partition_window_vars(date(2026, 10, 4), date(2026, 10, 4))


def test_build_args_carry_the_window_beside_the_settings() -> None:
    config = {"marts": {"sales_window_days": 14}}
    args = dbt_build_args(config, (date(2026, 10, 1), date(2026, 10, 2)))
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {
        "sales_window_days": 14,
        "partition_start_date": "2026-10-01",
        "partition_end_date": "2026-10-02",
    }
    assert "partition_start_date" not in json.loads(dbt_build_args(config)[2])


def test_the_incremental_marts_are_the_partitioned_assets() -> None:
    assert {key.path[-1] for key in dbt_daily_facts.keys} == FACTS
    assert not {key.path[-1] for key in dbt_models.keys} & FACTS
    partitions = dbt_daily_facts.partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    assert partitions.timezone == settings.warehouse_settings()["timezone"]
    assert dbt_daily_facts.backfill_policy == dg.BackfillPolicy.single_run()
    assert dbt_models.partitions_def is None


def test_every_partitioned_model_replaces_its_window() -> None:
    """A new incremental mart joins the partitioned asset by its config alone: it must replace the
    window (delete it through partition_date_column, or select it with in_partition_window)."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] in FACTS
    ]
    assert {node["name"] for node in models} == FACTS
    for node in models:
        assert node["config"].get("partition_date_column") or (
            "in_partition_window" in node["raw_code"]
        ), node["name"]

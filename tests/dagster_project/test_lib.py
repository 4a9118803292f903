"""Pure helpers of the wiring: load reports and dbt arguments."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from dagster_project.lib.dbt_cli import (
    dbt_build_args,
    dbt_environment,
    dbt_executable,
    dbt_vars,
)
from dagster_project.lib.landing import LANDING_OBJECTS, summarize
from ingest.run import SOURCE_KINDS


@dataclass
class Result:
    source: str
    object: str
    source_id: str
    batch_id: str | None = None
    rows_loaded: int = 0
    rows_quarantined: int = 0
    files_skipped: int = 0
    error: str | None = None


def test_every_source_kind_has_its_landing_objects() -> None:
    assert tuple(LANDING_OBJECTS) == SOURCE_KINDS
    assert LANDING_OBJECTS["store"] == (
        "receipts",
        "receipt_lines",
        "stock_movements",
        "stocktake_counts",
        "stock_on_hand",
    )
    assert LANDING_OBJECTS["legacy_store"] == ("sales", "moves", "stock")
    assert LANDING_OBJECTS["supplier"] == ("price_list", "order_confirmation", "asn")
    assert LANDING_OBJECTS["crm"] == ("contacts", "feedback", "campaigns", "campaign_responses")


def test_summarize_adds_up_sources_and_names_the_failed_store() -> None:
    results = [
        Result("store", "receipts", "S001", "b1", rows_loaded=10, rows_quarantined=1),
        Result("store", "receipts", "S002", "b2", rows_loaded=5),
        Result("store", "receipt_lines", "S001", "b3", rows_loaded=30),
        Result("store", "receipt_lines", "S002", error="database is locked"),
    ]
    report = summarize("store", results)

    receipts = report.objects["receipts"]
    assert (receipts.rows_loaded, receipts.rows_quarantined, receipts.ok) == (15, 1, True)
    assert receipts.loaded_sources == ("S001", "S002")
    lines = report.objects["receipt_lines"]
    assert not lines.ok
    assert lines.failures == (("S002", "database is locked"),)
    assert lines.loaded_sources == ("S001",)
    assert report.failed_sources == {"S002": "database is locked"}
    assert not report.all_failed
    assert "S002 (database is locked)" in report.failure_text()
    assert set(report.objects) == set(LANDING_OBJECTS["store"])


def test_a_source_error_outside_the_objects_fails_every_object() -> None:
    report = summarize("store", [Result("store", "*", "S009", error="unreachable")])
    assert all(not obj.ok for obj in report.objects.values())
    assert report.all_failed


def test_no_sources_is_not_a_failure() -> None:
    report = summarize("legacy_store", [])
    assert not report.all_failed
    assert all(obj.ok and obj.rows_loaded == 0 for obj in report.objects.values())


def test_dbt_build_args_pass_the_tolerance_as_vars() -> None:
    args = dbt_build_args({"audits": {"stock_ledger": {"tolerance_qty": 0.5}}})
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"stock_ledger_tolerance_qty": 0.5}
    assert dbt_build_args({}) == ["build"]


def test_dbt_runs_from_the_venv_with_the_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(tmp_path))
    env = dbt_environment()
    assert env["RETAILWH_DATA_DIR"] == str(tmp_path)
    assert str(dbt_executable().parent) in env["PATH"].split(os.pathsep)
    assert dbt_executable().exists()


def test_every_configured_mart_setting_is_a_declared_dbt_var() -> None:
    import yaml

    from retailwh import settings

    declared = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    passed = dbt_vars(settings.warehouse_settings())
    assert {"overstock_days_of_cover", "supplier_in_full_tolerance", "service_level_z"} <= set(
        passed
    )
    assert set(passed) <= set(declared), set(passed) - set(declared)
    # the file's values are the dbt defaults
    for name, value in passed.items():
        assert declared[name] == value, name

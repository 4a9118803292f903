"""Freshness checks per store and source kind, from audits.freshness.max_silent_days, on the ci
chain whose legacy store S003 goes silent for its last 3 business days (fault store_silent)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from dagster_project.defs.checks.freshness import freshness_checks
from dagster_project.lib.freshness import judge
from retailwh import settings


def _run_checks() -> dict[str, dg.AssetCheckResult]:
    return {check.check_key.asset_key.path[1]: check() for check in freshness_checks}


def test_judge_counts_days_behind_the_chain() -> None:
    stores = judge(
        ["S1", "S2", "S3"],
        {"S1": date(2026, 10, 31), "S2": date(2026, 10, 29)},
        date(2026, 10, 31),
        limit=1,
    )
    assert [(s.store_id, s.days_behind, s.is_silent) for s in stores] == [
        ("S1", 0, False),
        ("S2", 2, True),
        ("S3", None, True),  # configured, nothing landed
    ]


def test_a_kind_left_out_gets_the_store_limit_as_in_the_audit() -> None:
    limits = settings.freshness_max_silent_days(
        {"audits": {"freshness": {"max_silent_days": {"store": 4}}}}
    )
    assert settings.max_silent_days("legacy_store", limits) == 4
    assert settings.max_silent_days("store", settings.freshness_max_silent_days({})) == 1


@pytest.mark.e2e
def test_the_silent_store_fails_its_check_and_the_others_pass(ci_chain) -> None:
    results = _run_checks()
    legacy, modern = results["legacy_store"], results["store"]
    assert not legacy.passed
    assert legacy.metadata["silent_stores"].value == "S003"
    assert "S003: last data 2026-10-28, 3 day(s) behind (allowed 2)" in legacy.description
    assert modern.passed and modern.metadata["stores"].value == 2

    # the simulator's record and dbt's freshness audit name the same silent store
    silent_truth = {f["store_id"] for f in ci_chain.faults() if f["kind"] == "store_silent"}
    with duckdb.connect(str(ci_chain.warehouse), read_only=True) as con:
        audited = {
            row[0]
            for row in con.execute(
                "select distinct store_id from audits.audit_freshness where rule = 'store_silent'"
            ).fetchall()
        }
    assert silent_truth == audited == {"S003"}


@pytest.mark.e2e
def test_the_limit_comes_from_the_warehouse_settings(
    ci_chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load(settings.settings_path().read_text())
    config["audits"]["freshness"]["max_silent_days"]["legacy_store"] = 3
    path = tmp_path / "warehouse.yml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("RETAILWH_SETTINGS", str(path))
    assert _run_checks()["legacy_store"].passed

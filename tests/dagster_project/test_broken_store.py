"""A store whose database is broken: the other stores land, the run names the store and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml

from dagster_project.defs.ingest import assets as ingest_assets
from dagster_project.lib.landing import LANDING_OBJECTS


@pytest.mark.e2e
def test_a_corrupt_store_database_leaves_the_others_landed(
    ci_sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    sources = data / "sources"
    shutil.copytree(
        ci_sources, sources, ignore=shutil.ignore_patterns("crm", "legacy", "suppliers")
    )
    broken = sources / "stores" / "S002.sqlite"
    broken.write_bytes(b"this is not a SQLite database\n" * 100)
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data))
    settings_file = tmp_path / "warehouse.yml"
    settings_file.write_text("ingest:\n  source_retries: 1\n  retry_backoff_seconds: 0.01\n")
    monkeypatch.setenv("RETAILWH_SETTINGS", str(settings_file))
    config = yaml.safe_load((sources / "sources.yml").read_text())
    assert [s["store_id"] for s in config["stores"] if s["kind"] == "modern"] == ["S001", "S002"]

    landing_store = next(a for a in ingest_assets.landing_assets if a.op.name == "landing_store")
    result = dg.materialize([landing_store], instance=dg.DagsterInstance.ephemeral())

    assert result.success
    materialized = {e.asset_key.path[-1]: e for e in result.get_asset_materialization_events()}
    assert set(materialized) == set(LANDING_OBJECTS["store"])
    receipts = materialized["receipts"].materialization.metadata
    assert receipts["sources_loaded"].value == 1 and receipts["sources_failed"].value == 1
    assert receipts["rows_loaded"].value > 0
    assert receipts["source_retries"].value == 1
    assert list((data / "landing" / "store" / "receipts" / "S001").glob("*.parquet"))
    assert not (data / "landing" / "store" / "receipts" / "S002").exists()
    checks = [
        e for e in result.get_asset_check_evaluations() if e.check_name == ingest_assets.CHECK_NAME
    ]
    assert len(checks) == len(LANDING_OBJECTS["store"])
    for check in checks:
        assert not check.passed
        assert "S002" in check.description and "not a database" in check.description, check

"""A kind's load materializes what landed; a failed store fails a check, not the whole kind."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import pytest

from dagster_project.defs.ingest import assets as ingest_assets


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


@pytest.fixture
def fake_loads(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """Replace the real loaders; return the list the next load reports."""
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(tmp_path))
    # the fake loads answer the same every time: no retries (test_source_retries.py has those)
    settings_file = tmp_path / "warehouse.yml"
    settings_file.write_text("ingest:\n  source_retries: 0\n")
    monkeypatch.setenv("RETAILWH_SETTINGS", str(settings_file))
    results: list[Result] = []
    calls: list[str] = []

    def load_source_kind(kind, config, landing):
        calls.append(kind)
        assert landing == tmp_path / "landing"
        return list(results)

    monkeypatch.setattr(ingest_assets, "load_sources_config", lambda: object())
    monkeypatch.setattr(ingest_assets, "load_source_kind", load_source_kind)
    return results


def _landing(kind: str) -> dg.AssetsDefinition:
    return next(a for a in ingest_assets.landing_assets if a.op.name == f"landing_{kind}")


def _materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        event.asset_key.path[-1]: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }


def test_every_store_loaded(fake_loads: list[Result]) -> None:
    fake_loads += [
        Result("supplier", "asn", "SUP01", "b1", rows_loaded=4, rows_quarantined=1),
        Result("supplier", "asn", "SUP02", "b2", rows_loaded=6),
    ]
    result = dg.materialize([_landing("supplier")])

    assert result.success
    metadata = _materializations(result)["asn"]
    assert metadata["rows_loaded"].value == 10
    assert metadata["rows_quarantined"].value == 1
    checks = {(c.asset_key.path[-1], c.check_name): c for c in result.get_asset_check_evaluations()}
    assert checks["asn", "sources_loaded"].passed
    assert checks["asn", "rows_accounted_for"].passed


def test_a_failed_store_fails_its_check_and_the_others_still_land(
    fake_loads: list[Result],
) -> None:
    for obj in ("sales", "moves", "stock"):
        fake_loads.append(Result("legacy_store", obj, "S003", "b1", rows_loaded=7))
    fake_loads.append(
        Result("legacy_store", "sales", "S004", error="S004_20260101_sales.csv: cut off")
    )
    result = dg.materialize([_landing("legacy_store")])

    assert result.success
    metadata = _materializations(result)
    assert set(metadata) == {"sales", "moves", "stock"}
    assert metadata["sales"]["rows_loaded"].value == 7
    assert metadata["sales"]["sources_failed"].value == 1
    checks = {
        c.asset_key.path[-1]: c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "sources_loaded"
    }
    assert not checks["sales"].passed
    assert "S004" in checks["sales"].description and "cut off" in checks["sales"].description
    assert checks["moves"].passed


def test_every_store_failed_still_lets_the_build_go_on(fake_loads: list[Result]) -> None:
    fake_loads += [
        Result("crm", "contacts", "crm", error="HTTP 503 from /crm/v3/objects/contacts"),
        Result("crm", "feedback", "crm", error="HTTP 503 from /crm/v3/objects/feedback"),
    ]
    result = dg.materialize([_landing("crm")])

    assert result.success
    assert set(_materializations(result)) == {
        "contacts",
        "feedback",
        "campaigns",
        "campaign_responses",
    }
    checks = {
        c.asset_key.path[-1]: c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "sources_loaded"
    }
    assert not checks["contacts"].passed and not checks["feedback"].passed
    assert "HTTP 503" in checks["contacts"].description


def test_an_unexpected_ingest_error_fails_the_step(
    fake_loads: list[Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(kind, config, landing):
        raise ValueError("sources.yml: store S001 has no url")

    monkeypatch.setattr(ingest_assets, "load_source_kind", broken)
    result = dg.materialize([_landing("store")], raise_on_error=False)

    assert not result.success
    assert not result.get_asset_materialization_events()

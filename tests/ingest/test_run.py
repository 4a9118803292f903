from __future__ import annotations

from pathlib import Path

import yaml
from ingest_fixtures import SALES, SALES_HEADER, create_store, csv_bytes, store_rows

from ingest.config import load_sources_config
from ingest.landing import Landing
from ingest.run import LoadResult, load_all, load_source_kind


def write_chain(root: Path) -> Path:
    """Sources per the contract: a missing head-office database (errors), two modern stores
    (one missing), a legacy store, an empty supplier folder, no CRM."""
    (root / "stores").mkdir(parents=True)
    create_store(f"sqlite:///{root / 'stores' / 'S001.sqlite'}", store_rows()).dispose()
    legacy = root / "legacy" / "S003"
    legacy.mkdir(parents=True)
    (legacy / "S003_20260302_sales.csv").write_bytes(csv_bytes(SALES_HEADER, SALES))
    (root / "suppliers" / "SUP01").mkdir(parents=True)
    config = {
        "chain": "test",
        "timezone": "Europe/Berlin",
        "head_office": {"url": "sqlite:///{here}/head_office.sqlite"},
        "stores": [
            {"store_id": "S001", "kind": "modern", "url": "sqlite:///{here}/stores/S001.sqlite"},
            {"store_id": "S002", "kind": "modern", "url": "sqlite:///{here}/stores/S002.sqlite"},
            {"store_id": "S003", "kind": "legacy", "path": "{here}/legacy/S003"},
        ],
        "suppliers": [{"supplier_id": "SUP01", "path": "{here}/suppliers/SUP01"}],
    }
    path = root / "sources.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_one_failing_store_does_not_stop_the_others(tmp_path):
    config = load_sources_config(write_chain(tmp_path / "sources"))
    results = load_source_kind("store", config, tmp_path / "landing")
    by_store: dict[str, list[LoadResult]] = {}
    for r in results:
        by_store.setdefault(r.source_id, []).append(r)
    assert all(r.error is None for r in by_store["S001"])
    assert sum(r.rows_loaded for r in by_store["S001"]) == sum(
        len(v) for v in store_rows().values()
    )
    assert len(by_store["S002"]) == 5
    assert all("does not exist" in r.error for r in by_store["S002"])


def test_load_all_defaults_to_settings_and_is_idempotent(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data))
    write_chain(data / "sources")

    results = load_all()

    loaded = {(r.source, r.object, r.source_id): r.rows_loaded for r in results if not r.error}
    assert loaded[("store", "receipt_lines", "S001")] == 6
    assert loaded[("legacy_store", "sales", "S003")] == 3
    assert loaded[("supplier", "asn", "SUP01")] == 0
    errors = {(r.source, r.source_id) for r in results if r.error}
    assert errors == {("head_office", "head_office"), ("store", "S002")}
    assert (data / "landing" / "_manifest.sqlite").exists()

    manifest = Landing(data / "landing").manifest_rows("batches")
    assert sum(r.rows_loaded for r in load_all()) == 0
    assert Landing(data / "landing").manifest_rows("batches") == manifest

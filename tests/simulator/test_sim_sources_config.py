from pathlib import Path

import yaml


def test_sources_yml(ci_sources: Path) -> None:
    text = (ci_sources / "sources.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert config == {
        "chain": "ci",
        "timezone": "Europe/Berlin",
        "head_office": {"url": "sqlite:///{here}/head_office.sqlite"},
        "stores": [
            {"store_id": "S001", "kind": "modern", "url": "sqlite:///{here}/stores/S001.sqlite"},
            {"store_id": "S002", "kind": "modern", "url": "sqlite:///{here}/stores/S002.sqlite"},
            {"store_id": "S003", "kind": "legacy", "path": "{here}/legacy/S003", "encoding": "gbk"},
        ],
        "suppliers": [{"supplier_id": "SUP01", "path": "{here}/suppliers/SUP01", "format": "csv"}],
        "crm": {"base_url": "http://127.0.0.1:8765", "token_env": "RETAILWH_CRM_TOKEN"},
    }
    here = str(ci_sources)
    for store in config["stores"]:
        target = store.get("url", "").removeprefix("sqlite:///") or store["path"]
        assert Path(target.replace("{here}", here)).exists()


def test_supplier_asn_files(ci_sources: Path) -> None:
    files = sorted((ci_sources / "suppliers" / "SUP01").glob("asn_*.csv"))
    assert len(files) > 10
    lines = files[0].read_text(encoding="utf-8").splitlines()
    assert (
        lines[0] == "asn_id,po_id,supplier_id,store_id,gtin,qty_shipped,shipped_date,expected_date"
    )
    asn_id, po_id, supplier_id = lines[1].split(",")[:3]
    assert files[0].name == f"asn_{asn_id}.csv" and supplier_id == "SUP01"
    assert po_id.startswith("PO")

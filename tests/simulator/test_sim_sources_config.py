from pathlib import Path

import yaml
from sim_readback import faulty_files, read_supplier_messages


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
        "suppliers": [
            {"supplier_id": f"SUP0{i}", "path": f"{{here}}/suppliers/SUP0{i}", "format": fmt}
            for i, fmt in enumerate(("csv", "edifact", "xlsx", "jsonl"), start=1)
        ],
        "crm": {"base_url": "http://127.0.0.1:8765", "token_env": "RETAILWH_CRM_TOKEN"},
    }
    here = str(ci_sources)
    for store in config["stores"]:
        target = store.get("url", "").removeprefix("sqlite:///") or store["path"]
        assert Path(target.replace("{here}", here)).exists()


def test_supplier_asn_files(ci_sources: Path) -> None:
    broken = faulty_files(ci_sources)
    files = sorted((ci_sources / "suppliers" / "SUP01").glob("asn_*.csv"))
    assert len(files) > 10
    assert broken & {f.name for f in files}  # column faults hit CSV ASNs ...
    files = [f for f in files if f.name not in broken]  # ... the others keep the contract
    lines = files[0].read_text(encoding="utf-8").splitlines()
    assert (
        lines[0] == "asn_id,po_id,supplier_id,store_id,gtin,qty_shipped,shipped_date,expected_date"
    )
    asn_id, po_id, supplier_id = lines[1].split(",")[:3]
    assert files[0].name == f"asn_{asn_id}.csv" and supplier_id == "SUP01"
    assert po_id.startswith("PO")


def test_every_format_carries_the_same_columns(ci_sources: Path) -> None:
    """CSV, JSON lines, Excel and EDIFACT feeds all read back to the contract's columns."""
    from simulator.suppliers import COLUMNS

    broken = faulty_files(ci_sources)
    for message, columns in COLUMNS.items():
        rows = [r for r in read_supplier_messages(ci_sources, message) if r["_file"] not in broken]
        by_ext: dict[str, set[tuple[str, ...]]] = {}
        for r in rows:
            by_ext.setdefault(r["_file"].rsplit(".", 1)[1], set()).add(tuple(sorted(r)))
        assert set(by_ext) == {"csv", "edi", "xlsx", "jsonl"}, message
        for ext, keys in by_ext.items():
            assert keys == {tuple(sorted([*columns, "_file"]))}, (message, ext)

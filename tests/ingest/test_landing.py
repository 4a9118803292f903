from __future__ import annotations

import re
import sqlite3

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_fixtures import T0, create_store, parquet_files, receipt_line

from ingest.contracts import STORE_TABLES
from ingest.landing import QUARANTINE_SCHEMA, FileRecord, Landing
from ingest.sources.sql_tables import load_table, make_engine


def test_batch_lands_one_parquet_with_metadata_and_manifest_row(landing):
    frame = pd.DataFrame({"gtin": ["4006381333931", "4012345678901"], "qty": [1.5, 2.0]})

    committed = landing.write_batch(
        "store", "stock_on_hand", "S001", frame, cursor={"hwm": "2026-03-02"}
    )

    assert re.fullmatch(r"\d{8}T\d{12}-[0-9a-f]{8}", committed.batch_id)
    assert (
        committed.path
        == landing.root / "store/stock_on_hand/S001" / f"{committed.batch_id}.parquet"
    )
    table = pq.read_table(committed.path)
    assert table.column_names == [
        "gtin",
        "qty",
        "_source",
        "_object",
        "_source_id",
        "_batch_id",
        "_loaded_at",
    ]
    assert table.schema.field("_loaded_at").type == pa.timestamp("us", tz="UTC")
    assert set(table.column("_batch_id").to_pylist()) == {committed.batch_id}
    (batch,) = landing.manifest_rows("batches")
    assert batch["path"] == f"store/stock_on_hand/S001/{committed.batch_id}.parquet"
    assert (batch["rows"], batch["kind"]) == (2, "data")
    assert len(batch["sha256"]) == 64
    assert landing.get_cursor("store", "stock_on_hand", "S001") == {"hwm": "2026-03-02"}
    # nothing else lies around: no temporary files
    assert [p.name for p in committed.path.parent.iterdir()] == [committed.path.name]


def test_empty_batch_writes_nothing(landing):
    assert (
        landing.write_batch("store", "receipts", "S001", pa.table({"a": pa.array([], pa.int64())}))
        is None
    )
    assert parquet_files(landing.root) == set()
    assert landing.manifest_rows("batches") == []


def test_quarantine_rows_share_the_batch_and_are_text(landing):
    with landing.scope("supplier", "asn", "SUP01"):
        batch = landing.new_batch("supplier", "asn", "SUP01")
        batch.write(pa.table({"asn_id": ["A1"]}))
        batch.quarantine(source_file="asn_A2.csv", line_no=3, raw="A2,,x", reason="po_id: is empty")
        committed = batch.commit(files=[FileRecord("asn_A2.csv", "ab" * 32, "loaded")])
    q = pq.read_table(committed.quarantine_path)
    assert q.schema == QUARANTINE_SCHEMA
    row = q.to_pylist()[0]
    assert row["_batch_id"] == committed.batch_id
    assert (row["source_file"], row["line_no"], row["raw"], row["reason"]) == (
        "asn_A2.csv",
        3,
        "A2,,x",
        "po_id: is empty",
    )
    assert committed.quarantine_path.parent == landing.root / "_quarantine/supplier/asn/SUP01"
    kinds = sorted(b["kind"] for b in landing.manifest_rows("batches"))
    assert kinds == ["data", "quarantine"]
    (f,) = landing.manifest_rows("files")
    assert (f["status"], f["batch_id"]) == ("loaded", committed.batch_id)


def test_failed_manifest_commit_leaves_no_file(landing, monkeypatch):
    def boom(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Landing, "_commit", boom)
    with pytest.raises(sqlite3.OperationalError):
        landing.write_batch("store", "receipts", "S001", pa.table({"a": [1]}))
    assert parquet_files(landing.root) == set()
    assert not any(landing.root.rglob("*.tmp"))


def test_recovery_sweep_removes_orphans_of_a_killed_load(landing, store_url):
    create_store(store_url, {"receipt_lines": [receipt_line(1, 1, T0)]}).dispose()
    contract = next(t for t in STORE_TABLES if t.name == "receipt_lines")
    folder = landing.data_dir("store", "receipt_lines", "S001")
    folder.mkdir(parents=True)
    # a load killed after the rename (before its manifest commit), and one killed mid-write
    orphan = folder / "20260302T080000000000-deadbeef.parquet"
    pq.write_table(pa.table({"receipt_id": ["S001-R00001"]}), orphan)
    temp = folder / ".20260302T080001000000-deadbeef.parquet.tmp"
    temp.write_bytes(b"PAR1")

    engine = make_engine(store_url)
    result = load_table(engine, landing, source="store", source_id="S001", contract=contract)
    engine.dispose()

    assert result.rows_loaded == 1
    assert not orphan.exists() and not temp.exists()
    assert sorted(folder.iterdir()) == landing.batch_paths("data")


def test_full_sweep(landing):
    committed = landing.write_batch("crm", "contacts", "crm", pa.table({"id": ["1"]}))
    orphan = committed.path.with_name("20260302T080000000000-00000000.parquet")
    orphan.write_bytes(b"x")
    q_orphan = landing.quarantine_dir("crm", "contacts", "crm") / "x.parquet"
    q_orphan.parent.mkdir(parents=True)
    q_orphan.write_bytes(b"x")
    assert sorted(landing.sweep()) == sorted([orphan, q_orphan])
    assert committed.path.exists()

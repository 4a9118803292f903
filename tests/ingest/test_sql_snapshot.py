"""First loads of SQLite tables as snapshots in rowid ranges, handing over to incremental loads;
Arrow reads whose column types come from the contract, not from the first rows read."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from ingest_fixtures import T0, as_utc, create_store, landed, receipt_line, receipt_lines

from ingest.contracts import STORE_TABLES
from ingest.landing import Batch, Landing
from ingest.sources import sql_tables
from ingest.sources.sql_tables import _adbc_chunks, _ArrowPathFailed, load_table, make_engine

CONTRACTS = {t.name: t for t in STORE_TABLES}


def load(url: str, landing: Landing, table: str = "receipt_lines", **kwargs):
    engine = make_engine(url)
    try:
        return load_table(
            engine, landing, source="store", source_id="S001", contract=CONTRACTS[table], **kwargs
        )
    finally:
        engine.dispose()


def cursor(landing: Landing, table: str = "receipt_lines") -> dict:
    return landing.get_cursor("store", table, "S001")


def source_rows(url: str) -> dict[tuple, dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(receipt_lines))]
    engine.dispose()
    return {(r["receipt_id"], r["line_no"]): r for r in rows}


def latest_landed(landing: Landing) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    rows = landed(landing, "store", "receipt_lines", "S001")
    for r in sorted(rows, key=lambda r: (r["updated_at"], r["_batch_id"])):
        out[(r["receipt_id"], r["line_no"])] = r
    return out


def assert_latest_equals_source(landing: Landing, url: str) -> None:
    got = latest_landed(landing)
    want = source_rows(url)
    assert set(got) == set(want)
    for key, row in want.items():
        assert got[key]["updated_at"] == as_utc(row["updated_at"]), key
        assert got[key]["qty"] == Decimal(str(row["qty"])).quantize(Decimal("0.001")), key


def test_first_load_is_a_snapshot_in_rowid_ranges_then_incremental(store_url, landing):
    rows = [receipt_line(i, 1, T0 + timedelta(seconds=i % 50)) for i in range(1_000)]
    engine = create_store(store_url, {"receipt_lines": rows})

    first = load(store_url, landing, chunk_rows=100, batch_rows=300)

    assert first.rows_loaded == 1_000
    assert len(first.batch_ids) == 4  # 300 + 300 + 300 + 100 rowids
    state = cursor(landing)
    assert "snapshot" not in state and state["pass"] is None
    assert state["hwm"] == as_utc(T0 + timedelta(seconds=49)).isoformat()
    # rows inside the lookback window of the mark are remembered, so they do not land again
    assert len(state["window"]) == 1_000
    assert load(store_url, landing, chunk_rows=100, batch_rows=300).rows_loaded == 0

    with engine.begin() as conn:
        conn.execute(
            receipt_lines.update()
            .where(receipt_lines.c.receipt_id == "S001-R00007")
            .values(qty=Decimal("5"), updated_at=T0 + timedelta(hours=1))
        )
        conn.execute(receipt_lines.insert(), [receipt_line(5_000, 1, T0 + timedelta(hours=1))])
    engine.dispose()

    again = load(store_url, landing, chunk_rows=100, batch_rows=300)

    assert again.rows_loaded == 2
    assert_latest_equals_source(landing, store_url)
    assert load(store_url, landing).rows_loaded == 0


def test_rows_changed_while_a_snapshot_runs_land_by_the_next_load(store_url, landing, monkeypatch):
    rows = [receipt_line(i, 1, T0 + timedelta(seconds=i)) for i in range(900)]
    engine = create_store(store_url, {"receipt_lines": rows})
    later = T0 + timedelta(hours=2)
    original = Batch.commit
    commits = []

    def commit_then_change_the_source(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        commits.append(out)
        if len(commits) == 1:  # after the first range (rows 0..299) committed
            with engine.begin() as conn:
                for rid in ("S001-R00010", "S001-R00700"):  # one read already, one not yet
                    conn.execute(
                        receipt_lines.update()
                        .where(receipt_lines.c.receipt_id == rid)
                        .values(qty=Decimal("9"), updated_at=later)
                    )
                conn.execute(
                    receipt_lines.delete().where(receipt_lines.c.receipt_id == "S001-R00500")
                )
                conn.execute(receipt_lines.insert(), [receipt_line(9_000, 1, later)])
        return out

    monkeypatch.setattr(Batch, "commit", commit_then_change_the_source)
    first = load(store_url, landing, chunk_rows=100, batch_rows=300)
    monkeypatch.setattr(Batch, "commit", original)

    # R00500 is gone before its range is read; the new row (above the snapshot's last rowid)
    # is left to the next load
    assert first.rows_loaded == 899
    assert cursor(landing)["hwm"] == as_utc(T0 + timedelta(seconds=899)).isoformat()

    second = load(store_url, landing, chunk_rows=100, batch_rows=300)

    # R00010's new version and the new row; R00700's new version landed with the snapshot
    assert second.rows_loaded == 2
    # R00500 was deleted before its range was read: it never landed
    assert_latest_equals_source(landing, store_url)
    assert load(store_url, landing).rows_loaded == 0
    engine.dispose()


def test_killed_snapshot_starts_again_when_rowids_no_longer_hold_their_rows(
    store_url, landing, monkeypatch
):
    rows = [receipt_line(i, 1, T0 + timedelta(seconds=i)) for i in range(900)]
    engine = create_store(store_url, {"receipt_lines": rows})
    original = Batch.commit
    commits = []

    def commit_then_die(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        commits.append(out)
        if len(commits) == 2:
            raise KeyboardInterrupt  # gone after two committed ranges, like a kill
        return out

    monkeypatch.setattr(Batch, "commit", commit_then_die)
    with pytest.raises(KeyboardInterrupt):
        load(store_url, landing, chunk_rows=100, batch_rows=300)
    monkeypatch.setattr(Batch, "commit", original)
    assert cursor(landing)["snapshot"]["after"] == 600
    # the store system rebuilds the table: every row gets another rowid
    with engine.begin() as conn:
        conn.execute(
            sa.text("create table copy as select * from receipt_lines order by rowid desc")
        )
        conn.execute(sa.text("delete from receipt_lines"))
        conn.execute(sa.text("insert into receipt_lines select * from copy"))
        conn.execute(sa.text("drop table copy"))
    engine.dispose()

    resumed = load(store_url, landing, chunk_rows=100, batch_rows=300)

    assert resumed.error is None
    # read again from the start (twice is harmless, lost is not), less the rows already landed
    # inside the lookback window of the mark (updated T0+299s..T0+599s), which the cursor knows
    assert resumed.rows_loaded == 900 - 301
    assert_latest_equals_source(landing, store_url)
    assert load(store_url, landing).rows_loaded == 0


def test_snapshot_ranges_fill_batches_when_rowids_have_gaps(store_url, landing):
    rows = [receipt_line(i, 1, T0 + timedelta(seconds=i)) for i in range(700)]
    engine = create_store(store_url, {"receipt_lines": rows})
    with engine.begin() as conn:  # rowids 10 007 apart
        conn.execute(sa.text("update receipt_lines set rowid = rowid * 10007"))
    engine.dispose()

    result = load(store_url, landing, chunk_rows=50, batch_rows=200)

    assert result.rows_loaded == 700
    assert len(result.batch_ids) == 4  # 200 + 200 + 200 + 100, not one batch per gap
    assert_latest_equals_source(landing, store_url)


def test_table_without_rowid_is_read_in_updated_at_order(store_url, landing):
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "create table receipt_lines (receipt_id text, line_no integer, gtin text,"
                " qty numeric, unit_price_gross numeric, discount_gross numeric,"
                " line_total_gross numeric, vat_rate numeric, updated_at datetime,"
                " primary key (receipt_id, line_no)) without rowid"
            )
        )
        conn.execute(
            receipt_lines.insert(),
            [receipt_line(i, 1, T0 + timedelta(seconds=i)) for i in range(500)],
        )
    engine.dispose()

    result = load(store_url, landing, chunk_rows=100, batch_rows=200)

    assert (result.rows_loaded, result.error, len(result.batch_ids)) == (500, None, 3)
    assert_latest_equals_source(landing, store_url)
    assert load(store_url, landing).rows_loaded == 0


def _movement(i: int, counterparty: str | None, qty: str) -> dict:
    at = T0 + timedelta(seconds=i)
    return {
        "movement_id": f"S001-M{i:05d}",
        "store_id": "S001",
        "gtin": "4006381333931",
        "movement_type": "transfer_out" if counterparty else "sale",
        "qty": Decimal(qty),
        "moved_at": at,
        "business_date": at.date(),
        "document_type": "transfer" if counterparty else "receipt",
        "document_id": f"D{i}",
        "counterparty_store_id": counterparty,
        "updated_at": at,
    }


def test_arrow_types_come_from_the_contract_not_the_first_rows(store_url, landing, caplog):
    # counterparty_store_id is null in the whole first chunk; qty holds whole numbers (SQLite
    # INTEGER) before fractional ones (REAL): inferred from the first chunk, both were int64
    rows = [_movement(i, None, "2") for i in range(300)]
    rows += [_movement(i, "S002", "2.5") for i in range(300, 400)]
    engine = create_store(store_url, {"stock_movements": rows})
    contract = CONTRACTS["stock_movements"]
    sql = "select " + ", ".join(contract.column_names) + " from stock_movements"
    uri = f"file:{store_url.removeprefix('sqlite:///')}?mode=ro"
    with pytest.raises(_ArrowPathFailed):  # the driver's own inference
        list(_adbc_chunks(uri, sql, [], 100))

    chunks = list(_adbc_chunks(uri, sql, [], 100, [t for _, t in contract.columns]))

    assert sum(len(c[0]) for c in chunks) == 400
    names = contract.column_names
    assert str(chunks[0][names.index("counterparty_store_id")].type) == "string"
    assert str(chunks[0][names.index("qty")].type) == "double"

    caplog.set_level(logging.INFO, logger=sql_tables.__name__)
    first = load(store_url, landing, "stock_movements", chunk_rows=100, batch_rows=250)
    with engine.begin() as conn:  # the incremental read too
        conn.execute(
            sa.text(
                "update stock_movements set updated_at = :at where movement_id >= 'S001-M00350'"
            ),
            {"at": str(T0 + timedelta(hours=1))},
        )
    second = load(store_url, landing, "stock_movements", chunk_rows=20, batch_rows=250)
    engine.dispose()

    assert (first.rows_loaded, second.rows_loaded) == (400, 50)
    assert not [r for r in caplog.records if "reading rows" in r.getMessage()]
    got = {r["movement_id"]: r for r in landed(landing, "store", "stock_movements", "S001")}
    assert got["S001-M00000"]["counterparty_store_id"] is None
    assert got["S001-M00399"]["counterparty_store_id"] == "S002"
    assert got["S001-M00000"]["qty"] == Decimal("2.000")
    assert got["S001-M00399"]["qty"] == Decimal("2.500")

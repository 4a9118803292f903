"""The true chain adds up, and only the recorded faults break it."""

import sqlite3
from pathlib import Path

from sim_readback import (
    faults as _faults,
)
from sim_readback import (
    ground_truth,
    movement_totals,
    read_legacy,
    reported_on_hand,
    silent_stores,
    store_kinds,
)


def test_fault_free_pairs_add_up(ci_sources: Path) -> None:
    faults = _faults(ci_sources)
    touched = {(f["store_id"], f["gtin"]) for f in faults if f["gtin"] is not None}
    silent = silent_stores(ci_sources)
    moves, reported, truth = (
        movement_totals(ci_sources),
        reported_on_hand(ci_sources),
        ground_truth(ci_sources),
    )
    assert len(truth) == 3 * 80
    assert touched <= set(truth)
    clean = [k for k in truth if k not in touched]
    assert len(clean) == len(truth) - len(touched)
    # a silent store reports its own ledger as of the day it went silent; the rest is the truth
    assert all(moves[k] == reported[k] for k in clean)
    assert all(moves[k] == truth[k] for k in clean if k[0] not in silent)
    assert sum(truth[k] for k in clean if k[0] not in silent) > 1000
    # what happened while a store was silent is in the truth but not in its ledger
    assert all(any(truth[k] != moves[k] for k in clean if k[0] == s) for s in silent)


def test_ledger_faults_touch_distinct_pairs_outside_silent_stores(ci_sources: Path) -> None:
    kinds = {
        "transfer_missing_in",
        "transfer_qty_mismatch",
        "goods_receipt_duplicated",
        "sale_without_movement",
    }
    faults = [f for f in _faults(ci_sources) if f["kind"] in kinds]
    assert {f["kind"] for f in faults} == kinds
    assert not {f["store_id"] for f in faults} & silent_stores(ci_sources)
    pairs = [(f["kind"], f["store_id"], f["gtin"]) for f in faults]
    assert len({p[1:] for p in pairs}) == len({p for p in pairs})


def test_onhand_mismatch_breaks_only_the_report(ci_sources: Path) -> None:
    faults = [f for f in _faults(ci_sources) if f["kind"] == "onhand_mismatch"]
    moves, reported, truth = (
        movement_totals(ci_sources),
        reported_on_hand(ci_sources),
        ground_truth(ci_sources),
    )
    assert len(faults) >= 2
    assert {f["store_id"] for f in faults} >= {"S003"}  # the legacy store
    assert any(f["store_id"] in {"S001", "S002"} for f in faults)
    silent = silent_stores(ci_sources)
    for f in faults:
        key = (f["store_id"], f["gtin"])
        assert reported[key] != moves[key]
        assert round(reported[key] - moves[key], 3) == f["qty"]
        if f["store_id"] not in silent:
            assert moves[key] == truth[key]
        if f["document_type"] == "stock":  # names the legacy store's last stock file
            assert (ci_sources / "legacy" / f["store_id"] / f["document_id"]).exists()
    assert any(f["store_id"] not in silent for f in faults)


def test_transfer_missing_in(ci_sources: Path) -> None:
    faults = [f for f in _faults(ci_sources) if f["kind"] == "transfer_missing_in"]
    assert faults
    moves, reported, truth = (
        movement_totals(ci_sources),
        reported_on_hand(ci_sources),
        ground_truth(ci_sources),
    )
    for f in faults:
        key = (f["store_id"], f["gtin"])
        assert round(truth[key] - moves[key], 3) == f["qty"] > 0
        assert reported[key] == moves[key]  # the receiver reports its own, incomplete, ledger
        assert f["document_type"] == "transfer" and f["document_id"].startswith("TR-")
    # the sender booked the transfer out, naming the receiver; nobody booked it in
    f = faults[0]
    sender = f["detail"].split(" sent by ")[1].split()[0]
    outs, ins = _transfer_moves(ci_sources, f["document_id"])
    assert outs and all(store == sender and cp == f["store_id"] for store, cp, _ in outs)
    assert ins == []


def _transfer_moves(sources: Path, doc: str) -> tuple[list, list]:
    outs, ins = [], []
    for store_id, kind in store_kinds(sources).items():
        if kind == "modern":
            with sqlite3.connect(sources / "stores" / f"{store_id}.sqlite") as con:
                rows = con.execute(
                    "select movement_type, counterparty_store_id, gtin from stock_movements "
                    "where document_type = 'transfer' and document_id = ?",
                    (doc,),
                ).fetchall()
        else:
            rows = [
                (r["类型"], r["对方门店"], r["条码"])
                for r in read_legacy(sources / "legacy" / store_id, "moves")
                if r["关联单据"] == doc
            ]
        for movement_type, cp, gtin in rows:
            (outs if movement_type == "transfer_out" else ins).append((store_id, cp, gtin))
    return outs, ins


def test_opening_stock_is_an_adjustment_on_day_one(ci_sources: Path) -> None:
    with sqlite3.connect(ci_sources / "stores" / "S001.sqlite") as con:
        rows = con.execute(
            "select business_date, document_type, count(*), min(qty) from stock_movements "
            "where document_id = 'OPEN-S001' group by 1, 2"
        ).fetchall()
    assert rows == [("2026-09-02", "adjustment", 80, rows[0][3])]
    assert rows[0][3] >= 0


def test_sales_match_receipts(ci_sources: Path) -> None:
    with sqlite3.connect(ci_sources / "stores" / "S001.sqlite") as con:
        by_line = con.execute(
            "select r.status, count(*), sum(l.qty) from receipt_lines l "
            "join receipts r using (receipt_id) group by r.status order by 1"
        ).fetchall()
        by_move = con.execute(
            "select m.movement_type, count(*), -sum(m.qty) from stock_movements m "
            "join receipts r on r.receipt_id = m.document_id "
            "where m.document_type = 'receipt' group by 1 order by 1"
        ).fetchall()
        voided_moves = con.execute(
            "select count(*) from stock_movements m join receipts r "
            "on r.receipt_id = m.document_id where r.status = 'voided'"
        ).fetchone()[0]
        totals_off = con.execute(
            "select count(*) from receipts r join (select receipt_id, "
            "round(sum(line_total_gross), 2) t from receipt_lines group by 1) l using (receipt_id) "
            "where abs(r.total_gross - l.t) > 0.001"
        ).fetchone()[0]
        returns = con.execute(
            "select count(*) from receipt_lines where qty < 0 and line_total_gross < 0"
        ).fetchone()[0]
    mine = [f for f in _faults(ci_sources) if f["store_id"] == "S001"]
    no_move = [f for f in mine if f["kind"] == "sale_without_movement"]
    off = [f for f in mine if f["kind"] == "receipt_total_mismatch"]
    status = {s: (n, q) for s, n, q in by_line}
    moves = {t: (n, q) for t, n, q in by_move}
    assert status["voided"][0] > 0 and voided_moves == 0
    # every completed line has its movement, except the lines sold without one
    assert moves["sale"][0] + moves["return"][0] == status["completed"][0] - len(no_move)
    # -sum(movement qty) is + for sales and - for returns, like the line quantities
    assert round(
        moves["sale"][1] + moves["return"][1] + sum(f["qty"] for f in no_move), 3
    ) == round(status["completed"][1], 3)
    assert returns == moves["return"][0] > 0
    assert totals_off == len(off)


def test_loyalty_cards_exist_in_crm(ci_sources: Path) -> None:
    with sqlite3.connect(ci_sources / "crm" / "crm.sqlite") as con:
        cards = {c for (c,) in con.execute("select loyalty_card from contacts")}
    with sqlite3.connect(ci_sources / "stores" / "S002.sqlite") as con:
        used = [c for (c,) in con.execute("select loyalty_card from receipts")]
    with_card = [c for c in used if c is not None]
    assert 0.3 < len(with_card) / len(used) < 0.5
    assert set(with_card) <= cards


def test_stocktake_corrections_match_counts(ci_sources: Path) -> None:
    with sqlite3.connect(ci_sources / "stores" / "S001.sqlite") as con:
        counts = {
            g: round(c - s, 3)
            for g, c, s in con.execute(
                "select gtin, counted_qty, system_qty from stocktake_counts "
                "where counted_qty != system_qty"
            )
        }
        corrections = {
            g: round(q, 3)
            for g, q in con.execute(
                "select gtin, qty from stock_movements where movement_type = 'stocktake_correction'"
            )
        }
    assert counts and counts == corrections

"""Stock marts on the built `ci` chain against the simulator's truth and independent recomputation.

Reads the warehouse the session's ``ci_chain`` fixture built (nothing is rebuilt here).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal

import duckdb
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def warehouse(ci_chain):
    con = duckdb.connect(str(ci_chain.warehouse), read_only=True)
    yield con
    con.close()


def _rows(con, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _truth_on_hand(chain) -> dict[tuple[str, str], Decimal]:
    with (chain.sources_dir / "ground_truth" / "on_hand.csv").open(encoding="utf-8") as f:
        return {(r["store_id"], r["gtin"]): Decimal(r["on_hand_qty"]) for r in csv.DictReader(f)}


def _clean_pairs(chain, truth) -> set[tuple[str, str]]:
    """Store x GTIN pairs no fault touched, in stores without a store-level fault."""
    faults = chain.faults()
    touched = {(f["store_id"], f["gtin"]) for f in faults if f.get("gtin")}
    store_level = {f["store_id"] for f in faults if f.get("store_id") and not f.get("gtin")}
    return {p for p in truth if p not in touched and p[0] not in store_level}


def test_on_hand_intervals_and_ledger_close_at_the_true_on_hand(ci_chain, warehouse):
    truth = _truth_on_hand(ci_chain)
    clean = _clean_pairs(ci_chain, truth)
    assert len(clean) > 100
    current = {
        (s, g): Decimal(str(q))
        for s, g, q in _rows(
            warehouse,
            "select store_id, gtin, on_hand_qty from marts.fct_stock_on_hand_intervals "
            "where is_current",
        )
    }
    closing = {
        (s, g): Decimal(str(q))
        for s, g, q in _rows(
            warehouse,
            "select store_id, gtin, closing_qty from marts.fct_stock_ledger_daily "
            "where next_business_date is null",
        )
    }
    assert {p: (truth[p], current.get(p)) for p in clean if current.get(p) != truth[p]} == {}
    assert {p: (truth[p], closing.get(p)) for p in clean if closing.get(p) != truth[p]} == {}


def test_book_stock_at_the_count_is_what_the_store_system_expected(warehouse):
    """Modern stores state their system quantity on the count sheet: it is the on-hand from
    their movements at the count's cut-off, so the warehouse's book stock must equal it."""
    rows = _rows(
        warehouse,
        "select store_id, gtin, book_qty, reported_system_qty from marts.fct_stocktake_shrinkage "
        "where count_source = 'stocktake_count'",
    )
    assert len(rows) >= 80
    assert [r for r in rows if r[2] != r[3]] == []


def test_excess_shrinkage_fault_is_found_by_the_stocktake(ci_chain, warehouse):
    faults = [f for f in ci_chain.faults() if f["kind"] == "stocktake_shrinkage_excess"]
    assert faults
    for fault in faults:
        (shrink,) = _rows(
            warehouse,
            "select shrink_qty from marts.fct_stocktake_shrinkage "
            "where store_id = ? and gtin = ? and stocktake_id = ?",
            [fault["store_id"], fault["gtin"], fault["document_id"]],
        )[0]
        # the fault's loss (recorded as counted - system, negative) plus the usual shrinkage
        assert shrink >= -Decimal(str(fault["qty"])), fault


def test_stocktake_report_sums_its_lines_and_rates_against_net_sales(warehouse):
    rows = _rows(
        warehouse,
        """
        select r.store_id, r.stocktake_id, r.shrink_amount_retail_net, r.net_sales_amount,
               r.shrink_rate, sum(f.shrink_amount_retail_net)
        from marts.rpt_stocktake_shrinkage r
        join marts.fct_stocktake_shrinkage f using (store_id, stocktake_id)
        group by all
        """,
    )
    assert len(rows) == 3  # one stocktake per store in the ci chain
    for _, _, retail, sales, rate, lines in rows:
        assert retail == lines
        assert sales > 0
        assert rate == pytest.approx(float(retail) / float(sales))


def test_transfer_faults_show_in_transit_and_as_differences(ci_chain, warehouse):
    faults = {f["kind"]: f for f in ci_chain.faults() if f["kind"].startswith("transfer_")}
    missing = faults["transfer_missing_in"]
    status, in_transit, to_store = _rows(
        warehouse,
        "select transfer_status, qty_in_transit, to_store_id from marts.fct_stock_transfers "
        "where transfer_id = ? and gtin = ?",
        [missing["document_id"], missing["gtin"]],
    )[0]
    assert status in ("in_transit", "overdue")
    assert to_store == missing["store_id"]
    assert in_transit == Decimal(str(missing["qty"]))
    (inbound,) = _rows(
        warehouse,
        "select qty_in_transit_inbound from marts.rpt_current_stock "
        "where store_id = ? and gtin = ?",
        [missing["store_id"], missing["gtin"]],
    )[0]
    assert inbound >= in_transit

    mismatch = faults["transfer_qty_mismatch"]
    sent, received, differs = _rows(
        warehouse,
        "select qty_sent, qty_received, has_qty_difference from marts.fct_stock_transfers "
        "where transfer_id = ? and gtin = ?",
        [mismatch["document_id"], mismatch["gtin"]],
    )[0]
    assert differs
    assert received - sent == Decimal(str(mismatch["qty"]))


def test_moving_average_cost_matches_an_independent_recurrence(warehouse):
    """Replay every store x GTIN's movements in time order in Python: a goods receipt moves the
    average to (on-hand before x average + received x order cost) / (on-hand before + received),
    or to the order cost when nothing was on hand; nothing else moves it."""
    head_office = dict(_rows(warehouse, "select gtin, cost_price from marts.dim_products"))
    order_cost = {
        (po, g): c
        for po, g, c in _rows(
            warehouse,
            "select po_id, gtin, unit_cost from staging.stg_head_office__purchase_order_lines",
        )
    }
    changes: dict[tuple[str, str], list] = defaultdict(list)
    for store, gtin, moved_at, qty, kind, doc in _rows(
        warehouse,
        "select store_id, gtin, moved_at, qty, movement_type, document_id "
        "from marts.fct_stock_movements order by store_id, gtin, moved_at",
    ):
        changes[(store, gtin)].append((moved_at, qty, kind, doc))
    expected = {}
    for pair, moves in changes.items():
        if pair[1] not in head_office:
            continue
        cost, on_hand, i = Decimal(head_office[pair[1]]), Decimal(0), 0
        while i < len(moves):  # movements at the same instant are one change
            at = moves[i][0]
            same = [m for m in moves[i:] if m[0] == at]
            i += len(same)
            received = [
                (q, order_cost.get((d, pair[1]), head_office[pair[1]]))
                for _, q, k, d in same
                if k == "goods_receipt" and q > 0
            ]
            if received:
                qty = sum(q for q, _ in received)
                unit = sum(q * c for q, c in received) / qty
                cost = unit if on_hand <= 0 else (on_hand * cost + qty * unit) / (on_hand + qty)
                cost = cost.quantize(Decimal("0.000001"))
            on_hand += sum(m[1] for m in same)
        expected[pair] = cost
    built = dict(
        ((s, g), c)
        for s, g, c in _rows(
            warehouse,
            "select store_id, gtin, moving_avg_cost from marts.fct_moving_average_costs "
            "where is_current",
        )
    )
    assert len(expected) > 200
    off = {p: (c, built.get(p)) for p, c in expected.items() if abs(c - built.get(p, 0)) > 2e-6}
    assert off == {}


def test_current_stock_is_valued_at_moving_average_cost_and_flags_cover(warehouse):
    rows = _rows(
        warehouse,
        """
        select c.on_hand_qty, c.moving_avg_cost, c.stock_value_cost, m.moving_avg_cost,
               c.days_of_cover, c.daily_demand_qty, c.has_no_demand, c.is_overstock
        from marts.rpt_current_stock c
        left join marts.fct_moving_average_costs m
            on m.store_id = c.store_id and m.gtin = c.gtin and m.is_current
        """,
    )
    assert len(rows) == 240
    for on_hand, unit, value, current_cost, cover, demand, no_demand, overstock in rows:
        assert unit == current_cost
        assert abs(value - on_hand * unit) < Decimal("0.0001")
        assert no_demand == (cover is None)
        if cover is not None:
            assert cover == pytest.approx(float(on_hand) / demand)
            assert overstock == (cover > 60)

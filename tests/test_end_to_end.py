"""The spine end to end on the `ci` chain: simulate → land → dbt → audit → publish."""

from __future__ import annotations

import csv
from decimal import Decimal

import duckdb
import pytest

pytestmark = pytest.mark.e2e


def _ground_truth_on_hand(chain) -> dict[tuple[str, str], Decimal]:
    with (chain.sources_dir / "ground_truth" / "on_hand.csv").open(encoding="utf-8") as f:
        return {(r["store_id"], r["gtin"]): Decimal(r["on_hand_qty"]) for r in csv.DictReader(f)}


def _fault_touched_pairs(chain) -> set[tuple[str, str]]:
    return {(f["store_id"], f["gtin"]) for f in chain.faults() if f.get("gtin")}


def _stores_with_store_level_faults(chain) -> set[str]:
    """Stores with a fault that names no product (a silent store, partly sent receipts)."""
    return {f["store_id"] for f in chain.faults() if f.get("store_id") and not f.get("gtin")}


def test_on_hand_equals_ground_truth_where_no_fault_touches_it(ci_chain):
    truth = _ground_truth_on_hand(ci_chain)
    touched = _fault_touched_pairs(ci_chain)
    with duckdb.connect(str(ci_chain.serving_file), read_only=True) as con:
        built = {
            (store, gtin): Decimal(str(qty))
            for store, gtin, qty in con.execute(
                "select store_id, gtin, on_hand_qty from rpt_current_stock"
            ).fetchall()
        }
    store_level = _stores_with_store_level_faults(ci_chain)
    clean = {pair for pair in truth if pair not in touched and pair[0] not in store_level}
    assert len(clean) > 100, "the ci chain should have many fault-free store×product pairs"
    mismatches = {
        pair: (truth[pair], built.get(pair)) for pair in clean if built.get(pair) != truth[pair]
    }
    assert mismatches == {}
    # every store of the chain, legacy included, is in the picture
    assert {store for store, _ in built} == {store for store, _ in truth}


def test_ledger_audit_reports_exactly_the_injected_on_hand_faults(ci_chain):
    injected = {
        (f["store_id"], f["gtin"]) for f in ci_chain.faults() if f["kind"] == "onhand_mismatch"
    }
    assert injected, "the ci chain must inject on-hand faults"
    with duckdb.connect(str(ci_chain.serving_file), read_only=True) as con:
        found = set(
            con.execute(
                "select store_id, gtin from fct_audit_findings where audit = 'stock_ledger'"
            ).fetchall()
        )
        # the finding carries the amount the store reported against the movements
        diffs = dict(
            ((s, g), Decimal(str(d)))
            for s, g, d in con.execute(
                "select store_id, gtin, difference from fct_audit_findings "
                "where audit = 'stock_ledger'"
            ).fetchall()
        )
    assert found == injected
    expected = {
        (f["store_id"], f["gtin"]): Decimal(str(f["qty"]))
        for f in ci_chain.faults()
        if f["kind"] == "onhand_mismatch"
    }
    assert {pair: abs(diffs[pair]) for pair in found} == {
        pair: abs(qty) for pair, qty in expected.items()
    }

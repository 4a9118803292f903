"""Supplier marts on the shared `ci` chain against the simulator's true chain and its recorded
faults (the hand-computed OTIF and fill-rate fixtures are dbt unit tests in
dbt_project/models/marts/suppliers/_suppliers__models.yml)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from simulator.chain import MILLI
from simulator.ids import po_id as po_id_of
from simulator.ids import po_ids

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def warehouse(ci_chain):
    with duckdb.connect(str(ci_chain.warehouse), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def recorded():
    """The ci chain's true rows spilled to disk with its faults planned (the same seed as the
    shared ci chain)."""
    from simulator.prepared import cached_chain

    return cached_chain("ci", 42)


def _fault_lines(chain, kind: str) -> set[tuple[str, str]]:
    return {(f["document_id"], f["gtin"]) for f in chain.faults() if f["kind"] == kind}


def _lines(con, where: str) -> set[tuple[str, str]]:
    return set(
        con.execute(
            f"select po_id, gtin from marts.fct_purchase_order_lines where {where}"
        ).fetchall()
    )


def test_late_deliveries_are_the_lines_slower_than_promised(ci_chain, warehouse):
    late = _fault_lines(ci_chain, "late_delivery")
    assert late, "the ci chain must deliver late"
    assert _lines(warehouse, "not is_within_promised_lead_time") == late
    assert _lines(warehouse, "not is_on_time_vs_confirmed") == late


def test_late_deliveries_are_not_on_time_against_the_requested_date(ci_chain, warehouse):
    assert _lines(warehouse, "not is_on_time and is_received") == _fault_lines(
        ci_chain, "late_delivery"
    )


def test_shipping_notices_differ_from_receipts_only_where_a_fault_says_so(ci_chain, warehouse):
    differ = _lines(warehouse, "is_received and qty_shipped <> qty_received")
    # an ASN fault names the notice (ASN<n>), shipped against the order PO<n>
    asn_faults = {
        ("PO" + asn[3:], gtin) for asn, gtin in _fault_lines(ci_chain, "asn_qty_mismatch")
    }
    expected = asn_faults | {
        (f["document_id"], f["gtin"])
        for f in ci_chain.faults()
        if f["kind"] == "goods_receipt_duplicated"
    }
    assert differ == expected


def _clean_true_lines(chain, plan, faults) -> dict[tuple[str, int], tuple]:
    """True PO lines that arrived within the period at a store that was still sending data, on
    store x GTIN pairs no fault touched: (ordered, accepted, rejected) in units."""
    touched = {(f["store_id"], f["gtin"]) for f in faults if f.get("gtin")}
    po = chain.purchase_orders.set_index("po_no")
    out = {}
    for line in chain.po_lines.itertuples():
        head = po.loc[line.po_no]
        store = int(head["store_idx"])
        arrival = int(head["arrival_day"])
        if arrival >= chain.preset.n_days or arrival >= plan.silent_from[store]:
            continue
        gtin = str(chain.gtins[line.prod_idx])
        if (str(chain.store_ids[store]), gtin) in touched:
            continue
        accepted = Decimal(int(line.confirmed_milli) - int(line.rejected_milli)) / MILLI
        out[(po_id_of(line.po_no), int(line.line_no))] = (
            Decimal(int(line.qty_milli)) / MILLI,
            accepted,
            Decimal(int(line.rejected_milli)) / MILLI,
        )
    return out


def test_accepted_and_rejected_quantities_match_the_true_chain(ci_chain, warehouse, recorded):
    chain = recorded.chain
    truth = _clean_true_lines(chain, recorded.plan, ci_chain.faults())
    built = {
        (po_id, line_no): (Decimal(str(o)), Decimal(str(a)), Decimal(str(r)))
        for po_id, line_no, o, a, r in warehouse.execute(
            "select po_id, line_no, qty_ordered, qty_accepted, qty_rejected "
            "from marts.fct_purchase_order_lines"
        ).fetchall()
    }
    assert len(truth) > 500
    assert {key: built.get(key) for key in truth} == truth


def test_in_full_and_fill_rate_per_supplier_match_the_true_chain(ci_chain, warehouse, recorded):
    """Fill rate = sum(min(accepted, ordered)) / sum(ordered) and in full = accepted >= ordered
    (the default tolerance 0) from the true chain, over the clean received lines."""
    chain = recorded.chain
    truth = _clean_true_lines(chain, recorded.plan, ci_chain.faults())
    supplier_ids = chain.catalog.suppliers["supplier_id"].to_numpy()
    supplier_of = dict(
        zip(
            po_ids(chain.purchase_orders["po_no"].to_numpy()).to_pylist(),
            supplier_ids[chain.purchase_orders["supplier_idx"].to_numpy()],
            strict=True,
        )
    )
    rows = warehouse.execute(
        "select po_id, line_no, supplier_id, is_in_full, qty_filled "
        "from marts.fct_purchase_order_lines where is_evaluated"
    ).fetchall()
    filled_true, filled_built, ordered = {}, {}, {}
    checked = 0
    for po_id, line_no, supplier, in_full, filled in rows:
        if (po_id, line_no) not in truth:
            continue
        true_ordered, true_accepted, _ = truth[(po_id, line_no)]
        assert supplier == supplier_of[po_id]
        assert in_full == (true_accepted >= true_ordered), (po_id, line_no)
        filled_true[supplier] = filled_true.get(supplier, 0) + min(true_accepted, true_ordered)
        filled_built[supplier] = filled_built.get(supplier, 0) + Decimal(str(filled))
        ordered[supplier] = ordered.get(supplier, 0) + true_ordered
        checked += 1
    assert checked > 500
    assert {s: filled_built[s] / ordered[s] for s in ordered} == {
        s: filled_true[s] / ordered[s] for s in ordered
    }
    # some lines were short-confirmed or had units rejected, so the rates are not all 1
    assert any(filled_true[s] < ordered[s] for s in ordered)


def test_price_variance_against_the_price_list_valid_on_the_order_date(warehouse):
    (lines, priced, off_list) = warehouse.execute(
        "select count(*), count(list_unit_cost), "
        "count(case when unit_price_variance <> 0 then 1 end) "
        "from marts.fct_purchase_order_lines"
    ).fetchone()
    # every simulated supplier sends price lists, and head office orders at the list price
    assert priced == lines and off_list == 0


def test_snapshots_keep_one_current_version_per_head_office_key(warehouse):
    for snapshot, staging, key in (
        ("snap_head_office__products", "stg_head_office__products", "product_id"),
        ("snap_head_office__stores", "stg_head_office__stores", "store_id"),
        ("snap_head_office__suppliers", "stg_head_office__suppliers", "supplier_id"),
    ):
        current = warehouse.execute(
            f"select count(*), count(distinct {key}) from snapshots.{snapshot} "
            "where dbt_valid_to is null"
        ).fetchone()
        (keys,) = warehouse.execute(f"select count(*) from staging.{staging}").fetchone()
        assert current == (keys, keys)

import sqlite3
from collections import defaultdict
from pathlib import Path

from sim_readback import faults, read_supplier_messages
from stdnum import ean


def test_products_have_valid_unique_gtin13(ci_sources: Path) -> None:
    with sqlite3.connect(ci_sources / "head_office.sqlite") as con:
        gtins = [g for (g,) in con.execute("select gtin from products")]
    assert len(gtins) == 80
    assert len(set(gtins)) == 80
    assert all(len(g) == 13 and ean.is_valid(g) for g in gtins)


def test_ci_preset_shape(ci_sources: Path) -> None:
    with sqlite3.connect(ci_sources / "head_office.sqlite") as con:
        kinds = dict(con.execute("select store_id, kind from stores"))
        n_suppliers = con.execute("select count(*) from suppliers").fetchone()[0]
        period = con.execute(
            "select min(requested_date), max(ordered_at) from purchase_orders"
        ).fetchone()
    assert kinds == {"S001": "modern", "S002": "modern", "S003": "legacy"}
    assert n_suppliers == 4
    assert period[0] >= "2026-09-02" and period[1] < "2026-11-01"


def test_purchase_orders_match_goods_receipts(ci_sources: Path) -> None:
    """A store books what the supplier confirmed and shipped (short lines included), and the
    only extra bookings are the recorded duplicated goods receipts."""
    with sqlite3.connect(ci_sources / "head_office.sqlite") as con:
        ordered = dict(
            con.execute(
                "select po.po_id, sum(l.qty_ordered) from purchase_orders po "
                "join purchase_order_lines l using (po_id) "
                "where po.status = 'received' and po.store_id = 'S001' group by po.po_id"
            )
        )
    confirmed: dict[str, float] = defaultdict(float)
    for row in read_supplier_messages(ci_sources, "order_confirmation"):
        if row["po_id"] in ordered:
            confirmed[row["po_id"]] += float(row["qty_confirmed"])
    duplicated: dict[str, float] = defaultdict(float)
    for f in faults(ci_sources):
        if f["kind"] == "goods_receipt_duplicated" and f["store_id"] == "S001":
            duplicated[f["document_id"]] += f["qty"]
    received = {
        po: round(qty + duplicated.get(po, 0.0), 3) for po, qty in confirmed.items() if qty > 0
    }
    with sqlite3.connect(ci_sources / "stores" / "S001.sqlite") as con:
        booked = dict(
            con.execute(
                "select document_id, sum(qty) from stock_movements "
                "where movement_type = 'goods_receipt' and document_type = 'purchase_order' "
                "group by document_id"
            )
        )
    assert len(received) > 20 and set(confirmed) == set(ordered)
    assert {k: round(v, 3) for k, v in booked.items()} == received
    assert any(confirmed[po] < ordered[po] for po in ordered)  # short confirmations exist


def test_every_gtin_in_stores_is_a_product(ci_sources: Path) -> None:
    with sqlite3.connect(ci_sources / "head_office.sqlite") as con:
        products = {g for (g,) in con.execute("select gtin from products")}
    with sqlite3.connect(ci_sources / "stores" / "S002.sqlite") as con:
        used = {g for (g,) in con.execute("select distinct gtin from receipt_lines")}
        used |= {g for (g,) in con.execute("select distinct gtin from stock_movements")}
    assert used <= products

"""The EDIFACT supplier of the shared `ci` chain: every PRICAT, ORDRSP and DESADV line item the
simulator wrote lands as one row with the values the files and the head office hold."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import yaml
from ingest_fixtures import landed, quarantined

from ingest.config import Supplier
from ingest.contracts import SUPPLIER_FILES
from ingest.sources.supplier_files import load_supplier

OBJECTS = ("price_list", "order_confirmation", "asn")


def _edifact_supplier(sources: Path) -> str:
    config = yaml.safe_load((sources / "sources.yml").read_text(encoding="utf-8"))
    (supplier_id,) = [s["supplier_id"] for s in config["suppliers"] if s["format"] == "edifact"]
    return supplier_id


def _segments(path: Path) -> list[list[list[str]]]:
    """A plain split of the file (no pydifact): segments of elements of components."""
    text = path.read_text(encoding="utf-8").replace("\n", "")
    return [[e.split(":") for e in s.split("+")] for s in text.split("'") if s]


def _ymd(text: str) -> str:
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}"


def _file_rows(path: Path) -> list[dict[str, str]]:
    """The contract's columns per LIN, read by the mapping in docs/source_contracts.md section 4."""
    head: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for seg in _segments(path):
        tag, els = seg[0][0], seg[1:]
        row = rows[-1] if rows else head
        if tag == "BGM":
            doc = {"9": "price_list_id", "231": "confirmation_id", "351": "asn_id"}[els[0][0]]
            head[doc] = els[1][0]
        elif tag == "NAD":
            head[{"SU": "supplier_id", "DP": "store_id"}[els[0][0]]] = els[1][0]
        elif tag == "RFF" and els[0][0] == "ON":
            head["po_id"] = els[0][1]
        elif tag == "CUX":
            head["currency"] = els[0][1]
        elif tag == "DTM":
            code = els[0][0]
            column = {
                "137": "valid_from",
                "11": "shipped_date",
                "17": "expected_date",
                "157": "valid_from",
                "67": "confirmed_delivery_date",
            }[code]
            row[column] = _ymd(els[0][1])
        elif tag == "LIN":
            rows.append({**head, "line_no": els[0][0], "gtin": els[2][0]})
        elif tag == "PIA":
            row["supplier_sku"] = els[1][0]
        elif tag == "QTY":
            column = {
                "59": "case_pack",
                "53": "min_order_qty",
                "113": "qty_confirmed",
                "12": "qty_shipped",
            }[els[0][0]]
            row[column] = els[0][1]
        elif tag == "PRI":
            row["unit_cost"] = els[0][1]
    return rows


def _key(row: dict[str, str], columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(row[c]) for c in columns)


def test_ci_edifact_supplier_lands_every_line_item(ci_sources: Path, landing) -> None:
    supplier_id = _edifact_supplier(ci_sources)
    folder = ci_sources / "suppliers" / supplier_id
    supplier = Supplier(supplier_id=supplier_id, path=folder, format="edifact")

    results = {r.object: r for r in load_supplier(supplier, landing)}

    rows: dict[str, list[dict]] = {}
    for obj in OBJECTS:
        columns = SUPPLIER_FILES[obj].columns
        result = results[obj]
        assert (result.error, result.rows_quarantined) == (None, 0), obj
        assert quarantined(landing, "supplier", obj, supplier_id) == []
        files = sorted(folder.glob(f"{obj}_*.edi"))
        assert files, obj
        # the files as sent (a re-sent duplicate is skipped by its checksum, not landed twice)
        unique = {p.read_bytes(): p for p in files}
        assert result.files_skipped == len(files) - len(unique)
        expected = [_key(r, columns) for p in sorted(unique.values()) for r in _file_rows(p)]
        n_lin = sum(sum(1 for s in _segments(p) if s[0][0] == "LIN") for p in unique.values())
        assert len(expected) == n_lin > 0
        rows[obj] = landed(landing, "supplier", obj, supplier_id)
        assert result.rows_loaded == len(rows[obj]) == n_lin, obj
        assert Counter(_key(r, columns) for r in rows[obj]) == Counter(expected), obj
        assert all(r[c] not in (None, "") for r in rows[obj] for c in columns), obj
        assert {r["supplier_id"] for r in rows[obj]} == {supplier_id}

    with sqlite3.connect(ci_sources / "head_office.sqlite") as db:
        po_lines = {
            (po, str(line_no), gtin): qty
            for po, line_no, gtin, qty in db.execute(
                "select l.po_id, l.line_no, l.gtin, l.qty_ordered from purchase_order_lines l"
                " join purchase_orders o using (po_id) where o.supplier_id = ?",
                (supplier_id,),
            )
        }
        po_store = dict(
            db.execute(
                "select po_id, store_id from purchase_orders where supplier_id = ?",
                (supplier_id,),
            )
        )
        prices = db.execute(
            "select p.gtin, pp.valid_from, pp.cost_price from product_prices pp"
            " join products p using (product_id) where p.supplier_id = ?",
            (supplier_id,),
        ).fetchall()

    # confirmations: exactly the head office's lines of every confirmed order of the supplier
    confirmed = rows["order_confirmation"]
    confirmed_pos = {r["po_id"] for r in confirmed}
    assert {(r["po_id"], r["line_no"], r["gtin"]) for r in confirmed} == {
        k for k in po_lines if k[0] in confirmed_pos
    }
    assert len(confirmed) == sum(1 for k in po_lines if k[0] in confirmed_pos)
    assert all(r["confirmation_id"] == "OC" + r["po_id"][2:] for r in confirmed)
    assert all(
        0 <= float(r["qty_confirmed"]) <= float(po_lines[(r["po_id"], r["line_no"], r["gtin"])])
        for r in confirmed
    )

    # ASNs: the order's store, and only products the order has
    ordered = {(po, gtin) for po, _, gtin in po_lines}
    for r in rows["asn"]:
        assert r["store_id"] == po_store[r["po_id"]]
        assert (r["po_id"], r["gtin"]) in ordered
        assert r["shipped_date"] <= r["expected_date"]

    # price lists: the unit cost is the head office's cost price in force on valid_from
    for r in rows["price_list"]:
        in_force = max(
            (p for p in prices if p[0] == r["gtin"] and p[1] <= r["valid_from"]),
            key=lambda p: p[1],
        )
        assert float(r["unit_cost"]) == float(in_force[2]), r
        assert r["currency"] == "EUR"
        assert int(r["case_pack"]) > 0

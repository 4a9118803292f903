"""Supplier feeds: price lists, order confirmations and ASNs, one file per message.

Suppliers flagged ``sends_files`` write ``suppliers/<SUPPLIER_ID>/<message>_<document id>.<ext>`` in
their own format (``csv``, ``jsonl``, ``xlsx``, or EDIFACT EANCOM ``edifact``: PRICAT, ORDRSP,
DESADV written with pydifact). A price list at the period start and one per day its costs change;
a confirmation the day after each order; an ASN when an order ships (what was shipped, as the
supplier states it: ``asn_qty_mismatch`` makes that differ from what the store received).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from pydifact.segmentcollection import Interchange, Message
from pydifact.segments import Segment

from simulator.chain import Chain
from simulator.formats import fmt_qty
from simulator.ids import po_ids

COLUMNS = {
    "price_list": [
        "price_list_id",
        "supplier_id",
        "gtin",
        "supplier_sku",
        "unit_cost",
        "currency",
        "case_pack",
        "min_order_qty",
        "valid_from",
    ],
    "order_confirmation": [
        "confirmation_id",
        "po_id",
        "supplier_id",
        "line_no",
        "gtin",
        "qty_confirmed",
        "confirmed_delivery_date",
    ],
    "asn": [
        "asn_id",
        "po_id",
        "supplier_id",
        "store_id",
        "gtin",
        "qty_shipped",
        "shipped_date",
        "expected_date",
    ],
}
ASN_COLUMNS = COLUMNS["asn"]
DOC_ID = {"price_list": "price_list_id", "order_confirmation": "confirmation_id", "asn": "asn_id"}
EXTENSION = {"csv": "csv", "jsonl": "jsonl", "xlsx": "xlsx", "edifact": "edi"}


def file_supplier_ids(chain: Chain) -> list[str]:
    sup = chain.catalog.suppliers
    return sup.loc[sup["sends_files"], "supplier_id"].tolist()


def supplier_formats(chain: Chain) -> dict[str, str]:
    sup = chain.catalog.suppliers[chain.catalog.suppliers["sends_files"]]
    return dict(zip(sup["supplier_id"], sup["format"], strict=True))


def _dates(chain: Chain, day: np.ndarray) -> np.ndarray:
    return chain.clock.dates(np.asarray(day)).astype(str)


def price_list_frame(chain: Chain) -> pd.DataFrame:
    prices, products = chain.catalog.prices, chain.catalog.products
    p = prices["prod_idx"].to_numpy()
    day = np.maximum(prices["day"].to_numpy(), 0)
    frame = pd.DataFrame(
        {
            "supplier_id": products["supplier_id"].to_numpy()[p],
            "gtin": chain.gtins[p],
            "supplier_sku": np.char.add("SKU-", products["product_id"].to_numpy()[p].astype(str)),
            "unit_cost": np.char.mod("%.4f", prices["cost_price"].to_numpy()),
            "currency": "EUR",
            "case_pack": products["case_pack"].to_numpy()[p].astype(str),
            "min_order_qty": products["case_pack"].to_numpy()[p].astype(str),
            "valid_from": _dates(chain, day),
            "day": day,
        }
    )
    frame = frame.drop_duplicates(["gtin", "day"], keep="last")
    frame["price_list_id"] = (
        "PL-" + frame["supplier_id"] + "-" + frame["valid_from"].str.replace("-", "")
    )
    return frame


def _lines_of(chain: Chain, keep: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Purchase order lines of the orders ``keep`` selects, and each line's order index."""
    lines = chain.po_lines
    at = lines["po_no"].to_numpy() - 1  # po numbers run from 1, in order
    sel = keep[at]
    return lines[sel], at[sel]


def confirmation_frame(chain: Chain) -> pd.DataFrame:
    po = chain.purchase_orders
    lines, at = _lines_of(chain, po["order_day"].to_numpy() + 1 < chain.preset.n_days)
    po_no = lines["po_no"].to_numpy()
    return pd.DataFrame(
        {
            "confirmation_id": po_ids(po_no, "OC").to_numpy(zero_copy_only=False),
            "po_id": po_ids(po_no).to_numpy(zero_copy_only=False),
            "supplier_id": chain.catalog.suppliers["supplier_id"].to_numpy()[
                po["supplier_idx"].to_numpy()[at]
            ],
            "line_no": lines["line_no"].astype(str).to_numpy(),
            "gtin": chain.gtins[lines["prod_idx"].to_numpy()],
            "qty_confirmed": fmt_qty(lines["confirmed_milli"].to_numpy()),
            "confirmed_delivery_date": _dates(chain, po["due_day"].to_numpy()[at]),
            "_sent": _dates(chain, po["order_day"].to_numpy()[at] + 1),
        }
    )


def asn_frame(chain: Chain, asn_qty: dict[tuple[int, int], int] | None = None) -> pd.DataFrame:
    """ASN lines: what was shipped, as the supplier states it (``asn_qty``: (po number, line
    number) -> the quantity an ``asn_qty_mismatch`` fault states instead)."""
    po = chain.purchase_orders
    lines, at = _lines_of(chain, po["ship_day"].to_numpy() < chain.preset.n_days)
    shipped = lines["confirmed_milli"].to_numpy() > 0
    lines, at = lines[shipped], at[shipped]
    qty = lines["confirmed_milli"].to_numpy().copy()
    if asn_qty:
        keys = zip(
            lines["po_no"].to_numpy().tolist(), lines["line_no"].to_numpy().tolist(), strict=True
        )
        for i, key in enumerate(keys):
            if key in asn_qty:
                qty[i] = asn_qty[key]
    po_no = lines["po_no"].to_numpy()
    return pd.DataFrame(
        {
            "asn_id": po_ids(po_no, "ASN").to_numpy(zero_copy_only=False),
            "po_id": po_ids(po_no).to_numpy(zero_copy_only=False),
            "supplier_id": chain.catalog.suppliers["supplier_id"].to_numpy()[
                po["supplier_idx"].to_numpy()[at]
            ],
            "store_id": chain.store_ids[po["store_idx"].to_numpy()[at]],
            "gtin": chain.gtins[lines["prod_idx"].to_numpy()],
            "qty_shipped": fmt_qty(qty),
            "shipped_date": _dates(chain, po["ship_day"].to_numpy()[at]),
            "expected_date": _dates(chain, po["due_day"].to_numpy()[at]),
        }
    )


# -- writers per format ------------------------------------------------------------------------
def _write_csv(path: Path, columns: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def _write_jsonl(path: Path, columns: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n")


def write_xlsx(path: Path, columns: list[str], rows: list[tuple], title: str | None = None) -> None:
    """First sheet, header row (a title row above it only for ``excel_two_header_rows``)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "in_memory": True})
    sheet = book.add_worksheet("data")
    first = 0
    if title is not None:
        sheet.write_row(0, 0, [title])
        first = 1
    sheet.write_row(first, 0, columns)
    for i, row in enumerate(rows, start=first + 1):
        sheet.write_row(i, 0, row)
    book.close()


def _d(text: str) -> str:
    return text.replace("-", "")


def _edifact(message: str, columns: list[str], rows: list[tuple], sent: str) -> str:
    """One EANCOM interchange with one message (PRICAT, ORDRSP or DESADV), prepared at 05:00 of
    the day it was sent (``sent``, ``yyyy-mm-dd``) so that the same seed gives the same file."""
    r = [dict(zip(columns, row, strict=True)) for row in rows]
    head = r[0]
    doc = head[DOC_ID[message]]
    kind = {"price_list": "PRICAT", "order_confirmation": "ORDRSP", "asn": "DESADV"}[message]
    version = {"PRICAT": "EAN008", "ORDRSP": "EAN005", "DESADV": "EAN007"}[kind]
    ic = Interchange(
        sender=head["supplier_id"],
        recipient="RETAILWH",
        control_reference=doc[-14:],
        syntax_identifier=("UNOC", 3),
        timestamp=datetime.fromisoformat(sent).replace(hour=5),
    )
    msg = Message("1", (kind, "D", "96A", "UN", version))
    if kind == "PRICAT":
        msg.add_segment(Segment("BGM", "9", doc, "9"))
        msg.add_segment(Segment("DTM", ["137", _d(head["valid_from"]), "102"]))
        msg.add_segment(Segment("NAD", "SU", [head["supplier_id"], "", "92"]))
        msg.add_segment(Segment("CUX", ["2", head["currency"], "8"]))
        for i, x in enumerate(r, start=1):
            msg.add_segment(Segment("LIN", str(i), "", [x["gtin"], "SRV"]))
            msg.add_segment(Segment("PIA", "5", [x["supplier_sku"], "SA"]))
            msg.add_segment(Segment("QTY", ["59", x["case_pack"]]))
            msg.add_segment(Segment("QTY", ["53", x["min_order_qty"]]))
            msg.add_segment(Segment("DTM", ["157", _d(x["valid_from"]), "102"]))
            msg.add_segment(Segment("PRI", ["AAA", x["unit_cost"]]))
    elif kind == "ORDRSP":
        msg.add_segment(Segment("BGM", "231", doc, "29"))
        msg.add_segment(Segment("RFF", ["ON", head["po_id"]]))
        msg.add_segment(Segment("NAD", "SU", [head["supplier_id"], "", "92"]))
        for x in r:
            msg.add_segment(Segment("LIN", x["line_no"], "", [x["gtin"], "SRV"]))
            msg.add_segment(Segment("QTY", ["113", x["qty_confirmed"]]))
            msg.add_segment(Segment("DTM", ["67", _d(x["confirmed_delivery_date"]), "102"]))
    else:
        msg.add_segment(Segment("BGM", "351", doc, "9"))
        msg.add_segment(Segment("DTM", ["11", _d(head["shipped_date"]), "102"]))
        msg.add_segment(Segment("DTM", ["17", _d(head["expected_date"]), "102"]))
        msg.add_segment(Segment("RFF", ["ON", head["po_id"]]))
        msg.add_segment(Segment("NAD", "SU", [head["supplier_id"], "", "92"]))
        msg.add_segment(Segment("NAD", "DP", [head["store_id"], "", "92"]))
        msg.add_segment(Segment("CPS", "1"))
        for i, x in enumerate(r, start=1):
            msg.add_segment(Segment("LIN", str(i), "", [x["gtin"], "SRV"]))
            msg.add_segment(Segment("QTY", ["12", x["qty_shipped"]]))
    msg.add_segment(Segment("UNS", "S")) if kind == "PRICAT" else None
    ic.add_message(msg)
    return ic.serialize(break_lines=True)


WRITERS: dict[str, Callable[[Path, str, list[str], list[tuple], str], None]] = {
    "csv": lambda path, message, cols, rows, sent: _write_csv(path, cols, rows),
    "jsonl": lambda path, message, cols, rows, sent: _write_jsonl(path, cols, rows),
    "xlsx": lambda path, message, cols, rows, sent: write_xlsx(path, cols, rows),
    "edifact": lambda path, message, cols, rows, sent: path.write_text(
        _edifact(message, cols, rows, sent), encoding="utf-8"
    ),
}
# the day a message was sent: price lists on their valid_from, confirmations the day after the
# order, ASNs on the shipping day
SENT = {"price_list": "valid_from", "order_confirmation": "_sent", "asn": "shipped_date"}


def write_supplier_files(
    chain: Chain, root: Path, asn_qty: dict[tuple[int, int], int] | None = None
) -> dict[str, int]:
    formats = supplier_formats(chain)
    for supplier_id in formats:
        (root / supplier_id).mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    frames = {
        "price_list": price_list_frame(chain),
        "order_confirmation": confirmation_frame(chain),
        "asn": asn_frame(chain, asn_qty),
    }
    for message, frame in frames.items():
        frame = frame[frame["supplier_id"].isin(formats)]
        cols = COLUMNS[message]
        key = DOC_ID[message]
        n_files = 0
        # one pass to text rows, then slices per document (a groupby per file is slow)
        frame = frame.sort_values(key, kind="stable")
        texts = [frame[c].astype(str).tolist() for c in cols]
        all_rows = list(zip(*texts, strict=True))
        docs = frame[key].to_numpy()
        sent = frame[SENT[message]].to_numpy()
        sups = frame["supplier_id"].to_numpy()
        bounds = np.flatnonzero(docs[1:] != docs[:-1]) + 1 if len(docs) else np.array([], int)
        starts = np.concatenate([[0], bounds]) if len(docs) else []
        ends = np.concatenate([bounds, [len(docs)]]) if len(docs) else []
        for a, b in zip(starts, ends, strict=True):
            doc_id, supplier_id = docs[a], sups[a]
            fmt = formats[supplier_id]
            path = root / supplier_id / f"{message}_{doc_id}.{EXTENSION[fmt]}"
            WRITERS[fmt](path, message, cols, all_rows[a:b], str(sent[a]))
            n_files += 1
        counts[f"suppliers.{message}"] = len(frame)
        counts[f"suppliers.{message}_files"] = n_files
    return counts

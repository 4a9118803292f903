"""Supplier feeds: price lists, order confirmations and ASNs, one file per message.

Suppliers flagged ``sends_files`` write ``suppliers/<SUPPLIER_ID>/<message>_<document id>.<ext>``
in their own format (``csv``, ``jsonl``, ``xlsx``, or EDIFACT EANCOM ``edifact``: PRICAT, ORDRSP,
DESADV, the text pydifact writes for them; Excel as a minimal workbook of inline strings). A price
list at the period start and one per day its costs change; a confirmation the day after each order;
an ASN when an order ships (what was shipped, as the supplier states it: ``asn_qty_mismatch`` makes
that differ from what the store received).
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

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


def _lines_of(
    chain: Chain, keep: np.ndarray, suppliers: set[str] | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Purchase order lines of the orders ``keep`` selects (of ``suppliers`` only, if given), and
    each line's order index."""
    po = chain.purchase_orders
    if suppliers is not None:
        ids = chain.catalog.suppliers["supplier_id"].to_numpy()
        keep = keep & np.isin(ids, list(suppliers))[po["supplier_idx"].to_numpy()]
    lines = chain.po_lines
    at = lines["po_no"].to_numpy() - 1  # po numbers run from 1, in order
    sel = keep[at]
    return lines[sel], at[sel]


def confirmation_frame(chain: Chain, suppliers: set[str] | None = None) -> pd.DataFrame:
    po = chain.purchase_orders
    lines, at = _lines_of(chain, po["order_day"].to_numpy() + 1 < chain.preset.n_days, suppliers)
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


def asn_frame(
    chain: Chain,
    asn_qty: dict[tuple[int, int], int] | None = None,
    suppliers: set[str] | None = None,
) -> pd.DataFrame:
    """ASN lines: what was shipped, as the supplier states it (``asn_qty``: (po number, line
    number) -> the quantity an ``asn_qty_mismatch`` fault states instead)."""
    po = chain.purchase_orders
    lines, at = _lines_of(chain, po["ship_day"].to_numpy() < chain.preset.n_days, suppliers)
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


# -- writers per format: each returns the file's bytes ---------------------------------------
def _csv(message: str, columns: list[str], rows: list[tuple], sent: str) -> bytes:
    # the values never need CSV quoting (ids, codes, numbers, dates): the csv module's text
    return ("\n".join(",".join(row) for row in [columns, *rows]) + "\n").encode("utf-8")


def _jsonl(message: str, columns: list[str], rows: list[tuple], sent: str) -> bytes:
    text = "".join(
        json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n" for row in rows
    )
    return text.encode("utf-8")


_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_LETTERS = [chr(65 + i) for i in range(26)]


def _xml(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _sheet_xml(rows: list[list[str]]) -> bytes:
    parts = [_SHEET_HEAD]
    for r, row in enumerate(rows, start=1):
        parts.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            parts.append(f'<c r="{_LETTERS[c]}{r}" t="inlineStr"><is><t>{_xml(value)}</t></is></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode("utf-8")


def _zip_entry(name: str, data: bytes, offset: int) -> tuple[bytes, bytes]:
    """The local record and the central directory record of one uncompressed zip entry, dated
    1980-01-01 (same content, same bytes)."""
    raw = name.encode("ascii")
    crc, size = zlib.crc32(data), len(data)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 33, crc, size, size, len(raw), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        *(0x02014B50, 20, 20, 0, 0, 0, 33, crc, size, size, len(raw), 0, 0, 0, 0, 0, offset),
    )
    return local + raw + data, central + raw


@lru_cache(maxsize=1)
def _xlsx_static() -> tuple[bytes, bytes, int]:
    """The fixed parts of every workbook: their local records, central records, count."""
    local, central = b"", b""
    for name, text in _XLSX_STATIC.items():
        record, directory = _zip_entry(name, text.encode("utf-8"), len(local))
        local, central = local + record, central + directory
    return local, central, len(_XLSX_STATIC)


def xlsx_bytes(columns: list[str], rows: list[tuple], title: str | None = None) -> bytes:
    """One sheet ``data``: the header row, then the rows, every cell text (an inline string); a
    title row above the header only for ``excel_two_header_rows``. An uncompressed zip."""
    sheet = ([[title]] if title is not None else []) + [list(columns), *map(list, rows)]
    local, central, n = _xlsx_static()
    record, directory = _zip_entry("xl/worksheets/sheet1.xml", _sheet_xml(sheet), len(local))
    central += directory
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, n + 1, n + 1, len(central), len(local) + len(record), 0
    )
    return local + record + central + end


def write_xlsx(path: Path, columns: list[str], rows: list[tuple], title: str | None = None) -> None:
    """First sheet, header row (a title row above it only for ``excel_two_header_rows``)."""
    write_bytes(path, xlsx_bytes(columns, rows, title))


def write_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _d(text: str) -> str:
    return text.replace("-", "")


def _e(value: str) -> str:
    """An EDIFACT data value, special characters released with ``?``."""
    if any(ch in value for ch in "?+:'"):
        for ch in "?+:'":
            value = value.replace(ch, "?" + ch)
    return value


def _segment(tag: str, *elements: str | list[str]) -> str:
    parts = [tag]
    for element in elements:
        parts.append(":".join(map(_e, element)) if isinstance(element, list) else _e(element))
    return "+".join(parts) + "'"


def edifact_text(message: str, columns: list[str], rows: list[tuple], sent: str) -> str:
    """One EANCOM interchange with one message (PRICAT, ORDRSP or DESADV), prepared at 05:00 of
    the day it was sent (``sent``, ``yyyy-mm-dd``) so that the same seed gives the same file; the
    text pydifact writes for it (``serialize(break_lines=True)``, no UNA)."""
    r = [dict(zip(columns, row, strict=True)) for row in rows]
    head = r[0]
    doc = head[DOC_ID[message]]
    kind = {"price_list": "PRICAT", "order_confirmation": "ORDRSP", "asn": "DESADV"}[message]
    version = {"PRICAT": "EAN008", "ORDRSP": "EAN005", "DESADV": "EAN007"}[kind]
    segs = [_segment("UNH", "1", [kind, "D", "96A", "UN", version])]
    if kind == "PRICAT":
        segs += [
            _segment("BGM", "9", doc, "9"),
            _segment("DTM", ["137", _d(head["valid_from"]), "102"]),
            _segment("NAD", "SU", [head["supplier_id"], "", "92"]),
            _segment("CUX", ["2", head["currency"], "8"]),
        ]
        for i, x in enumerate(r, start=1):
            segs += [
                _segment("LIN", str(i), "", [x["gtin"], "SRV"]),
                _segment("PIA", "5", [x["supplier_sku"], "SA"]),
                _segment("QTY", ["59", x["case_pack"]]),
                _segment("QTY", ["53", x["min_order_qty"]]),
                _segment("DTM", ["157", _d(x["valid_from"]), "102"]),
                _segment("PRI", ["AAA", x["unit_cost"]]),
            ]
        segs.append(_segment("UNS", "S"))
    elif kind == "ORDRSP":
        segs += [
            _segment("BGM", "231", doc, "29"),
            _segment("RFF", ["ON", head["po_id"]]),
            _segment("NAD", "SU", [head["supplier_id"], "", "92"]),
        ]
        for x in r:
            segs += [
                _segment("LIN", x["line_no"], "", [x["gtin"], "SRV"]),
                _segment("QTY", ["113", x["qty_confirmed"]]),
                _segment("DTM", ["67", _d(x["confirmed_delivery_date"]), "102"]),
            ]
    else:
        segs += [
            _segment("BGM", "351", doc, "9"),
            _segment("DTM", ["11", _d(head["shipped_date"]), "102"]),
            _segment("DTM", ["17", _d(head["expected_date"]), "102"]),
            _segment("RFF", ["ON", head["po_id"]]),
            _segment("NAD", "SU", [head["supplier_id"], "", "92"]),
            _segment("NAD", "DP", [head["store_id"], "", "92"]),
            _segment("CPS", "1"),
        ]
        for i, x in enumerate(r, start=1):
            segs += [
                _segment("LIN", str(i), "", [x["gtin"], "SRV"]),
                _segment("QTY", ["12", x["qty_shipped"]]),
            ]
    segs.append(_segment("UNT", str(len(segs) + 1), "1"))
    stamp = f"{_d(sent)[2:]}:0500"
    ref = doc[-14:]
    unb = _segment("UNB", ["UNOC", "3"], head["supplier_id"], "RETAILWH", stamp.split(":"), ref)
    return "\n".join([unb, *segs, _segment("UNZ", "1", ref)]) + "\n"


WRITERS: dict[str, Callable[[str, list[str], list[tuple], str], bytes]] = {
    "csv": _csv,
    "jsonl": _jsonl,
    "xlsx": lambda message, cols, rows, sent: xlsx_bytes(cols, rows),
    "edifact": lambda message, cols, rows, sent: edifact_text(message, cols, rows, sent).encode(
        "utf-8"
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
        "price_list": lambda: price_list_frame(chain),
        "order_confirmation": lambda: confirmation_frame(chain, set(formats)),
        "asn": lambda: asn_frame(chain, asn_qty, set(formats)),
    }
    for message, build in frames.items():
        frame = build()
        frame = frame[frame["supplier_id"].isin(formats)]
        cols = COLUMNS[message]
        key = DOC_ID[message]
        n_files = 0
        for supplier_id, part in frame.groupby("supplier_id", sort=True):
            fmt = formats[supplier_id]
            write = WRITERS[fmt]
            folder = root / supplier_id
            # one pass to text rows, then slices per document (a groupby per file is slow)
            part = part.sort_values(key, kind="stable")
            texts = [part[c].astype(str).tolist() for c in cols]
            all_rows = list(zip(*texts, strict=True))
            docs = part[key].to_numpy()
            sent = part[SENT[message]].to_numpy()
            bounds = np.flatnonzero(docs[1:] != docs[:-1]) + 1
            starts = np.concatenate([[0], bounds])
            ends = np.concatenate([bounds, [len(docs)]])
            for a, b in zip(starts, ends, strict=True):
                path = folder / f"{message}_{docs[a]}.{EXTENSION[fmt]}"
                write_bytes(path, write(message, cols, all_rows[a:b], str(sent[a])))
            n_files += len(starts)
        counts[f"suppliers.{message}"] = len(frame)
        counts[f"suppliers.{message}_files"] = n_files
    return counts

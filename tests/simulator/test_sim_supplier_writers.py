"""The fast supplier file writers give what the libraries would: EDIFACT text as pydifact
serializes it, Excel sheets calamine reads back cell by cell."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydifact.segmentcollection import Interchange, Message
from pydifact.segments import Segment
from python_calamine import CalamineWorkbook

from simulator.suppliers import COLUMNS, DOC_ID, edifact_text, xlsx_bytes

ROWS = {
    "price_list": [
        ("PL-SUP02-20260902", "SUP02", "4005520379571", "SKU-P00007", "2.9905", "EUR", "10", "10",
         "2026-09-02"),
        ("PL-SUP02-20260902", "SUP02", "4004523166089", "SKU+P:0'8?", "2.5352", "EUR", "6", "6",
         "2026-09-02"),
    ],
    "order_confirmation": [
        ("OC0000003", "PO0000003", "SUP02", "1", "4009591217077", "24", "2026-09-07"),
        ("OC0000003", "PO0000003", "SUP02", "2", "4009914482885", "0.5", "2026-09-07"),
    ],
    "asn": [
        ("ASN0000003", "PO0000003", "SUP02", "S001", "4009591217077", "24", "2026-09-06",
         "2026-09-07"),
    ],
}  # fmt: skip
SENT = {"price_list": "2026-09-02", "order_confirmation": "2026-09-05", "asn": "2026-09-06"}


def _pydifact(message: str, columns: list[str], rows: list[tuple], sent: str) -> str:
    """The interchange built and serialized with pydifact (the writer before the fast one)."""
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
    d = lambda text: text.replace("-", "")  # noqa: E731
    if kind == "PRICAT":
        msg.add_segment(Segment("BGM", "9", doc, "9"))
        msg.add_segment(Segment("DTM", ["137", d(head["valid_from"]), "102"]))
        msg.add_segment(Segment("NAD", "SU", [head["supplier_id"], "", "92"]))
        msg.add_segment(Segment("CUX", ["2", head["currency"], "8"]))
        for i, x in enumerate(r, start=1):
            msg.add_segment(Segment("LIN", str(i), "", [x["gtin"], "SRV"]))
            msg.add_segment(Segment("PIA", "5", [x["supplier_sku"], "SA"]))
            msg.add_segment(Segment("QTY", ["59", x["case_pack"]]))
            msg.add_segment(Segment("QTY", ["53", x["min_order_qty"]]))
            msg.add_segment(Segment("DTM", ["157", d(x["valid_from"]), "102"]))
            msg.add_segment(Segment("PRI", ["AAA", x["unit_cost"]]))
        msg.add_segment(Segment("UNS", "S"))
    elif kind == "ORDRSP":
        msg.add_segment(Segment("BGM", "231", doc, "29"))
        msg.add_segment(Segment("RFF", ["ON", head["po_id"]]))
        msg.add_segment(Segment("NAD", "SU", [head["supplier_id"], "", "92"]))
        for x in r:
            msg.add_segment(Segment("LIN", x["line_no"], "", [x["gtin"], "SRV"]))
            msg.add_segment(Segment("QTY", ["113", x["qty_confirmed"]]))
            msg.add_segment(Segment("DTM", ["67", d(x["confirmed_delivery_date"]), "102"]))
    else:
        msg.add_segment(Segment("BGM", "351", doc, "9"))
        msg.add_segment(Segment("DTM", ["11", d(head["shipped_date"]), "102"]))
        msg.add_segment(Segment("DTM", ["17", d(head["expected_date"]), "102"]))
        msg.add_segment(Segment("RFF", ["ON", head["po_id"]]))
        msg.add_segment(Segment("NAD", "SU", [head["supplier_id"], "", "92"]))
        msg.add_segment(Segment("NAD", "DP", [head["store_id"], "", "92"]))
        msg.add_segment(Segment("CPS", "1"))
        for i, x in enumerate(r, start=1):
            msg.add_segment(Segment("LIN", str(i), "", [x["gtin"], "SRV"]))
            msg.add_segment(Segment("QTY", ["12", x["qty_shipped"]]))
    ic.add_message(msg)
    return ic.serialize(break_lines=True)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("message", sorted(ROWS))
def test_edifact_text_is_what_pydifact_serializes(message: str) -> None:
    columns, rows = COLUMNS[message], ROWS[message]
    assert edifact_text(message, columns, rows, SENT[message]) == _pydifact(
        message, columns, rows, SENT[message]
    )


@pytest.mark.parametrize("title", [None, "SUP03 asn exported 2026-10-31"])
def test_xlsx_reads_back_cell_by_cell(tmp_path, title: str | None) -> None:
    columns, rows = COLUMNS["asn"], ROWS["asn"] + [("A&B", "<x>", *ROWS["asn"][0][2:])]
    path = tmp_path / "asn.xlsx"
    path.write_bytes(xlsx_bytes(columns, rows, title))
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    cells = sheet.to_python(skip_empty_area=False)
    expected = [list(columns), *map(list, rows)]
    if title is not None:
        assert cells[0][0] == title and not any(cells[0][1:])
        cells = cells[1:]
    assert cells == expected
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["data"]

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xlsxwriter
from ingest_fixtures import landed, quarantined
from pydifact.segmentcollection import Interchange, Message
from pydifact.segments import Segment

from ingest.config import Supplier
from ingest.contracts import SUPPLIER_FILES
from ingest.sources.supplier_files import load_supplier

HEADER = ",".join(SUPPLIER_FILES["asn"].columns)
PRICE_COLUMNS = SUPPLIER_FILES["price_list"].columns
PRICES = [
    ["PL7", "SUP01", "4006381333931", "SKU-1", "1.25", "EUR", "12", "24", "2026-03-01"],
    ["PL7", "SUP01", "4012345678901", "SKU-2", "0.80", "EUR", "6", "6", "2026-03-01"],
    ["PL7", "SUP01", "4012345678918", "SKU-3", "cheap", "EUR", "6", "6", "2026-03-01"],
]
GOOD = [dict(zip(PRICE_COLUMNS, r, strict=True)) for r in PRICES[:2]]


def by_object(results):
    return {r.object: r for r in results}


def folder_for(tmp_path: Path) -> Path:
    folder = tmp_path / "suppliers" / "SUP01"
    folder.mkdir(parents=True)
    return folder


def test_asn_files_land_as_text_with_file_manifest(tmp_path, landing):
    folder = folder_for(tmp_path)
    (folder / "asn_A0001.csv").write_text(
        f"{HEADER}\n"
        "A0001,PO-17,SUP01,S001,4006381333931,24,2026-03-01,2026-03-03\n"
        "A0001,PO-17,SUP01,S001,4012345678901,12.0,2026-03-01,2026-03-03\n"
        "A0001,PO-17,SUP01,S001,4012345678901,twelve,2026-03-01,2026-03-03\n",
        encoding="utf-8",
    )
    (folder / "prices.csv").write_text("not an asn\n", encoding="utf-8")
    supplier = Supplier(supplier_id="SUP01", path=folder)

    result = by_object(load_supplier(supplier, landing))["asn"]

    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    rows = landed(landing, "supplier", "asn", "SUP01")
    assert [(r["gtin"], r["qty_shipped"], r["expected_date"]) for r in rows] == [
        ("4006381333931", "24", "2026-03-03"),
        ("4012345678901", "12.0", "2026-03-03"),
    ]
    assert {r["_source_file"] for r in rows} == {"asn_A0001.csv"}
    (bad,) = quarantined(landing, "supplier", "asn", "SUP01")
    assert (bad["line_no"], bad["reason"]) == (4, "qty_shipped: 'twelve' is not a number")
    assert bad["raw"] == "A0001,PO-17,SUP01,S001,4012345678901,twelve,2026-03-01,2026-03-03"

    (folder / "asn_A0001_again.csv").write_bytes((folder / "asn_A0001.csv").read_bytes())
    again = by_object(load_supplier(supplier, landing))["asn"]
    assert (again.rows_loaded, again.files_skipped) == (0, 1)


def test_unknown_format_is_rejected_by_the_config():
    with pytest.raises(ValueError, match="format"):
        Supplier(supplier_id="SUP02", path=Path("."), format="fax")


def _price_rows(landing) -> list[dict]:
    rows = landed(landing, "supplier", "price_list", "SUP01")
    return [{c: r[c] for c in PRICE_COLUMNS} for r in rows]


def _load_prices(folder: Path, landing, fmt: str):
    return by_object(
        load_supplier(Supplier(supplier_id="SUP01", path=folder, format=fmt), landing)
    )["price_list"]


def test_jsonl_price_list_lands_numbers_as_their_json_text(tmp_path, landing):
    folder = folder_for(tmp_path)
    lines = []
    for r in PRICES:
        record = dict(zip(PRICE_COLUMNS, r, strict=True))
        if record["unit_cost"] != "cheap":
            record["unit_cost"] = float(record["unit_cost"])
        record["case_pack"] = int(record["case_pack"])
        lines.append(json.dumps(record))
    lines.insert(1, "{not json")
    (folder / "price_list_PL7.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = _load_prices(folder, landing, "jsonl")

    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    assert _price_rows(landing) == [
        {**GOOD[0], "unit_cost": "1.25"},
        {**GOOD[1], "unit_cost": "0.8"},
    ]
    bad = {
        q["line_no"]: q["reason"] for q in quarantined(landing, "supplier", "price_list", "SUP01")
    }
    assert bad[2].startswith("not JSON")
    assert bad[4] == "unit_cost: 'cheap' is not a number"


def _write_xlsx(path: Path, rows: list[list]) -> None:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("prices")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    book.close()


def test_xlsx_price_list_lands_cells_as_text(tmp_path, landing):
    folder = folder_for(tmp_path)
    typed = [
        [*r[:4], float(r[4]) if r[4] != "cheap" else r[4], r[5], int(r[6]), int(r[7]), r[8]]
        for r in PRICES
    ]
    _write_xlsx(folder / "price_list_PL7.xlsx", [list(PRICE_COLUMNS), *typed])

    result = _load_prices(folder, landing, "xlsx")

    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert _price_rows(landing) == [GOOD[0], {**GOOD[1], "unit_cost": "0.8"}]
    rows = landed(landing, "supplier", "price_list", "SUP01")
    assert [r["_source_line"] for r in rows] == [2, 3]
    (bad,) = quarantined(landing, "supplier", "price_list", "SUP01")
    assert (bad["line_no"], bad["reason"]) == (4, "unit_cost: 'cheap' is not a number")


@pytest.mark.parametrize("where", ["labels below", "title above"])
def test_xlsx_with_two_header_rows_is_quarantined_whole(tmp_path, landing, where):
    folder = folder_for(tmp_path)
    second = ["Preisliste", "Lieferant", "EAN", "Artikel", "EK", "Währung", "VE", "MOQ", "ab"]
    rows = (
        [list(PRICE_COLUMNS), second, *PRICES[:2]]
        if where == "labels below"
        else [["Price list PL7 of SUP01"], list(PRICE_COLUMNS), *PRICES[:2]]
    )
    _write_xlsx(folder / "price_list_PL7.xlsx", rows)

    result = _load_prices(folder, landing, "xlsx")

    assert (result.rows_loaded, result.rows_quarantined, result.error) == (0, 1, None)
    (q,) = quarantined(landing, "supplier", "price_list", "SUP01")
    assert q["line_no"] is None
    assert q["reason"].startswith("two header rows")
    (f,) = landing.manifest_rows("files")
    assert f["status"] == "quarantined"


def _interchange(message_type: str, segments: list[Segment]) -> str:
    interchange = Interchange(
        sender="SUP01", recipient="RETAILWH", control_reference="1", syntax_identifier=("UNOC", 3)
    )
    message = Message("1", (message_type, "D", "01B", "UN", "EAN008"))
    message.add_segments(segments)
    interchange.add_message(message)
    return interchange.serialize()


def test_edifact_pricat_ordrsp_desadv_map_onto_the_csv_columns(tmp_path, landing):
    folder = folder_for(tmp_path)
    pricat = [Segment("BGM", "9", "PL7"), Segment("NAD", "SU", ["SUP01", "", "9"])]
    pricat.append(Segment("CUX", ["2", "EUR", "8"]))
    for i, r in enumerate(PRICES, start=1):
        pricat += [
            Segment("LIN", str(i), "", [r[2], "SRV"]),
            Segment("PIA", "5", [r[3], "SA"]),
            Segment("PRI", ["AAA", r[4]]),
            Segment("QTY", ["52", r[6]]),
            Segment("QTY", ["53", r[7]]),
            Segment("DTM", ["194", r[8].replace("-", ""), "102"]),
        ]
    (folder / "price_list_PL7.edi").write_text(_interchange("PRICAT", pricat), encoding="utf-8")
    ordrsp = [
        Segment("BGM", "231", "OC1"),
        Segment("RFF", ["ON", "PO-17"]),
        Segment("NAD", "SU", ["SUP01", "", "9"]),
        Segment("LIN", "1", "", ["4006381333931", "SRV"]),
        Segment("QTY", ["113", "24"]),
        Segment("DTM", ["2", "20260305", "102"]),
    ]
    (folder / "order_confirmation_OC1.edi").write_text(
        _interchange("ORDRSP", ordrsp), encoding="utf-8"
    )
    desadv = [
        Segment("BGM", "351", "A0001"),
        Segment("DTM", ["11", "20260301", "102"]),
        Segment("DTM", ["17", "20260303", "102"]),
        Segment("RFF", ["ON", "PO-17"]),
        Segment("NAD", "SU", ["SUP01", "", "9"]),
        Segment("NAD", "DP", ["S001", "", "92"]),
        Segment("LIN", "1", "", ["4006381333931", "SRV"]),
        Segment("QTY", ["12", "24"]),
    ]
    (folder / "asn_A0001.edi").write_text(_interchange("DESADV", desadv), encoding="utf-8")
    # cut off before its trailer
    (folder / "asn_A0002.edi").write_text(
        _interchange("DESADV", desadv).split("UNT")[0], encoding="utf-8"
    )

    results = by_object(
        load_supplier(Supplier(supplier_id="SUP01", path=folder, format="edifact"), landing)
    )

    assert (results["price_list"].rows_loaded, results["price_list"].rows_quarantined) == (2, 1)
    assert _price_rows(landing) == GOOD
    (confirmation,) = landed(landing, "supplier", "order_confirmation", "SUP01")
    assert {c: confirmation[c] for c in SUPPLIER_FILES["order_confirmation"].columns} == {
        "confirmation_id": "OC1",
        "po_id": "PO-17",
        "supplier_id": "SUP01",
        "line_no": "1",
        "gtin": "4006381333931",
        "qty_confirmed": "24",
        "confirmed_delivery_date": "2026-03-05",
    }
    (asn,) = landed(landing, "supplier", "asn", "SUP01")
    assert {c: asn[c] for c in SUPPLIER_FILES["asn"].columns} == {
        "asn_id": "A0001",
        "po_id": "PO-17",
        "supplier_id": "SUP01",
        "store_id": "S001",
        "gtin": "4006381333931",
        "qty_shipped": "24",
        "shipped_date": "2026-03-01",
        "expected_date": "2026-03-03",
    }
    (cut,) = quarantined(landing, "supplier", "asn", "SUP01")
    assert (cut["source_file"], cut["line_no"]) == ("asn_A0002.edi", None)
    assert "UNZ" in cut["reason"] or "EDIFACT" in cut["reason"]


def test_csv_fast_path_and_exact_parser_agree(tmp_path):
    from ingest.sources.file_formats import parse_csv, parse_csv_fast

    contract = SUPPLIER_FILES["price_list"]
    rows = [",".join(r) for r in PRICES] + [
        "PL7,SUP01,4012345678925,SKU-4,1.00,EUR,6,6,2026-02-30",
        'PL7,SUP01,4012345678932,"SKU, 5",1.00,EUR,6,6,2026-02-28',
    ]
    data = ("\n".join([",".join(contract.columns), *rows]) + "\n").encode()
    fast, exact = parse_csv_fast(data, "utf-8", contract), parse_csv(data, "utf-8", contract)
    assert fast is not None
    assert fast.table("f").to_pylist() == exact.table("f").to_pylist()
    assert fast.bad == exact.bad
    assert [line for line, _, _ in fast.bad] == [4, 5]


def test_bad_rows_of_larger_files_checked_together_keep_file_and_line(tmp_path, landing):
    folder = folder_for(tmp_path)
    header = ",".join(PRICE_COLUMNS)
    for doc in ("PL8", "PL9"):
        rows = [",".join([doc, *PRICES[0][1:]]) for _ in range(300)]
        rows[41] = rows[41].replace("1.25", "one")
        (folder / f"price_list_{doc}.csv").write_text("\n".join([header, *rows]) + "\n")

    result = _load_prices(folder, landing, "csv")

    assert (result.rows_loaded, result.rows_quarantined) == (598, 2)
    bad = quarantined(landing, "supplier", "price_list", "SUP01")
    assert sorted((q["source_file"], q["line_no"]) for q in bad) == [
        ("price_list_PL8.csv", 43),
        ("price_list_PL9.csv", 43),
    ]
    assert all(q["raw"].startswith("PL") and ",one," in q["raw"] for q in bad)
    assert {q["reason"] for q in bad} == {"unit_cost: 'one' is not a number"}


@pytest.mark.parametrize(
    ("rule", "values"),
    [
        ("date_dmy", ["31/02/2026", "01/02/2026", "1/2/2026", " 29/02/2024 ", "29/02/2023", ""]),
        ("date_iso", ["2026-02-30", "2026-02-28", "2026-2-28", "x", " 2024-02-29"]),
        ("time_hms", ["12:00:60", "23:59:59", "24:00:00", "1:00:00", " 09:05:00"]),
        ("number", ["1", "-1.5", ".5", "1e3", "", " 2 ", "1."]),
        ("integer", ["1", "+2", "1.0", "", "x"]),
        ("required", ["", " ", "a"]),
    ],
)
def test_vectorised_rules_agree_with_the_row_rules(rule, values):
    import pyarrow as pa

    from ingest import contracts
    from ingest.sources.file_formats import _VECTOR_RULES

    fn = getattr(contracts, rule)
    assert _VECTOR_RULES[fn](pa.array(values)).to_pylist() == [fn(v) is None for v in values]


def test_parsed_file_with_no_good_rows_gives_an_empty_typed_table():
    import pyarrow as pa

    from ingest.sources.file_formats import ParsedFile

    table = ParsedFile(header=list(PRICE_COLUMNS)).table("price_list_PL7.edi")

    assert table.num_rows == 0
    assert table.column_names == [*PRICE_COLUMNS, "_source_file", "_source_line"]
    assert table.schema.field("_source_file").type == pa.string()
    assert table.schema.field("_source_line").type == pa.int64()


def test_edifact_file_whose_every_line_breaks_a_rule_is_loaded_with_no_rows(tmp_path, landing):
    folder = folder_for(tmp_path)
    pricat = [
        Segment("BGM", "9", "PL7", "9"),
        Segment("DTM", ["137", "20260301", "102"]),
        Segment("NAD", "SU", ["SUP01", "", "92"]),
        Segment("LIN", "1", "", ["4012345678918", "SRV"]),
        Segment("PIA", "5", ["SKU-3", "SA"]),
        Segment("QTY", ["59", "6"]),
        Segment("QTY", ["53", "6"]),
        Segment("PRI", ["AAA", "cheap"]),
        Segment("UNS", "S"),
    ]
    (folder / "price_list_PL7.edi").write_text(_interchange("PRICAT", pricat), encoding="utf-8")

    result = _load_prices(folder, landing, "edifact")

    assert (result.rows_loaded, result.rows_quarantined, result.error) == (0, 1, None)
    (bad,) = quarantined(landing, "supplier", "price_list", "SUP01")
    # segment number of the LIN (UNB, UNH, BGM, DTM, NAD, LIN)
    assert (bad["line_no"], bad["reason"]) == (6, "unit_cost: 'cheap' is not a number")
    assert bad["raw"] == "LIN+1++4012345678918:SRV'PIA+5+SKU-3:SA'QTY+59:6'QTY+53:6'PRI+AAA:cheap'"
    (f,) = landing.manifest_rows("files")
    assert f["status"] == "loaded"


@pytest.mark.parametrize(
    ("rule", "values"),
    [
        ("number", [".", "-", "+", "1.", "+.5", "1-2", "1..2", "-.", "+-1", "00", "1.2.3", ".5"]),
        ("integer", ["+", "-", "1", "+2", "1-", "--1", "00", "99999999999999999999"]),
        ("date_dmy", ["31/02/2026", "29/02/2024", "29/02/2023", "01/13/2026", "00/01/2026"]),
        ("date_iso", ["2026-02-30", "2024-02-29", "2026-13-01", "2026-00-10", "2026-06-15"]),
        ("time_hms", ["23:59:59", "24:00:00", "12:60:00", "12:00:60", "00:00:00"]),
        ("required", ["a", " ", "\u3000", "\u00a0x", "x "]),
    ],
)
def test_whole_column_proofs_never_pass_a_value_the_row_rule_rejects(rule, values):
    import pyarrow as pa

    from ingest import contracts
    from ingest.sources.file_formats import _ALL_PASS, failing_rows

    fn = getattr(contracts, rule)
    for value in values:
        if _ALL_PASS[fn](pa.array([value])):
            assert fn(value) is None, value
    good = [v for v in values if fn(v) is None]
    assert _ALL_PASS[fn](pa.array(good * 3)) in (True, False)  # a proof or the slow rule
    contract = contracts.FileContract("t", ("c",), {"c": (fn,)})
    failing = failing_rows(pa.table({"c": pa.array(values * 2)}), contract)
    assert failing == [i for i, v in enumerate(values * 2) if fn(v) is not None]


@pytest.mark.parametrize("n", [50, 3_000], ids=["small sheet", "large sheet (Arrow)"])
def test_xlsx_through_fastexcel_equals_calamine_cells(tmp_path, monkeypatch, n):
    from datetime import datetime

    from ingest.sources import file_formats
    from ingest.sources.file_formats import _calamine_rows, _xlsx_from_rows, read_xlsx

    monkeypatch.setattr(file_formats, "XLSX_FASTEXCEL_BYTES", 0)  # every size through fastexcel

    contract = SUPPLIER_FILES["price_list"]
    rows = [list(PRICE_COLUMNS)]
    for i in range(n):
        rows.append(["PL7", "SUP01", f"40{i:011d}", f"SKU-{i}", 1.25 + i % 7, "EUR", 6.0, 12, ""])
        rows[-1][-1] = "2026-03-01"
    rows[7][4] = "one"  # breaks a rule
    rows[9] = [""] * len(PRICE_COLUMNS)  # a blank row is skipped
    path = tmp_path / "price_list_PL7.xlsx"
    _write_xlsx(path, rows)
    data = path.read_bytes()

    def same(parsed, exact):
        assert parsed.table("f").equals(exact.table("f"))
        assert parsed.bad == exact.bad
        assert [parsed.raw_of(i) for i in (0, 6)] == [exact.raw_of(i) for i in (0, 6)]

    same(
        read_xlsx(data, "utf-8", contract, check=False),
        _xlsx_from_rows(_calamine_rows(data), contract, False),
    )
    # a datetime cell: fastexcel would print it otherwise, so calamine's cells are used
    rows[3][-1] = datetime(2026, 3, 1, 12, 30)
    _write_xlsx(path, rows)
    data = path.read_bytes()
    same(
        read_xlsx(data, "utf-8", contract, check=False),
        _xlsx_from_rows(_calamine_rows(data), contract, False),
    )

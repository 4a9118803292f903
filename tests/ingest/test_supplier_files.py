from __future__ import annotations

from ingest_fixtures import landed, quarantined

from ingest.config import Supplier
from ingest.contracts import SUPPLIER_FILES
from ingest.sources.supplier_files import load_supplier

HEADER = ",".join(SUPPLIER_FILES["asn"].columns)


def test_asn_files_land_as_text_with_file_manifest(tmp_path, landing):
    folder = tmp_path / "suppliers" / "SUP01"
    folder.mkdir(parents=True)
    (folder / "asn_A0001.csv").write_text(
        f"{HEADER}\n"
        "A0001,PO-17,SUP01,S001,4006381333931,24,2026-03-01,2026-03-03\n"
        "A0001,PO-17,SUP01,S001,4012345678901,12.0,2026-03-01,2026-03-03\n"
        "A0001,PO-17,SUP01,S001,4012345678901,twelve,2026-03-01,2026-03-03\n",
        encoding="utf-8",
    )
    (folder / "prices.csv").write_text("not an asn\n", encoding="utf-8")
    supplier = Supplier(supplier_id="SUP01", path=folder)

    (result,) = load_supplier(supplier, landing)

    assert (result.object, result.rows_loaded, result.rows_quarantined) == ("asn", 2, 1)
    rows = landed(landing, "supplier", "asn", "SUP01")
    assert [(r["gtin"], r["qty_shipped"], r["expected_date"]) for r in rows] == [
        ("4006381333931", "24", "2026-03-03"),
        ("4012345678901", "12.0", "2026-03-03"),
    ]
    assert {r["_source_file"] for r in rows} == {"asn_A0001.csv"}
    (bad,) = quarantined(landing, "supplier", "asn", "SUP01")
    assert (bad["line_no"], bad["reason"]) == (4, "qty_shipped: 'twelve' is not a number")

    (folder / "asn_A0001_again.csv").write_bytes((folder / "asn_A0001.csv").read_bytes())
    (again,) = load_supplier(supplier, landing)
    assert (again.rows_loaded, again.files_skipped) == (0, 1)


def test_unsupported_format_is_an_error(tmp_path, landing):
    (result,) = load_supplier(
        Supplier(supplier_id="SUP02", path=tmp_path, format="edifact"), landing
    )
    assert "not supported" in result.error

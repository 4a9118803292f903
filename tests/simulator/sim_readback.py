"""Read a simulated chain back the way a consumer would (files and tables, never the model)."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import defaultdict
from pathlib import Path


def store_kinds(sources: Path) -> dict[str, str]:
    with sqlite3.connect(sources / "head_office.sqlite") as con:
        return dict(con.execute("select store_id, kind from stores order by store_id"))


def read_legacy(folder: Path, obj: str) -> list[dict[str, str]]:
    """Rows of every file of ``obj`` (a row a file fault broke reads with replacement chars)."""
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob(f"*_{obj}.csv")):
        with path.open(encoding="gbk", errors="replace", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def movement_totals(sources: Path) -> dict[tuple[str, str], float]:
    """(store_id, gtin) -> sum of the store's own recorded movements."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for store_id, kind in store_kinds(sources).items():
        if kind == "modern":
            with sqlite3.connect(sources / "stores" / f"{store_id}.sqlite") as con:
                for gtin, qty in con.execute(
                    "select gtin, sum(qty) from stock_movements group by gtin"
                ):
                    totals[(store_id, gtin)] += qty
        else:
            for row in read_legacy(sources / "legacy" / store_id, "moves"):
                totals[(store_id, row["条码"])] += float(row["数量"])
    return {k: round(v, 3) for k, v in totals.items()}


def reported_on_hand(sources: Path) -> dict[tuple[str, str], float]:
    """(store_id, gtin) -> what the store system reports: stock_on_hand / last day's stock file."""
    out: dict[tuple[str, str], float] = {}
    for store_id, kind in store_kinds(sources).items():
        if kind == "modern":
            with sqlite3.connect(sources / "stores" / f"{store_id}.sqlite") as con:
                for gtin, qty in con.execute("select gtin, on_hand_qty from stock_on_hand"):
                    out[(store_id, gtin)] = round(qty, 3)
        else:
            last = sorted((sources / "legacy" / store_id).glob("*_stock.csv"))[-1]
            with last.open(encoding="gbk", newline="") as fh:
                for row in csv.DictReader(fh):
                    out[(store_id, row["条码"])] = round(float(row["库存"]), 3)
    return out


def ground_truth(sources: Path) -> dict[tuple[str, str], float]:
    with (sources / "ground_truth" / "on_hand.csv").open(newline="") as fh:
        return {(r["store_id"], r["gtin"]): float(r["on_hand_qty"]) for r in csv.DictReader(fh)}


def faults(sources: Path) -> list[dict]:
    text = (sources / "ground_truth" / "faults.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def silent_stores(sources: Path) -> set[str]:
    return {f["store_id"] for f in faults(sources) if f["kind"] == "store_silent"}


def faulty_files(sources: Path) -> set[str]:
    return {f["document_id"] for f in faults(sources) if f["document_type"] == "file"}


# EDIFACT EANCOM segments -> contract columns (docs/source_contracts.md, section 4)
def _edifact_rows(path: Path, message: str, supplier_id: str) -> list[dict[str, str]]:
    from pydifact.segmentcollection import Interchange

    def ymd(text: str) -> str:
        return f"{text[:4]}-{text[4:6]}-{text[6:8]}"

    head: dict[str, str] = {"supplier_id": supplier_id}
    rows: list[dict[str, str]] = []
    row: dict[str, str] = {}
    for seg in Interchange.from_str(path.read_text(encoding="utf-8")).segments:
        tag, els = seg.tag, seg.elements
        if tag == "BGM":
            head[
                {
                    "price_list": "price_list_id",
                    "order_confirmation": "confirmation_id",
                    "asn": "asn_id",
                }[message]
            ] = els[1]
        elif tag == "RFF" and els[0][0] == "ON":
            head["po_id"] = els[0][1]
        elif tag == "NAD" and els[0] == "DP":
            head["store_id"] = els[1][0]
        elif tag == "CUX":
            head["currency"] = els[0][1]
        elif tag == "DTM" and not row:
            code, value = els[0][0], ymd(els[0][1])
            head[{"137": "valid_from", "11": "shipped_date", "17": "expected_date"}[code]] = value
        elif tag == "LIN":
            row = dict(head, gtin=els[2][0])
            if message == "order_confirmation":
                row["line_no"] = els[0]
            rows.append(row)
        elif tag == "PIA":
            row["supplier_sku"] = els[1][0]
        elif tag == "QTY":
            col = {
                "59": "case_pack",
                "53": "min_order_qty",
                "113": "qty_confirmed",
                "12": "qty_shipped",
            }[els[0][0]]
            row[col] = els[0][1]
        elif tag == "DTM":
            col = {"157": "valid_from", "67": "confirmed_delivery_date"}[els[0][0]]
            row[col] = ymd(els[0][1])
        elif tag == "PRI":
            row["unit_cost"] = els[0][1]
    return rows


def read_supplier_messages(sources: Path, message: str) -> list[dict[str, str]]:
    """Every row of ``message`` files of every supplier, whatever its format (as text)."""
    import yaml
    from python_calamine import CalamineWorkbook

    config = yaml.safe_load((sources / "sources.yml").read_text(encoding="utf-8"))
    rows: list[dict[str, str]] = []
    for sup in config["suppliers"]:
        folder = sources / "suppliers" / sup["supplier_id"]
        for path in sorted(folder.glob(f"{message}_*")):
            if path.suffix == ".csv":
                with path.open(encoding="utf-8", newline="") as fh:
                    rows += [dict(r, _file=path.name) for r in csv.DictReader(fh)]
            elif path.suffix == ".jsonl":
                rows += [
                    dict(json.loads(x), _file=path.name)
                    for x in path.read_text(encoding="utf-8").splitlines()
                    if x
                ]
            elif path.suffix == ".xlsx":
                data = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
                header = [str(c) for c in data[0]]
                rows += [
                    dict(zip(header, map(str, r), strict=True), _file=path.name) for r in data[1:]
                ]
            else:
                rows += [
                    dict(r, _file=path.name)
                    for r in _edifact_rows(path, message, sup["supplier_id"])
                ]
    return rows

"""Read a simulated chain back the way a consumer would (files and tables, never the model)."""

from __future__ import annotations

import csv
import sqlite3
from collections import defaultdict
from pathlib import Path


def store_kinds(sources: Path) -> dict[str, str]:
    with sqlite3.connect(sources / "head_office.sqlite") as con:
        return dict(con.execute("select store_id, kind from stores order by store_id"))


def read_legacy(folder: Path, obj: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob(f"*_{obj}.csv")):
        with path.open(encoding="gbk", newline="") as fh:
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

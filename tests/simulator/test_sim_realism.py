"""The simulated chain looks like a real one: skewed sales, sparse sale days, sales bounded by the
stock on hand, a loyalty share like the preset's. Read from the sources, never the model."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sim_readback import faults, read_legacy, store_kinds


def sales_lines(sources: Path) -> pd.DataFrame:
    """Completed receipt lines of every store: store, receipt, business date, gtin, qty, amount."""
    frames = []
    for store_id, kind in store_kinds(sources).items():
        if kind == "modern":
            with sqlite3.connect(sources / "stores" / f"{store_id}.sqlite") as con:
                df = pd.read_sql(
                    "select r.receipt_id, r.business_date as day, l.gtin, l.qty, "
                    "l.line_total_gross as amount, r.loyalty_card from receipts r "
                    "left join receipt_lines l using (receipt_id) where r.status = 'completed'",
                    con,
                )
        else:
            rows = read_legacy(sources / "legacy" / store_id, "sales")
            df = pd.DataFrame(
                {
                    "receipt_id": [r["小票号"] for r in rows],
                    "day": [r["日期"] for r in rows],
                    "gtin": [r["条码"] for r in rows],
                    "qty": pd.to_numeric([r["数量"] for r in rows], errors="coerce"),
                    "amount": pd.to_numeric([r["金额"] for r in rows], errors="coerce"),
                    "loyalty_card": [r["会员卡"] or None for r in rows],
                }
            )
        df["store_id"] = store_id
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def movements(sources: Path) -> pd.DataFrame:
    """Every recorded stock movement in time order per store: store, gtin, type, qty."""
    frames = []
    for store_id, kind in store_kinds(sources).items():
        if kind == "modern":
            with sqlite3.connect(sources / "stores" / f"{store_id}.sqlite") as con:
                df = pd.read_sql(
                    "select gtin, movement_type, qty, moved_at as at, movement_id "
                    "from stock_movements",
                    con,
                )
        else:
            rows = read_legacy(sources / "legacy" / store_id, "moves")
            df = pd.DataFrame(
                {
                    "gtin": [r["条码"] for r in rows],
                    "movement_type": [r["类型"] for r in rows],
                    "qty": [float(r["数量"]) for r in rows],
                    # local time, but one store's rows only need to sort among themselves
                    "at": [
                        r["日期"][6:] + r["日期"][3:5] + r["日期"][:2] + r["时间"] for r in rows
                    ],
                    "movement_id": [r["单据号"] for r in rows],
                }
            )
        df["store_id"] = store_id
        frames.append(df.sort_values(["at", "movement_id"], kind="stable"))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session", params=["ci", "demo"])
def realism_sources(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(f"{request.param}_sources")


def test_top_fifth_of_products_gives_70_to_85_percent_of_revenue(realism_sources: Path) -> None:
    lines = sales_lines(realism_sources)
    with sqlite3.connect(realism_sources / "head_office.sqlite") as con:
        products = {g for (g,) in con.execute("select gtin from products")}
    revenue = lines[lines["gtin"].isin(products)].groupby("gtin")["amount"].sum()
    revenue = revenue.reindex(sorted(products), fill_value=0).sort_values(ascending=False)
    top = revenue.iloc[: round(0.2 * len(revenue))].sum() / revenue.sum()
    assert 0.70 <= top <= 0.85, top


def test_most_store_product_days_have_no_sale(realism_sources: Path) -> None:
    """At least 40% of store x product x open day cells have no sale (open = the store sent
    receipts that day)."""
    lines = sales_lines(realism_sources)
    with sqlite3.connect(realism_sources / "head_office.sqlite") as con:
        n_products = con.execute("select count(*) from products").fetchone()[0]
    open_days = lines.groupby("store_id")["day"].nunique()
    cells = int(open_days.sum()) * n_products
    sold = lines[lines["qty"] > 0].drop_duplicates(["store_id", "day", "gtin"])
    empty = 1 - len(sold) / cells
    assert 0.40 <= empty < 0.95, empty


def test_no_sale_exceeds_the_stock_on_hand(realism_sources: Path) -> None:
    """The store's running balance never goes below zero, except for pairs a fault touched; and
    sales do run into empty shelves (the bound binds)."""
    touched = {(f["store_id"], f["gtin"]) for f in faults(realism_sources) if f["gtin"]}
    m = movements(realism_sources)
    m["balance"] = m.groupby(["store_id", "gtin"])["qty"].cumsum().round(3)
    negative = m[m["balance"] < 0]
    bad = set(zip(negative["store_id"], negative["gtin"], strict=True)) - touched
    assert not bad
    sold_out = m[(m["movement_type"] == "sale") & (m["balance"] == 0)]
    assert len(sold_out) >= 5


def test_about_40_percent_of_receipts_on_a_loyalty_card(realism_sources: Path) -> None:
    receipts = sales_lines(realism_sources).drop_duplicates(["store_id", "receipt_id"])
    share = receipts["loyalty_card"].notna().mean()
    assert 0.35 <= share <= 0.45, share

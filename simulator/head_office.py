"""The head office system: stores, suppliers, products, purchase orders (SQLAlchemy Core).

Timestamps are timezone-aware UTC (``DateTime(timezone=True)``, see ``stores/schema.py``).
A purchase order is ``open`` until its supplier ships it (the day before
it is due), then ``shipped``, then ``received`` when the store books the goods receipt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import (
    CHAR,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
)

from simulator.chain import MILLI, Chain
from simulator.ids import po_ids
from simulator.sqlio import fill_sqlite, recreate_and_fill

metadata = MetaData()
UTC_TS = DateTime(timezone=True)

stores = Table(
    "stores",
    metadata,
    Column("store_id", String(16), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("region", String(40), nullable=False),
    Column("city", String(40), nullable=False),
    Column("timezone", String(40), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("size_sqm", Integer, nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)
suppliers = Table(
    "suppliers",
    metadata,
    Column("supplier_id", String(16), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("lead_time_days", Integer, nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)
products = Table(
    "products",
    metadata,
    Column("product_id", String(16), primary_key=True),
    Column("gtin", CHAR(13), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("category", String(40), nullable=False),
    Column("unit", String(8), nullable=False),
    Column("case_pack", Integer, nullable=False),
    Column("vat_rate", Numeric(5, 4), nullable=False),
    Column("cost_price", Numeric(12, 4), nullable=False),
    Column("retail_price_gross", Numeric(12, 2), nullable=False),
    Column("supplier_id", String(16), ForeignKey("suppliers.supplier_id"), nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)
purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_id", String(16), primary_key=True),
    Column("supplier_id", String(16), ForeignKey("suppliers.supplier_id"), nullable=False),
    Column("store_id", String(16), ForeignKey("stores.store_id"), nullable=False),
    Column("ordered_at", UTC_TS, nullable=False),
    Column("requested_date", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)
purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("po_id", String(16), ForeignKey("purchase_orders.po_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("product_id", String(16), ForeignKey("products.product_id"), nullable=False),
    Column("gtin", CHAR(13), nullable=False),
    Column("qty_ordered", Numeric(12, 3), nullable=False),
    Column("unit_cost", Numeric(12, 4), nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)

product_prices = Table(
    "product_prices",
    metadata,
    Column("product_id", String(16), ForeignKey("products.product_id"), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("retail_price_gross", Numeric(12, 2), nullable=False),
    Column("cost_price", Numeric(12, 4), nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)
promotions = Table(
    "promotions",
    metadata,
    Column("promotion_id", String(16), primary_key=True),
    Column("product_id", String(16), ForeignKey("products.product_id"), nullable=False),
    Column("store_id", String(16), ForeignKey("stores.store_id")),  # null: every store
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("discount_pct", Numeric(5, 2), nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)

SHIP_T = 14 * 3600  # suppliers ship at 14:00 local the day before delivery


@dataclass(frozen=True)
class PurchaseOrderTimeline:
    """Per purchase order: when it ships and whether it shipped/arrived within the period."""

    ship_day: np.ndarray
    shipped: np.ndarray
    received: np.ndarray


def po_timeline(chain: Chain) -> PurchaseOrderTimeline:
    po = chain.purchase_orders
    arrival = po["arrival_day"].to_numpy()
    ship_day = po["ship_day"].to_numpy()
    n_days = chain.preset.n_days
    return PurchaseOrderTimeline(ship_day, ship_day < n_days, arrival < n_days)


def head_office_frames(chain: Chain) -> dict[str, pd.DataFrame | pa.Table]:
    clock = chain.clock
    master_at = clock.utc(np.array([0]), np.array([0]))[0] - np.timedelta64(7, "D")
    cat = chain.catalog
    st = cat.stores.drop(columns=["open_day"]).assign(updated_at=master_at)
    st["opened_on"] = pd.to_datetime(st["opened_on"])
    sup = cat.suppliers[["supplier_id", "name", "lead_time_days"]].assign(updated_at=master_at)
    prod = cat.products.drop(columns=["name_zh"]).assign(updated_at=master_at)
    product_ids = cat.products["product_id"].to_numpy()
    pr = cat.prices
    day = pr["day"].to_numpy()
    # a price is keyed in the evening before it is valid
    # (history from before the period: a week early)
    keyed = clock.utc(np.maximum(day - 1, 0), np.full(len(pr), 18 * 3600))
    keyed = np.where(day > 0, keyed, master_at)
    prices = pd.DataFrame(
        {
            "product_id": product_ids[pr["prod_idx"].to_numpy()],
            "valid_from": (np.datetime64(chain.preset.start_date.isoformat(), "D") + day).astype(
                "datetime64[D]"
            ),
            "retail_price_gross": pr["price_cents"].to_numpy() / 100,
            "cost_price": pr["cost_price"].to_numpy(),
            "updated_at": keyed,
        }
    )
    last_change = prices.groupby("product_id")["updated_at"].max()
    prod["updated_at"] = last_change.reindex(prod["product_id"]).to_numpy()
    promo = cat.promotions
    sidx = promo["store_idx"].to_numpy()
    promos = pd.DataFrame(
        {
            "promotion_id": promo["promotion_id"].to_numpy(),
            "product_id": product_ids[promo["prod_idx"].to_numpy()],
            "store_id": np.where(sidx >= 0, chain.store_ids[np.maximum(sidx, 0)], None),
            "start_date": clock.dates(promo["start_day"].to_numpy()),
            "end_date": clock.dates(promo["end_day"].to_numpy()),
            "discount_pct": promo["discount_pct"].to_numpy().astype(float),
            "updated_at": clock.utc(
                np.maximum(promo["start_day"].to_numpy() - 7, 0), np.full(len(promo), 10 * 3600)
            ),
        }
    )

    po = chain.purchase_orders
    tl = po_timeline(chain)
    ordered_at = clock.utc(po["order_day"].to_numpy(), po["order_t"].to_numpy())
    shipped_at = clock.utc(tl.ship_day, np.full(len(po), SHIP_T))
    received_at = clock.utc(po["arrival_day"].to_numpy(), po["arrival_t"].to_numpy())
    status = np.where(tl.received, 2, np.where(tl.shipped, 1, 0))
    updated = np.where(tl.received, received_at, np.where(tl.shipped, shipped_at, ordered_at))
    supplier_ids = pa.array(cat.suppliers["supplier_id"].to_numpy(dtype=object), pa.string())
    store_ids = pa.array(chain.store_ids, pa.string())
    # the two big tables as Arrow (millions of rows at the bench sizes)
    purchase = pa.table(
        {
            "po_id": po_ids(po["po_no"].to_numpy()),
            "supplier_id": supplier_ids.take(pa.array(po["supplier_idx"].to_numpy())),
            "store_id": store_ids.take(pa.array(po["store_idx"].to_numpy())),
            "ordered_at": pa.array(ordered_at),
            # head office asks for the supplier's usual lead time; a late delivery arrives after it
            "requested_date": pa.array(clock.dates(po["due_day"].to_numpy())),
            "status": pa.array(["open", "shipped", "received"]).take(pa.array(status)),
            "updated_at": pa.array(updated),
        }
    )
    lines = chain.po_lines
    p = pa.array(lines["prod_idx"].to_numpy())
    at = lines["po_no"].to_numpy() - 1  # po numbers run from 1, in order
    po_lines = pa.table(
        {
            "po_id": po_ids(lines["po_no"].to_numpy()),
            "line_no": pa.array(lines["line_no"].to_numpy()),
            "product_id": pa.array(cat.products["product_id"].to_numpy(dtype=object)).take(p),
            "gtin": pa.array(chain.gtins, pa.string()).take(p),
            "qty_ordered": pa.array(lines["qty_milli"].to_numpy() / MILLI),
            "unit_cost": pa.array(lines["unit_cost"].to_numpy(dtype=float)),
            "updated_at": pa.array(ordered_at[at]),
        }
    )
    return {
        "stores": st[[c.name for c in stores.columns]],
        "suppliers": sup,
        "products": prod[[c.name for c in products.columns]],
        "purchase_orders": purchase,
        "purchase_order_lines": po_lines,
        "product_prices": prices,
        "promotions": promos,
    }


def write_head_office(chain: Chain, url: str, schema: str | None = None) -> dict[str, int]:
    from simulator.stores.writer import sqlite_file

    path = sqlite_file(url)
    if path is not None and schema is None:
        return fill_sqlite(path, metadata, head_office_frames(chain))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return recreate_and_fill(conn, metadata, head_office_frames(chain), schema=schema)
    finally:
        engine.dispose()

"""The modern store system's tables (SQLAlchemy Core), identical on SQLite, PostgreSQL and MariaDB.

Timestamps (``*_at``, ``as_of``) are timezone-aware UTC (``DateTime(timezone=True)``:
PostgreSQL ``timestamptz``, SQLite text ending ``+00:00``, MariaDB ``DATETIME`` holding UTC);
``business_date`` is the store-local date.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, MetaData, Numeric, String, Table

metadata = MetaData()
UTC_TS = DateTime(timezone=True)

QTY = Numeric(12, 3)
MONEY = Numeric(12, 2)
RATE = Numeric(5, 4)

receipts = Table(
    "receipts",
    metadata,
    Column("receipt_id", String(40), primary_key=True),
    Column("store_id", String(16), nullable=False),
    Column("register_id", String(8), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("created_at", UTC_TS, nullable=False),
    Column("loyalty_card", String(20)),
    Column("total_gross", MONEY, nullable=False),
    Column("status", String(16), nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
    Index("ix_receipts_updated_at", "updated_at"),
)

receipt_lines = Table(
    "receipt_lines",
    metadata,
    Column("receipt_id", String(40), primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("gtin", String(13), nullable=False),
    Column("qty", QTY, nullable=False),
    Column("unit_price_gross", MONEY, nullable=False),
    Column("discount_gross", MONEY, nullable=False),
    Column("line_total_gross", MONEY, nullable=False),
    Column("vat_rate", RATE, nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
    Index("ix_receipt_lines_updated_at", "updated_at"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("movement_id", String(40), primary_key=True),
    Column("store_id", String(16), nullable=False),
    Column("gtin", String(13), nullable=False),
    Column("movement_type", String(24), nullable=False),
    Column("qty", QTY, nullable=False),
    Column("moved_at", UTC_TS, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("document_type", String(24), nullable=False),
    Column("document_id", String(40), nullable=False),
    Column("counterparty_store_id", String(16)),
    Column("updated_at", UTC_TS, nullable=False),
    Index("ix_stock_movements_updated_at", "updated_at"),
)

stocktake_counts = Table(
    "stocktake_counts",
    metadata,
    Column("stocktake_id", String(40), primary_key=True),
    Column("gtin", String(13), primary_key=True),
    Column("counted_at", UTC_TS, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("counted_qty", QTY, nullable=False),
    Column("system_qty", QTY, nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)

stock_on_hand = Table(
    "stock_on_hand",
    metadata,
    Column("gtin", String(13), primary_key=True),
    Column("on_hand_qty", QTY, nullable=False),
    Column("as_of", UTC_TS, nullable=False),
    Column("updated_at", UTC_TS, nullable=False),
)

TABLES = [receipts, receipt_lines, stock_movements, stocktake_counts, stock_on_hand]

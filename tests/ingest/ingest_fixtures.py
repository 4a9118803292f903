"""Small source fixtures built per docs/source_contracts.md (no simulator), and landing readers.

Import them with ``from ingest_fixtures import ...`` from any test in tests/ingest/.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from ingest.contracts import LEGACY_FILES
from ingest.landing import Landing

T0 = datetime(2026, 3, 2, 8, 0, 0)  # naive UTC, as the store systems keep it

store_metadata = sa.MetaData()
receipts = sa.Table(
    "receipts",
    store_metadata,
    sa.Column("receipt_id", sa.String(40), primary_key=True),
    sa.Column("store_id", sa.String(16), nullable=False),
    sa.Column("register_id", sa.String(8), nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("loyalty_card", sa.String(20)),
    sa.Column("total_gross", sa.Numeric(12, 2), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
receipt_lines = sa.Table(
    "receipt_lines",
    store_metadata,
    sa.Column("receipt_id", sa.String(40), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("gtin", sa.String(13), nullable=False),
    sa.Column("qty", sa.Numeric(12, 3), nullable=False),
    sa.Column("unit_price_gross", sa.Numeric(12, 2), nullable=False),
    sa.Column("discount_gross", sa.Numeric(12, 2), nullable=False),
    sa.Column("line_total_gross", sa.Numeric(12, 2), nullable=False),
    sa.Column("vat_rate", sa.Numeric(5, 4), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
stock_movements = sa.Table(
    "stock_movements",
    store_metadata,
    sa.Column("movement_id", sa.String(40), primary_key=True),
    sa.Column("store_id", sa.String(16), nullable=False),
    sa.Column("gtin", sa.String(13), nullable=False),
    sa.Column("movement_type", sa.String(24), nullable=False),
    sa.Column("qty", sa.Numeric(12, 3), nullable=False),
    sa.Column("moved_at", sa.DateTime, nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("document_type", sa.String(24), nullable=False),
    sa.Column("document_id", sa.String(40), nullable=False),
    sa.Column("counterparty_store_id", sa.String(16)),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
stocktake_counts = sa.Table(
    "stocktake_counts",
    store_metadata,
    sa.Column("stocktake_id", sa.String(40), primary_key=True),
    sa.Column("gtin", sa.String(13), primary_key=True),
    sa.Column("counted_at", sa.DateTime, nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("counted_qty", sa.Numeric(12, 3), nullable=False),
    sa.Column("system_qty", sa.Numeric(12, 3), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
stock_on_hand = sa.Table(
    "stock_on_hand",
    store_metadata,
    sa.Column("gtin", sa.String(13), primary_key=True),
    sa.Column("on_hand_qty", sa.Numeric(12, 3), nullable=False),
    sa.Column("as_of", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

GTINS = ["4006381333931", "4012345678901", "0012345678905"]


def receipt_line(receipt: int, line_no: int, updated_at: datetime, qty: str = "2") -> dict:
    q = Decimal(qty)
    return {
        "receipt_id": f"S001-R{receipt:05d}",
        "line_no": line_no,
        "gtin": GTINS[(receipt + line_no) % len(GTINS)],
        "qty": q,
        "unit_price_gross": Decimal("2.49"),
        "discount_gross": Decimal("0.10"),
        "line_total_gross": q * Decimal("2.49") - Decimal("0.10"),
        "vat_rate": Decimal("0.0700"),
        "updated_at": updated_at,
    }


def store_rows(n_receipts: int = 3) -> dict[str, list[dict]]:
    """A few rows for each of the five store tables."""
    rows: dict[str, list[dict]] = {t.name: [] for t in store_metadata.sorted_tables}
    for r in range(n_receipts):
        at = T0 + timedelta(minutes=r)
        rows["receipts"].append(
            {
                "receipt_id": f"S001-R{r:05d}",
                "store_id": "S001",
                "register_id": "K1",
                "business_date": date(2026, 3, 2),
                "created_at": at,
                "loyalty_card": "2900000000016" if r % 2 else None,
                "total_gross": Decimal("4.88"),
                "status": "completed",
                "updated_at": at,
            }
        )
        for line in (1, 2):
            rows["receipt_lines"].append(receipt_line(r, line, at))
            rows["stock_movements"].append(
                {
                    "movement_id": f"S001-M{r:05d}-{line}",
                    "store_id": "S001",
                    "gtin": GTINS[(r + line) % len(GTINS)],
                    "movement_type": "sale",
                    "qty": Decimal("-2.000"),
                    "moved_at": at,
                    "business_date": date(2026, 3, 2),
                    "document_type": "receipt",
                    "document_id": f"S001-R{r:05d}",
                    "counterparty_store_id": None,
                    "updated_at": at,
                }
            )
    for i, gtin in enumerate(GTINS):
        rows["stocktake_counts"].append(
            {
                "stocktake_id": "ST-1",
                "gtin": gtin,
                "counted_at": T0,
                "business_date": date(2026, 3, 1),
                "counted_qty": Decimal("10.500"),
                "system_qty": Decimal(f"{10 + i}.000"),
                "updated_at": T0,
            }
        )
        rows["stock_on_hand"].append(
            {"gtin": gtin, "on_hand_qty": Decimal("7.250"), "as_of": T0, "updated_at": T0}
        )
    return rows


def create_store(url: str, rows: dict[str, list[dict]] | None = None) -> sa.Engine:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        store_metadata.create_all(conn)
        for table in store_metadata.sorted_tables:
            data = (rows or {}).get(table.name)
            if data:
                conn.execute(table.insert(), data)
    return engine


def landed(landing: Landing, source: str, obj: str, source_id: str) -> list[dict[str, Any]]:
    """Every landed row of one scope, from the Parquet files the manifest lists."""
    paths = [
        str(p)
        for p in landing.batch_paths("data")
        if p.parent == landing.data_dir(source, obj, source_id)
    ]
    if not paths:
        return []
    rel = duckdb.read_parquet(paths, union_by_name=True)
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def quarantined(
    landing: Landing, source: str, obj: str, source_id: str, pii: bool = False
) -> list[dict[str, Any]]:
    """Quarantined rows of one scope (``pii``: the unmasked PII quarantine instead)."""
    if pii:
        folder = landing.quarantine_pii_dir(source, obj, source_id)
        paths = [str(p) for p in landing.batch_paths("quarantine_pii") if p.parent == folder]
    else:
        folder = landing.quarantine_dir(source, obj, source_id)
        paths = [str(p) for p in landing.batch_paths("quarantine") if p.parent == folder]
    if not paths:
        return []
    rel = duckdb.read_parquet(paths)
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def parquet_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*.parquet")}


def strip_meta(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


# --- legacy store exports (GBK) ---
SALES_HEADER = list(LEGACY_FILES["sales"].columns)
SALES = [
    [
        "S003-000001",
        "02/03/2026",
        "08:15:02",
        "1",
        "4006381333931",
        "苹果 红富士",
        "1.250",
        "3.99",
        "0.00",
        "4.99",
        "2900000000016",
    ],
    [
        "S003-000001",
        "02/03/2026",
        "08:15:02",
        "2",
        "4012345678901",
        "牛奶",
        "2",
        "1.19",
        "0.10",
        "2.28",
        "2900000000016",
    ],
    [
        "S003-000002",
        "02/03/2026",
        "09:01:40",
        "1",
        "4012345678901",
        "牛奶",
        "-1",
        "1.19",
        "0.00",
        "-1.19",
        "",
    ],
]
STOCK_HEADER = list(LEGACY_FILES["stock"].columns)
STOCK = [["02/03/2026", "4006381333931", "12.5"], ["02/03/2026", "4012345678901", "40"]]


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "gbk") -> bytes:
    lines = [",".join(header), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)

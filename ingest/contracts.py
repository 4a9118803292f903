"""The source contracts (docs/source_contracts.md) as ingest declares them: types, keys, row rules.

Relational tables are read column by column into these declared Arrow types, so a table lands with
the same types whatever the database (SQLite keeps dates and timestamps as text):

* identifiers and codes: ``string`` (an integer id lands as its decimal text; no id loses digits);
* ``INT``: ``int64``;
* ``NUMERIC(p,s)``: ``decimal128(p,s)``, exact, so money and quantities add up to the cent/gram
  in dbt (DuckDB reads them as ``DECIMAL(p,s)``);
* ``DATE``: ``date32``; timestamps: ``timestamp[us, UTC]`` (naive source values are UTC, by
  contract).

File sources land as text exactly as decoded; here they get the columns they must have and the
row rules whose breach sends a row to quarantine (dbt staging does the renaming and casting).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

TEXT = pa.string()
INT = pa.int64()
DATE = pa.date32()
TIMESTAMP = pa.timestamp("us", tz="UTC")
QTY = pa.decimal128(12, 3)
MONEY = pa.decimal128(12, 2)
COST = pa.decimal128(12, 4)
RATE = pa.decimal128(5, 4)


@dataclass(frozen=True)
class TableContract:
    """A relational source table: its columns in order, natural key and change timestamp."""

    name: str
    columns: tuple[tuple[str, pa.DataType], ...]
    key: tuple[str, ...]
    updated_at: str = "updated_at"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(name, typ) for name, typ in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


def _table(name: str, key: tuple[str, ...], *columns: tuple[str, pa.DataType]) -> TableContract:
    return TableContract(name=name, columns=columns, key=key)


HEAD_OFFICE_TABLES: tuple[TableContract, ...] = (
    _table(
        "stores",
        ("store_id",),
        ("store_id", TEXT),
        ("name", TEXT),
        ("region", TEXT),
        ("city", TEXT),
        ("timezone", TEXT),
        ("kind", TEXT),
        ("opened_on", DATE),
        ("size_sqm", INT),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "suppliers",
        ("supplier_id",),
        ("supplier_id", TEXT),
        ("name", TEXT),
        ("lead_time_days", INT),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "products",
        ("product_id",),
        ("product_id", TEXT),
        ("gtin", TEXT),
        ("name", TEXT),
        ("category", TEXT),
        ("unit", TEXT),
        ("case_pack", INT),
        ("vat_rate", RATE),
        ("cost_price", COST),
        ("retail_price_gross", MONEY),
        ("supplier_id", TEXT),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "product_prices",
        ("product_id", "valid_from"),
        ("product_id", TEXT),
        ("valid_from", DATE),
        ("retail_price_gross", MONEY),
        ("cost_price", COST),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "purchase_orders",
        ("po_id",),
        ("po_id", TEXT),
        ("supplier_id", TEXT),
        ("store_id", TEXT),
        ("ordered_at", TIMESTAMP),
        ("requested_date", DATE),
        ("status", TEXT),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "purchase_order_lines",
        ("po_id", "line_no"),
        ("po_id", TEXT),
        ("line_no", INT),
        ("product_id", TEXT),
        ("gtin", TEXT),
        ("qty_ordered", QTY),
        ("unit_cost", COST),
        ("updated_at", TIMESTAMP),
    ),
)

STORE_TABLES: tuple[TableContract, ...] = (
    _table(
        "receipts",
        ("receipt_id",),
        ("receipt_id", TEXT),
        ("store_id", TEXT),
        ("register_id", TEXT),
        ("business_date", DATE),
        ("created_at", TIMESTAMP),
        ("loyalty_card", TEXT),
        ("total_gross", MONEY),
        ("status", TEXT),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "receipt_lines",
        ("receipt_id", "line_no"),
        ("receipt_id", TEXT),
        ("line_no", INT),
        ("gtin", TEXT),
        ("qty", QTY),
        ("unit_price_gross", MONEY),
        ("discount_gross", MONEY),
        ("line_total_gross", MONEY),
        ("vat_rate", RATE),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "stock_movements",
        ("movement_id",),
        ("movement_id", TEXT),
        ("store_id", TEXT),
        ("gtin", TEXT),
        ("movement_type", TEXT),
        ("qty", QTY),
        ("moved_at", TIMESTAMP),
        ("business_date", DATE),
        ("document_type", TEXT),
        ("document_id", TEXT),
        ("counterparty_store_id", TEXT),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "stocktake_counts",
        ("stocktake_id", "gtin"),
        ("stocktake_id", TEXT),
        ("gtin", TEXT),
        ("counted_at", TIMESTAMP),
        ("business_date", DATE),
        ("counted_qty", QTY),
        ("system_qty", QTY),
        ("updated_at", TIMESTAMP),
    ),
    _table(
        "stock_on_hand",
        ("gtin",),
        ("gtin", TEXT),
        ("on_hand_qty", QTY),
        ("as_of", TIMESTAMP),
        ("updated_at", TIMESTAMP),
    ),
)


# --- file sources ---------------------------------------------------------------------------
# A rule returns None when the value is fine, else the reason (without the column name).
Rule = Callable[[str], str | None]

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")


def required(value: str) -> str | None:
    return None if value.strip() else "is empty"


def number(value: str) -> str | None:
    return None if _NUMBER.fullmatch(value.strip()) else f"{value!r} is not a number"


def integer(value: str) -> str | None:
    return None if _INTEGER.fullmatch(value.strip()) else f"{value!r} is not an integer"


def _strptime_rule(fmt: str, label: str, pattern: str) -> Rule:
    shape = re.compile(pattern)

    def rule(value: str) -> str | None:
        text = value.strip()
        if shape.fullmatch(text):
            try:
                datetime.strptime(text, fmt)
                return None
            except ValueError:
                pass
        return f"{value!r} is not a {label}"

    return rule


date_dmy = _strptime_rule("%d/%m/%Y", "dd/mm/yyyy date", r"\d{2}/\d{2}/\d{4}")
time_hms = _strptime_rule("%H:%M:%S", "HH:MM:SS time", r"\d{2}:\d{2}:\d{2}")
date_iso = _strptime_rule("%Y-%m-%d", "yyyy-mm-dd date", r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FileContract:
    """A CSV file object: the header columns it must have and the rules each row must pass."""

    object: str
    columns: tuple[str, ...]
    rules: dict[str, tuple[Rule, ...]] = field(default_factory=dict)

    def check(self, row: dict[str, str]) -> str | None:
        """The reasons this row breaks the contract ('; '-joined), or None."""
        reasons = []
        for column, rules in self.rules.items():
            for rule in rules:
                reason = rule(row[column])
                if reason:
                    reasons.append(f"{column}: {reason}")
                    break
        return "; ".join(reasons) or None


LEGACY_FILES: dict[str, FileContract] = {
    "sales": FileContract(
        "sales",
        ("小票号", "日期", "时间", "行号", "条码", "品名", "数量", "单价", "折扣", "金额")
        + ("会员卡",),
        {
            "小票号": (required,),
            "日期": (date_dmy,),
            "时间": (time_hms,),
            "行号": (integer,),
            "条码": (required,),
            "数量": (number,),
            "单价": (number,),
            "折扣": (number,),
            "金额": (number,),
        },
    ),
    "moves": FileContract(
        "moves",
        ("单据号", "日期", "时间", "条码", "类型", "数量", "单据类型", "关联单据", "对方门店"),
        {
            "单据号": (required,),
            "日期": (date_dmy,),
            "时间": (time_hms,),
            "条码": (required,),
            "类型": (required,),
            "数量": (number,),
        },
    ),
    "stock": FileContract(
        "stock",
        ("日期", "条码", "库存"),
        {"日期": (date_dmy,), "条码": (required,), "库存": (number,)},
    ),
}

SUPPLIER_FILES: dict[str, FileContract] = {
    "price_list": FileContract(
        "price_list",
        (
            "price_list_id",
            "supplier_id",
            "gtin",
            "supplier_sku",
            "unit_cost",
            "currency",
            "case_pack",
            "min_order_qty",
            "valid_from",
        ),
        {
            "price_list_id": (required,),
            "gtin": (required,),
            "unit_cost": (number,),
            "case_pack": (integer,),
            "min_order_qty": (number,),
            "valid_from": (date_iso,),
        },
    ),
    "order_confirmation": FileContract(
        "order_confirmation",
        (
            "confirmation_id",
            "po_id",
            "supplier_id",
            "line_no",
            "gtin",
            "qty_confirmed",
            "confirmed_delivery_date",
        ),
        {
            "confirmation_id": (required,),
            "po_id": (required,),
            "line_no": (integer,),
            "gtin": (required,),
            "qty_confirmed": (number,),
            "confirmed_delivery_date": (date_iso,),
        },
    ),
    "asn": FileContract(
        "asn",
        (
            "asn_id",
            "po_id",
            "supplier_id",
            "store_id",
            "gtin",
            "qty_shipped",
            "shipped_date",
            "expected_date",
        ),
        {
            "asn_id": (required,),
            "po_id": (required,),
            "gtin": (required,),
            "qty_shipped": (number,),
            "shipped_date": (date_iso,),
            "expected_date": (date_iso,),
        },
    ),
}


# --- CRM ------------------------------------------------------------------------------------
CRM_RECORD_COLUMNS = ("id", "createdAt", "updatedAt", "archived")
CRM_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": (
        "firstname",
        "lastname",
        "email",
        "phone",
        "loyalty_card",
        "tier",
        "marketing_consent",
        "home_store_id",
        "createdate",
        "lastmodifieddate",
    ),
    "feedback": (
        "contact_id",
        "store_id",
        "topic",
        "score",
        "submitted_at",
        "lastmodifieddate",
    ),
    "campaigns": ("name", "channel", "start_date", "end_date", "segment", "lastmodifieddate"),
    "campaign_responses": (
        "campaign_id",
        "contact_id",
        "response",
        "responded_at",
        "lastmodifieddate",
    ),
}

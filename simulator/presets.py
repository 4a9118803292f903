"""Named sizes of the simulated chain: stores, products, days, and which faults to inject.

Add a preset by calling :func:`register` (bench sizes live next to the benchmarks that need them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class FaultSpec:
    """How many faults of one kind to inject: ``max(min_count, round(rate * eligible))``."""

    min_count: int = 1
    rate: float = 0.0

    def count(self, eligible: int) -> int:
        return min(eligible, max(self.min_count, round(self.rate * eligible)))


@dataclass(frozen=True)
class Preset:
    name: str
    n_stores: int
    n_legacy: int
    n_products: int
    n_days: int
    n_suppliers: int
    end_date: date = date(2026, 10, 31)
    n_file_suppliers: int = 1
    n_contacts: int = 400
    receipts_per_day: float = 80.0
    lines_per_receipt: float = 2.5
    loyalty_share: float = 0.4
    void_share: float = 0.01
    return_share: float = 0.01
    discount_share: float = 0.08
    transfers_per_day: float = 1.0
    shrink_rate: float = 0.002
    stocktake_days_before_end: int = 8
    registers: int = 3
    new_store_opens: bool = True  # the last modern store opens a quarter into the period
    promotions_per_product_year: float = 2.0
    silent_days: int = 3  # how long a store_silent store sends nothing (at the period end)
    n_campaigns: int = 6
    # legacy daily stock export: every product every this many days (and on the first and last
    # day), otherwise only the products that moved that day
    legacy_stock_full_days: int = 7
    faults: dict[str, FaultSpec] = field(default_factory=dict)

    @property
    def start_date(self) -> date:
        return date.fromordinal(self.end_date.toordinal() - self.n_days + 1)


PRESETS: dict[str, Preset] = {}


def register(preset: Preset) -> Preset:
    PRESETS[preset.name] = preset
    return preset


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; known: {sorted(PRESETS)}") from None


STORE_FAULTS = (
    "transfer_missing_in",
    "transfer_qty_mismatch",
    "goods_receipt_duplicated",
    "receipt_total_mismatch",
    "sale_without_movement",
    "unknown_loyalty_card",
    "crm_members_merged",
    "shelf_price_mismatch",
    "invalid_gtin",
    "stocktake_shrinkage_excess",
    "store_silent",
    "store_partial_receipts",
    "asn_qty_mismatch",
    "late_delivery",
    "source_row_deleted",
    "onhand_mismatch",
)
FILE_FAULTS = (
    "file_duplicate",
    "file_truncated",
    "file_late",
    "row_bad_encoding",
    "row_bad_date",
    "row_non_numeric_qty",
    "column_unexpected",
    "column_missing",
    "excel_two_header_rows",
)


def every_fault(min_count: int, **overrides: FaultSpec) -> dict[str, FaultSpec]:
    """``min_count`` of every kind, with per-kind overrides."""
    specs = {kind: FaultSpec(min_count=min_count) for kind in (*STORE_FAULTS, *FILE_FAULTS)}
    specs.update(overrides)
    return specs


register(
    Preset(
        name="ci",
        n_stores=3,
        n_legacy=1,
        n_products=80,
        n_days=60,
        n_suppliers=4,
        n_file_suppliers=4,
        n_contacts=400,
        receipts_per_day=60.0,
        transfers_per_day=1.0,
        # late_delivery: rate per purchase order, weighted by the supplier's late profile
        faults=every_fault(
            1,
            onhand_mismatch=FaultSpec(min_count=2),
            late_delivery=FaultSpec(min_count=0, rate=0.01),
            store_silent=FaultSpec(min_count=1),  # one store: silent_days records, one per day
        ),
    )
)

register(
    Preset(
        name="demo",
        n_stores=8,
        n_legacy=2,
        n_products=500,
        n_days=180,
        n_suppliers=12,
        n_file_suppliers=6,
        n_contacts=6000,
        receipts_per_day=120.0,
        transfers_per_day=2.0,
        faults=every_fault(3, late_delivery=FaultSpec(min_count=0, rate=0.04)),
    )
)

register(
    Preset(
        name="bench-M",
        n_stores=20,
        n_legacy=4,
        n_products=5000,
        n_days=365,
        n_suppliers=40,
        n_file_suppliers=12,
        n_contacts=40_000,
        receipts_per_day=200.0,
        transfers_per_day=4.0,
        silent_days=10,
        # a longer stretch after the stocktakes: enough transfers in it for 20 faults of each of
        # transfer_missing_in and transfer_qty_mismatch
        stocktake_days_before_end=15,
        faults=every_fault(20, late_delivery=FaultSpec(min_count=0, rate=0.04)),
    )
)

register(
    Preset(
        name="bench-L",
        n_stores=100,
        n_legacy=15,
        n_products=10_000,
        n_days=730,
        n_suppliers=80,
        n_file_suppliers=20,
        n_contacts=200_000,
        receipts_per_day=275.0,  # ~50M receipt lines over 100 stores x 730 days
        transfers_per_day=10.0,
        silent_days=10,
        stocktake_days_before_end=15,
        faults=every_fault(20, late_delivery=FaultSpec(min_count=0, rate=0.04)),
    )
)

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


register(
    Preset(
        name="ci",
        n_stores=3,
        n_legacy=1,
        n_products=80,
        n_days=60,
        n_suppliers=3,
        n_contacts=400,
        receipts_per_day=80.0,
        transfers_per_day=1.0,
        faults={
            "onhand_mismatch": FaultSpec(min_count=2),
            "transfer_missing_in": FaultSpec(min_count=1),
        },
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
        n_file_suppliers=2,
        n_contacts=6000,
        receipts_per_day=120.0,
        transfers_per_day=2.0,
        faults={
            "onhand_mismatch": FaultSpec(min_count=3, rate=0.001),
            "transfer_missing_in": FaultSpec(min_count=2),
        },
    )
)

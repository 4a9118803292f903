"""Fault counts follow the presets' rates, spread over the stores by their candidates, and every
planned fault is recorded with the fields the warehouse reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.faults import FAULT_FIELDS, FAULT_ORDER
from simulator.generate import simulate
from simulator.prepared import prepare_chain
from simulator.presets import FaultSpec, Preset, every_fault, register

RATES = {
    "invalid_gtin": FaultSpec(min_count=1, rate=0.01),
    "sale_without_movement": FaultSpec(min_count=1, rate=0.05),
    "receipt_total_mismatch": FaultSpec(min_count=1, rate=0.004),
}
RATED = register(
    Preset(
        name="test-rated",
        n_stores=4,
        n_legacy=1,
        n_products=30,
        n_days=28,
        n_suppliers=4,
        n_file_suppliers=4,
        n_contacts=80,
        receipts_per_day=30.0,
        stocktake_days_before_end=8,
        silent_days=2,
        faults=every_fault(1, late_delivery=FaultSpec(min_count=0, rate=0.2), **RATES),
    )
)


@pytest.fixture(scope="module")
def rated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("rated")
    return out, simulate(RATED.name, 5, out)


def test_counts_follow_the_rates(rated: tuple[Path, dict], tmp_path: Path) -> None:
    _, summary = rated
    prepared = prepare_chain(RATED, 5, tmp_path)
    counter_quota = prepared.plan.quota
    for kind, spec in RATES.items():
        quota = counter_quota[kind]
        assert quota.sum() > spec.min_count  # the rate, not the minimum, decides
        assert summary["faults"][kind] == quota.sum(), kind
    # each store's share is at most what it could give, and more than one store takes a share
    assert (counter_quota["invalid_gtin"] > 0).sum() > 1


def test_every_fault_is_recorded_with_its_fields(rated: tuple[Path, dict]) -> None:
    out, summary = rated
    lines = (out / "ground_truth" / "faults.jsonl").read_text(encoding="utf-8").splitlines()
    faults = [json.loads(x) for x in lines]
    assert set(summary["faults"]) >= set(FAULT_ORDER)
    for fault in faults:
        assert list(fault) == FAULT_FIELDS
        assert fault["kind"] and fault["detail"]
        if (
            fault["kind"] not in ("store_silent", "store_partial_receipts")
            and fault["document_type"] != "file"
        ):
            assert fault["store_id"] and fault["product_id"] and fault["gtin"], fault
            assert fault["document_id"] and fault["qty"] is not None, fault
            assert fault["amount"] is not None, fault
    # ordered by kind, then store (never by the order stores were written in)
    kinds = [f["kind"] for f in faults if f["document_type"] != "file"]
    assert kinds == sorted(kinds, key=FAULT_ORDER.index)
    stores = [
        (FAULT_ORDER.index(f["kind"]), f["store_id"])
        for f in faults
        if f["document_type"] != "file"
    ]
    assert stores == sorted(stores)
    late = [f["qty"] for f in faults if f["kind"] == "late_delivery"]
    assert late and min(late) >= 0 and max(late) > 0

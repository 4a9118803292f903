"""The bench presets are registered with the sizes the benchmarks are specified for."""

from simulator.presets import STORE_FAULTS, get_preset


def test_bench_presets_registered_with_their_sizes() -> None:
    m, big = get_preset("bench-M"), get_preset("bench-L")
    assert (m.n_stores, m.n_products, m.n_days) == (20, 5000, 365)
    assert (big.n_stores, big.n_products, big.n_days) == (100, 10_000, 730)
    # ~50M receipt lines at bench-L: stores x days x receipts per day x lines per receipt
    lines = big.n_stores * big.n_days * big.receipts_per_day * big.lines_per_receipt
    assert 40e6 <= lines <= 60e6
    for kind in STORE_FAULTS:
        if kind != "late_delivery":
            assert m.faults[kind].min_count >= 20, kind

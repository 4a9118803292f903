"""Streaming the true chain in chunks of days: the chunk size never changes what was recorded."""

import numpy as np
import pandas as pd
import pytest

from simulator.chain import TABLES, DayChunk, build_chain, simulate_chunks
from simulator.presets import Preset, every_fault, register

TINY = register(
    Preset(
        name="test-chunks",
        n_stores=3,
        n_legacy=1,
        n_products=25,
        n_days=20,
        n_suppliers=4,
        n_file_suppliers=4,
        n_contacts=60,
        receipts_per_day=20.0,
        stocktake_days_before_end=5,
        silent_days=2,
        faults=every_fault(1),
    )
)
CHAIN_TABLES = ["purchase_orders", "po_lines", "transfers"]


@pytest.mark.parametrize("chunk_days", [1, 3, 7])
def test_chunk_size_does_not_change_the_chain(chunk_days: int) -> None:
    whole, whole_rows = build_chain(TINY, 42, chunk_days=TINY.n_days)
    chunked, chunked_rows = build_chain(TINY, 42, chunk_days=chunk_days)
    for table in TABLES:
        pd.testing.assert_frame_equal(whole_rows[table], chunked_rows[table])
    for table in CHAIN_TABLES:
        pd.testing.assert_frame_equal(getattr(whole, table), getattr(chunked, table))
    assert (whole.true_on_hand == chunked.true_on_hand).all()
    assert len(whole_rows["lines"]) > 500 and len(whole.purchase_orders) > 20


def test_streamed_chunks_cover_consecutive_days_with_their_own_rows() -> None:
    chunks: list[DayChunk] = []
    simulate_chunks(TINY, 42, lambda _chain: chunks.append, chunk_days=6)
    assert [(c.first_day, c.last_day) for c in chunks] == [(0, 5), (6, 11), (12, 17), (18, 19)]
    _, whole = build_chain(TINY, 42)
    for c in chunks:
        for table in ("receipts", "lines", "movements"):
            day = getattr(c, table)["day"]
            assert ((day >= c.first_day) & (day <= c.last_day)).all()
        r, li = c.receipts, c.lines
        receipts = set(zip(r["store_idx"], r["day"], r["seq"], strict=True))
        assert set(zip(li["store_idx"], li["day"], li["seq"], strict=True)) <= receipts
    numbers = np.concatenate([c.movements["movement_no"] for c in chunks])
    stores = np.concatenate([c.movements["store_idx"] for c in chunks])
    moves = whole["movements"]
    # movement numbers run on per store across chunks
    whole_numbers = zip(moves["store_idx"], moves["movement_no"], strict=True)
    assert sorted(zip(stores, numbers, strict=True)) == sorted(whole_numbers)
    for s in range(TINY.n_stores):
        mine = np.sort(numbers[stores == s])
        assert (mine == np.arange(1, len(mine) + 1)).all()


def test_each_store_spilled_alone_equals_its_rows_in_the_whole_chain(tmp_path) -> None:
    from simulator.stream import read_store, spill_chain

    spilled = spill_chain(TINY, 42, tmp_path, chunk_days=4)
    _, whole = build_chain(TINY, 42)
    assert spilled.rows["lines"] == len(whole["lines"])
    for s, store_id in enumerate(spilled.chain.store_ids):
        for table in TABLES:
            frame = whole[table]
            want = frame[frame["store_idx"] == s].reset_index(drop=True)
            got = read_store(tmp_path, str(store_id), table, s)
            assert len(got) == len(want)
            pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)

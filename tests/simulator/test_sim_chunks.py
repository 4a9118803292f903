"""Streaming the true chain in chunks of days: the chunk size never changes what was recorded."""

import pandas as pd
import pytest

from simulator.chain import DayChunk, build_chain, simulate_chunks
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
TABLES = [
    "receipts",
    "lines",
    "movements",
    "stocktakes",
    "purchase_orders",
    "po_lines",
    "transfers",
]


@pytest.mark.parametrize("chunk_days", [1, 3, 7])
def test_chunk_size_does_not_change_the_chain(chunk_days: int) -> None:
    whole = build_chain(TINY, 42, chunk_days=TINY.n_days)
    chunked = build_chain(TINY, 42, chunk_days=chunk_days)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(whole, table), getattr(chunked, table))
    assert (whole.true_on_hand == chunked.true_on_hand).all()


def test_streamed_chunks_cover_consecutive_days_with_their_own_rows() -> None:
    chunks: list[DayChunk] = []
    simulate_chunks(TINY, 42, chunks.append, chunk_days=6)
    assert [(c.first_day, c.last_day) for c in chunks] == [(0, 5), (6, 11), (12, 17), (18, 19)]
    whole = build_chain(TINY, 42)
    for c in chunks:
        assert c.receipts["day"].between(c.first_day, c.last_day).all()
        assert c.movements["day"].between(c.first_day, c.last_day).all()
        assert set(c.lines["receipt_id"]) <= set(c.receipts["receipt_id"])
    ids = pd.concat([c.movements for c in chunks])["movement_id"]
    assert sorted(ids) == sorted(whole.movements["movement_id"])  # ids run on across chunks


def test_each_store_spilled_alone_equals_its_rows_in_the_whole_chain(tmp_path) -> None:
    from simulator.stream import read_store, spill_chain

    counts = spill_chain(TINY, 42, tmp_path, chunk_days=4)
    whole = build_chain(TINY, 42)
    assert counts["lines"] == len(whole.lines)
    store_of = whole.receipts.set_index("receipt_key")["store_idx"]
    for s, store_id in enumerate(whole.store_ids):
        for table in ("receipts", "lines", "movements", "stocktakes"):
            frame = getattr(whole, table)
            if table == "lines":
                frame = frame.assign(store_idx=store_of.reindex(frame["receipt_key"]).to_numpy())
            want = frame[frame["store_idx"] == s].reset_index(drop=True)
            got = read_store(tmp_path, str(store_id), table)
            if not len(want):
                assert not len(got)
                continue
            pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)

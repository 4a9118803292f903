"""Streaming the true chain to disk: one Parquet file per store and table, written chunk by chunk.

First stage of generating the bench sizes without the whole chain in memory: the day loop
(:func:`simulator.chain.simulate_chunks`) hands over a few days at a time and each store's rows are
appended to ``<folder>/<store_id>/<table>.parquet`` (one row group per chunk). Later stages (faults,
writers) can then read one store at a time (:func:`read_store`). Memory stays at the chain-level
state ([store x product] arrays, purchase orders, transfers) plus one chunk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.chain import DayChunk, simulate_chunks
from simulator.presets import Preset

TABLES = ("receipts", "lines", "movements", "stocktakes")


class _StoreSpill:
    def __init__(self, folder: Path, store_ids: np.ndarray) -> None:
        self.folder, self.store_ids = folder, store_ids
        self.writers: dict[tuple[int, str], pq.ParquetWriter] = {}
        self.rows = dict.fromkeys(TABLES, 0)

    def __call__(self, chunk: DayChunk) -> None:
        store_of_key = pd.Series(
            chunk.receipts["store_idx"].to_numpy(), index=chunk.receipts["receipt_key"].to_numpy()
        )
        lines = chunk.lines.assign(
            store_idx=store_of_key.reindex(chunk.lines["receipt_key"].to_numpy()).to_numpy()
        )
        frames = {
            "receipts": chunk.receipts,
            "lines": lines,
            "movements": chunk.movements,
            "stocktakes": chunk.stocktakes,
        }
        for table, frame in frames.items():
            if not len(frame):
                continue
            self.rows[table] += len(frame)
            stores = frame["store_idx"].to_numpy()
            bounds = np.flatnonzero(np.diff(stores)) + 1  # frames are sorted by store
            for part in np.split(np.arange(len(frame)), bounds):
                s = int(stores[part[0]])
                self._write(s, table, frame.iloc[part])

    def _write(self, s: int, table: str, frame: pd.DataFrame) -> None:
        data = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
        writer = self.writers.get((s, table))
        if writer is None:
            path = self.folder / str(self.store_ids[s]) / f"{table}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(path, data.schema)
            self.writers[(s, table)] = writer
        writer.write_table(data.cast(writer.schema))

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def spill_chain(preset: Preset, seed: int, folder: Path, chunk_days: int = 28) -> dict[str, Any]:
    """Simulate ``preset``/``seed``, write each store's true rows under ``folder``; counts."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spill: _StoreSpill | None = None

    def sink(chunk: DayChunk) -> None:
        nonlocal spill
        if spill is None:
            spill = _StoreSpill(folder, chunk.store_ids)
        spill(chunk)

    try:
        sim = simulate_chunks(preset, seed, sink, chunk_days)
    finally:
        if spill is not None:
            spill.close()
    assert spill is not None
    return {
        **spill.rows,
        "purchase_orders": len(sim.po_rows),
        "transfers": len(sim.transfer_rows),
    }


def read_store(folder: Path, store_id: str, table: str) -> pd.DataFrame:
    """One store's rows of ``table`` as spilled (empty frame if the store has none)."""
    path = Path(folder) / store_id / f"{table}.parquet"
    if not path.exists():
        return pd.DataFrame()
    return pq.read_table(path).to_pandas()

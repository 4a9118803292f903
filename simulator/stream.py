"""Streaming the true chain to disk: one Arrow file per store and table, written chunk by chunk.

The day loop (:func:`simulator.chain.simulate_chunks`) hands over a few days at a time and each
store's rows are appended to ``<folder>/<store_id>/<table>.arrow`` (Arrow IPC, one record batch per
chunk, compact integer columns; the store index is the folder). The writers then read one store at a
time (:func:`read_store`). Memory stays at the chain-level state ([store x product] arrays,
purchase orders, transfers) plus one chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from simulator.chain import TABLES, Chain, DayChunk, simulate_chunks
from simulator.presets import Preset

# spilled column types (the store index is not spilled: one folder per store)
_TYPES: dict[str, pa.DataType] = {
    "receipt_key": pa.int64(),
    "day": pa.int16(),
    "t": pa.int32(),
    "seq": pa.int32(),
    "register_no": pa.int16(),
    "contact_idx": pa.int32(),
    "voided": pa.bool_(),
    "total_cents": pa.int64(),
    "line_no": pa.int32(),
    "prod_idx": pa.int32(),
    "qty_milli": pa.int64(),
    "price_cents": pa.int64(),
    "discount_cents": pa.int64(),
    "movement_type": pa.int8(),
    "document_type": pa.int8(),
    "document_no": pa.int64(),
    "counterparty_idx": pa.int32(),
    "movement_no": pa.int64(),
    "counted_milli": pa.int64(),
    "system_milli": pa.int64(),
}
SCHEMAS = {
    table: pa.schema([(c, _TYPES[c]) for c in columns if c != "store_idx"])
    for table, columns in TABLES.items()
}


def _path(folder: Path, store_id: str, table: str) -> Path:
    return Path(folder) / store_id / f"{table}.arrow"


class _StoreSpill:
    def __init__(self, folder: Path, store_ids: np.ndarray) -> None:
        self.folder, self.store_ids = folder, store_ids
        self.writers: dict[tuple[int, str], pa.ipc.RecordBatchFileWriter] = {}
        self.rows = dict.fromkeys(TABLES, 0)

    def __call__(self, chunk: DayChunk) -> None:
        for table in TABLES:
            columns = getattr(chunk, table)
            stores = columns["store_idx"]
            if not len(stores):
                continue
            self.rows[table] += len(stores)
            bounds = np.flatnonzero(np.diff(stores)) + 1  # sorted by store
            starts = np.concatenate([[0], bounds])
            ends = np.concatenate([bounds, [len(stores)]])
            schema = SCHEMAS[table]
            for a, b in zip(starts, ends, strict=True):
                batch = pa.record_batch(
                    [pa.array(columns[f.name][a:b], type=f.type) for f in schema], schema=schema
                )
                self._writer(int(stores[a]), table).write_batch(batch)

    def _writer(self, s: int, table: str) -> pa.ipc.RecordBatchFileWriter:
        writer = self.writers.get((s, table))
        if writer is None:
            path = _path(self.folder, str(self.store_ids[s]), table)
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pa.ipc.new_file(str(path), SCHEMAS[table])
            self.writers[(s, table)] = writer
        return writer

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers = {}


@dataclass
class SpilledChain:
    """The chain-level state in memory and every store's true rows under ``folder``."""

    chain: Chain
    folder: Path
    rows: dict[str, int] = field(default_factory=dict)

    def read(self, store_idx: int, table: str) -> pd.DataFrame:
        return read_store(self.folder, str(self.chain.store_ids[store_idx]), table, store_idx)


def spill_chain(
    preset: Preset,
    seed: int,
    folder: Path,
    chunk_days: int = 7,
    observe: Callable[[Chain], Callable[[DayChunk], None]] | None = None,
) -> SpilledChain:
    """Simulate ``preset``/``seed`` and write each store's true rows under ``folder``.

    ``observe`` (optional) makes a second sink from the chain-level state, which sees every chunk
    too (e.g. to count fault candidates on the way).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spill: _StoreSpill | None = None

    def make_sink(chain: Chain) -> Callable[[DayChunk], None]:
        nonlocal spill
        spill = _StoreSpill(folder, chain.store_ids)
        other = observe(chain) if observe is not None else None

        def sink(chunk: DayChunk) -> None:
            spill(chunk)
            if other is not None:
                other(chunk)

        return sink

    try:
        chain = simulate_chunks(preset, seed, make_sink, chunk_days)
    finally:
        if spill is not None:
            spill.close()
    assert spill is not None
    return SpilledChain(chain, folder, spill.rows)


def read_store(
    folder: Path, store_id: str, table: str, store_idx: int | None = None
) -> pd.DataFrame:
    """One store's rows of ``table`` as spilled, integers widened to int64 (``store_idx`` added
    when given); an empty frame with the table's columns if the store has none."""
    path = _path(folder, store_id, table)
    schema = SCHEMAS[table]
    if path.exists():
        with pa.memory_map(str(path)) as source:
            data = pa.ipc.open_file(source).read_all()
            columns = {
                c: data[c].to_numpy().astype(bool if c == "voided" else np.int64)
                for c in schema.names
            }
    else:
        columns = {c: np.zeros(0, dtype=bool if c == "voided" else np.int64) for c in schema.names}
    frame = pd.DataFrame(columns)
    if store_idx is not None:
        frame.insert(0, "store_idx", np.full(len(frame), store_idx, dtype=np.int64))
    return frame

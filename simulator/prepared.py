"""The true chain streamed to disk and its faults planned: ready to write one store at a time.

:func:`prepare_chain` runs the day loop once, spilling every store's rows
(:mod:`simulator.stream`) and counting fault candidates on the way; then the faults are planned
from chain-level state (:func:`simulator.faults.plan_faults`). :meth:`PreparedChain.record` gives
one store as its system recorded it; it depends on nothing but the store (any order, any process).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from simulator.chain import TABLES, Chain
from simulator.faults import CandidateCounter, FaultPlan, StoreRecord, plan_faults, record_store
from simulator.presets import Preset, get_preset
from simulator.stream import read_store, spill_chain

CHUNK_DAYS = 14


@dataclass
class PreparedChain:
    chain: Chain
    plan: FaultPlan
    folder: Path  # the spilled store rows
    rows: dict[str, int] = field(default_factory=dict)  # true rows per table

    def store_rows(self, s: int) -> dict[str, pd.DataFrame]:
        store_id = str(self.chain.store_ids[s])
        return {table: read_store(self.folder, store_id, table, s) for table in TABLES}

    def record(self, s: int) -> StoreRecord:
        """Store ``s`` as its system recorded it (faults applied)."""
        return record_store(self.chain, self.plan, s, self.store_rows(s))


def prepare_chain(
    preset: Preset, seed: int, folder: Path, chunk_days: int = CHUNK_DAYS
) -> PreparedChain:
    """Simulate ``preset``/``seed``, spill the stores' rows under ``folder``, plan the faults."""
    counters: list[CandidateCounter] = []

    def observe(chain: Chain) -> CandidateCounter:
        counters.append(CandidateCounter(chain))
        return counters[-1]

    spilled = spill_chain(preset, seed, folder, chunk_days, observe=observe)
    plan = plan_faults(spilled.chain, counters[0].result())
    return PreparedChain(spilled.chain, plan, spilled.folder, spilled.rows)


@lru_cache(maxsize=2)
def cached_chain(preset: str, seed: int) -> PreparedChain:
    """:func:`prepare_chain` into a temporary folder kept for this process (small chains)."""
    folder = Path(tempfile.mkdtemp(prefix=f"sim-{preset}-{seed}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return prepare_chain(get_preset(preset), seed, folder)

"""Run by test_kill_resume.py as a subprocess: load one store table slowly enough to be killed
between batches. Each chunk written to a batch sleeps, so a batch is half-written when the kill
lands; the product code is unchanged."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ingest.contracts import STORE_TABLES
from ingest.landing import Batch, Landing
from ingest.sources.sql_tables import load_table, make_engine

url, landing_dir, table, chunk_rows, batch_rows = sys.argv[1:6]
original = Batch.write


def slow_write(self, data):
    n = original(self, data)
    time.sleep(0.15)
    return n


Batch.write = slow_write
contract = next(t for t in STORE_TABLES if t.name == table)
engine = make_engine(url)
result = load_table(
    engine,
    Landing(Path(landing_dir)),
    source="store",
    source_id="S001",
    contract=contract,
    chunk_rows=int(chunk_rows),
    batch_rows=int(batch_rows),
)
print(result)

"""The floor under the store-database line of the ingest bench: every store table read through
ADBC exactly as a first load reads it (the contract's columns, the type row, 50k-row batches), on
the same number of threads, and nothing else (no conversion, no Parquet, no manifest).

    uv run python bench/store_read_floor.py [sources.yml]     (default: the bench-M chain)

Prints rows, seconds, rows/s, process CPU seconds and the load average.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from ingest.config import load_sources_config  # noqa: E402
from ingest.contracts import STORE_TABLES  # noqa: E402
from ingest.sources.sql_tables import _adbc_chunks, make_engine, sqlite_file_uri  # noqa: E402

DEFAULT_SOURCES = PROJECT_ROOT / "data" / "bench" / "bench-M-42" / "sources" / "sources.yml"


def read_table(uri: str, table: int) -> int:
    contract = STORE_TABLES[table]
    sql = f"SELECT {', '.join(contract.column_names)} FROM {contract.name}"
    types = [t for _, t in contract.columns]
    return sum(len(chunk[0]) for chunk in _adbc_chunks(uri, sql, [], 50_000, types))


def main(sources: Path = DEFAULT_SOURCES) -> None:
    config = load_sources_config(sources)
    uris = []
    for store in config.modern_stores:
        engine = make_engine(store.url)
        uris.append(sqlite_file_uri(engine))
        engine.dispose()
    tasks = [(u, t) for t in range(len(STORE_TABLES)) for u in uris if u is not None]
    load = os.getloadavg()[0]
    cpu, start = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(config.load_workers) as pool:
        rows = sum(pool.map(lambda task: read_table(*task), tasks))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"ADBC read only, {len(uris)} stores, {config.load_workers} threads: {rows:,} rows in"
        f" {seconds:.2f} s = {rows / seconds:,.0f} rows/s; CPU {cpu:.1f} s"
        f" ({cpu / rows * 1e9:.0f} ns/row); load {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCES)

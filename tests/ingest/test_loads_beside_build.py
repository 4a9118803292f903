"""Frequent loads and the nightly build do not wait for each other.

Loads write only the landing (Parquet + manifest), never the warehouse that dbt holds for the
whole build; dbt reads the landing without taking the loads' locks, and a batch being written
sits under a temporary name that the landing globs do not match.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from ingest_fixtures import create_store, store_rows

from ingest.config import load_sources_config
from ingest.run import load_source_kind

HOLD_WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists held as select 1 as x")
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def store_config(tmp_path: Path) -> Path:
    create_store(f"sqlite:///{tmp_path / 'S001.sqlite'}", store_rows(5))
    path = tmp_path / "sources.yml"
    path.write_text(
        "chain: test\n"
        "head_office:\n"
        f'  url: "sqlite:///{tmp_path / "head_office.sqlite"}"\n'
        "stores:\n"
        f'  - {{store_id: S001, kind: modern, url: "sqlite:///{tmp_path / "S001.sqlite"}"}}\n',
        encoding="utf-8",
    )
    return path


def test_a_store_load_lands_while_another_process_writes_the_warehouse(tmp_path, store_config):
    warehouse = tmp_path / "warehouse.duckdb"
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "holding"
        # the build's lock is real: nobody else can even read the warehouse now
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(warehouse), read_only=True)
        results = load_source_kind("store", load_sources_config(store_config), tmp_path / "land")
    finally:
        writer.communicate("")
    assert all(r.error is None for r in results)
    loaded = {r.object: r.rows_loaded for r in results}
    assert loaded["receipts"] == 5 and loaded["receipt_lines"] == 10


def test_the_landing_reads_committed_batches_while_a_load_holds_its_scope(tmp_path, store_config):
    landing = tmp_path / "land"
    load_source_kind("store", load_sources_config(store_config), landing)
    scope = landing / "store" / "receipts" / "S001"
    # a load in progress: its scope lock held and a batch half-written under its temporary name
    lock_path = landing / "_locks" / "store" / "receipts" / "S001.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    (scope / "in-progress.parquet.tmp").write_bytes(b"PAR1 half a file")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with duckdb.connect() as con:
            rows = con.execute(
                f"select count(*) from read_parquet('{landing}/store/receipts/*/*.parquet')"
            ).fetchone()[0]
    assert rows == 5

"""Re-running ingest and dbt over unchanged sources changes nothing but the audit history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

# Tables that keep every run by design: they must grow, everything else must stay identical.
HISTORY_TABLES = {("audits", "fct_audit_runs")}
# Columns that name the run that produced a row.
RUN_COLUMNS = ("run_id", "run_at")


def _landing_state(landing: Path) -> dict[str, object]:
    files = sorted(str(p.relative_to(landing)) for p in landing.rglob("*.parquet"))
    with sqlite3.connect(landing / "_manifest.sqlite") as con:
        batches = con.execute("select count(*) from batches").fetchone()[0]
    return {"files": files, "batches": batches}


def _table_checksums(warehouse: Path) -> dict[tuple[str, str], tuple[int, int]]:
    sums = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts', 'audits', 'pii')"
        ).fetchall()
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
                if c not in RUN_COLUMNS
            ]
            column_list = ", ".join(f'"{c}"' for c in columns)
            count, checksum = con.execute(
                f"select count(*), coalesce(sum(hash(t)::hugeint), 0) "
                f'from (select {column_list} from "{schema}"."{table}") t'
            ).fetchone()
            sums[(schema, table)] = (count, int(checksum))
    return sums


def test_rerun_changes_only_history(ci_chain, rerun_pipeline):
    landing_before = _landing_state(ci_chain.landing_dir)
    tables_before = _table_checksums(ci_chain.warehouse)
    assert len(tables_before) >= 15

    rerun_pipeline()

    assert _landing_state(ci_chain.landing_dir) == landing_before
    tables_after = _table_checksums(ci_chain.warehouse)
    assert tables_after.keys() == tables_before.keys()
    for key in tables_before:
        if key in HISTORY_TABLES:
            assert tables_after[key][0] > tables_before[key][0], f"{key} should gain the new run"
        else:
            assert tables_after[key] == tables_before[key], f"{key} changed on a re-run"

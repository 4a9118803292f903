"""Late corrections land exactly once: the simulator's later sync (voids, removed lines, corrected
goods receipts, with the store systems hard-deleting the voided sale movements) is ingested into a
copy of the built `ci` chain, the stock and sales marts are built incrementally, and the result
must equal a full refresh of the same landing and the simulator's true on-hand.

One module fixture does the copy, the later changes, one store ingest and two dbt runs
(incremental, full refresh) of the stock and sales marts and what they read (~40 s).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

SELECT = ["+path:models/marts/stock", "+path:models/marts/sales"]


@dataclass(frozen=True)
class LateChain:
    incremental: Path  # data dir built incrementally after the changes
    full_refresh: Path  # the same data dir rebuilt from scratch
    before: Path  # the ci chain's warehouse before the changes

    def changes(self) -> list[dict]:
        path = self.incremental / "sources" / "ground_truth" / "changes.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _dbt(data_dir: Path, work: Path, *args: str) -> None:
    from dagster_project.lib.dbt_cli import dbt_executable
    from retailwh import settings

    project = str(settings.DBT_PROJECT_DIR)
    command = [
        str(dbt_executable()),
        "run",
        *args,
        "--project-dir", project,
        "--profiles-dir", project,
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--select", *SELECT,
    ]  # fmt: skip
    env = {**os.environ, "RETAILWH_DATA_DIR": str(data_dir)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]


@pytest.fixture(scope="module")
def late_chain(ci_chain, tmp_path_factory) -> LateChain:
    from ingest.config import load_sources_config
    from ingest.run import load_source_kind
    from simulator.changes import apply_later_changes

    work = tmp_path_factory.mktemp("late-corrections")
    incremental = work / "incremental"
    for part in ("sources", "landing", "warehouse"):
        shutil.copytree(ci_chain.data_dir / part, incremental / part)
    apply_later_changes(incremental / "sources", 42)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RETAILWH_DATA_DIR", str(incremental))
        env.delenv("RETAILWH_SOURCES_CONFIG", raising=False)
        # reconcile: land the keys the store systems deleted, as a scheduled load would
        results = load_source_kind("store", load_sources_config(), incremental / "landing",
                                   reconcile=True)  # fmt: skip
    assert [r.error for r in results if r.error] == []
    full_refresh = work / "full_refresh"
    shutil.copytree(incremental, full_refresh)
    _dbt(incremental, work)
    _dbt(full_refresh, work, "--full-refresh")
    return LateChain(incremental, full_refresh, ci_chain.warehouse)


def _connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True)


def test_incremental_run_equals_a_full_refresh(late_chain):
    con = duckdb.connect()
    con.execute(f"attach '{late_chain.incremental / 'warehouse' / 'warehouse.duckdb'}' as inc")
    con.execute(f"attach '{late_chain.full_refresh / 'warehouse' / 'warehouse.duckdb'}' as fr")
    tables = [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'inc' and table_schema = 'marts' order by 1"
        ).fetchall()
    ]
    assert {"fct_sales_lines", "fct_stock_movements", "fct_stock_on_hand_intervals"} <= set(tables)
    differences = {}
    for table in tables:
        # _loaded_at and the other watermark columns say when a row was (re)built, not what it is
        columns = ", ".join(
            f'"{c}"'
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = 'inc' "
                "and table_schema = 'marts' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if not c.startswith("_")
        )
        differing = con.execute(
            f"select count(*) from ("
            f"(select {columns} from inc.marts.{table} except all "
            f"select {columns} from fr.marts.{table}) union all "
            f"(select {columns} from fr.marts.{table} except all "
            f"select {columns} from inc.marts.{table}))"
        ).fetchall()[0][0]
        if differing:
            differences[table] = differing
    assert differences == {}


def test_late_voids_and_removed_lines_leave_the_sales_lines(late_chain):
    changes = late_chain.changes()
    voided = [c["key"] for c in changes if c["change"] == "receipt_voided_later"]
    removed = [
        tuple(c["key"].split("|"))
        for c in changes
        if c["change"] == "row_deleted" and c["table"] == "receipt_lines"
    ]
    assert voided and removed
    lines = "select count(*) from marts.fct_sales_lines where receipt_id = ?"
    line = lines + " and line_no = ?"
    with duckdb.connect(str(late_chain.before), read_only=True) as before:
        assert all(before.execute(lines, [r]).fetchall()[0][0] > 0 for r in voided)
        assert all(before.execute(line, [r, int(n)]).fetchall()[0][0] == 1 for r, n in removed)
    with _connect(late_chain.incremental) as after:
        assert [r for r in voided if after.execute(lines, [r]).fetchall()[0][0]] == []
        assert [k for k in removed if after.execute(line, [k[0], int(k[1])]).fetchall()[0][0]] == []
        # the rest of each receipt is still there, once
        for receipt, _ in removed:
            (count, keys) = after.execute(
                "select count(*), count(distinct sales_line_key) from marts.fct_sales_lines "
                "where receipt_id = ?",
                [receipt],
            ).fetchall()[0]
            assert count == keys > 0


def test_a_corrected_goods_receipt_lands_once_with_its_new_quantity(late_chain):
    corrected = [c for c in late_chain.changes() if c["change"] == "movement_qty_corrected"]
    assert corrected
    sql = "select qty from marts.fct_stock_movements where store_id = ? and movement_id = ?"
    with duckdb.connect(str(late_chain.before), read_only=True) as before:
        old = {
            c["key"]: before.execute(sql, [c["store_id"], c["key"]]).fetchall() for c in corrected
        }
    with _connect(late_chain.incremental) as after:
        for change in corrected:
            rows = after.execute(sql, [change["store_id"], change["key"]]).fetchall()
            assert len(rows) == 1
            assert rows[0][0] == old[change["key"]][0][0] + Decimal(str(change["qty"]))


def test_on_hand_follows_the_late_changes(ci_chain, late_chain):
    sources = late_chain.incremental / "sources" / "ground_truth"
    with (sources / "on_hand.csv").open(encoding="utf-8") as f:
        truth = {(r["store_id"], r["gtin"]): Decimal(r["on_hand_qty"]) for r in csv.DictReader(f)}
    faults = ci_chain.faults()
    touched = {(f["store_id"], f["gtin"]) for f in faults if f.get("gtin")}
    store_level = {f["store_id"] for f in faults if f.get("store_id") and not f.get("gtin")}
    changed = {(c["store_id"], c["gtin"]) for c in late_chain.changes() if c.get("gtin")}
    clean = {p for p in truth if p not in touched and p[0] not in store_level}
    assert changed and changed <= clean
    with _connect(late_chain.incremental) as con:
        built = {
            (s, g): Decimal(str(q))
            for s, g, q in con.execute(
                "select store_id, gtin, on_hand_qty from marts.rpt_current_stock"
            ).fetchall()
        }
    assert {p: (truth[p], built.get(p)) for p in clean if built.get(p) != truth[p]} == {}

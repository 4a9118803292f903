"""fct_purchase_order_lines is incremental: a later sync that corrects goods receipts lands each
correction exactly once, and the incremental table equals a full rebuild. Works on a copy of the
shared `ci` chain (sources, landing, warehouse), never on the chain itself."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.dbt_cli import dbt_environment, dbt_executable
from retailwh import settings

pytestmark = pytest.mark.e2e

COMPARED = "select * exclude (inputs_loaded_at) from marts.fct_purchase_order_lines"


def _dbt(args: list[str], target_path: Path) -> None:
    dbt_dir = str(settings.DBT_PROJECT_DIR)
    command = [str(dbt_executable()), *args, "--project-dir", dbt_dir, "--profiles-dir", dbt_dir]
    done = subprocess.run(
        [*command, "--target-path", str(target_path)],
        capture_output=True,
        text=True,
        env=dbt_environment(),
        cwd=dbt_dir,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:]


@pytest.fixture(scope="module")
def corrected_chain(ci_chain, tmp_path_factory):
    """A copy of the ci chain after a later sync with corrected goods receipts, built
    incrementally; yields (data dir, the corrections, the dbt target path)."""
    from ingest.config import load_sources_config
    from ingest.run import load_source_kind
    from simulator.changes import apply_later_changes

    data_dir = tmp_path_factory.mktemp("ci-corrected") / "data"
    shutil.copytree(ci_chain.data_dir, data_dir, ignore=shutil.ignore_patterns("serving"))
    target = data_dir.parent / "dbt-target"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RETAILWH_DATA_DIR", str(data_dir))
        env.delenv("RETAILWH_SOURCES_CONFIG", raising=False)
        apply_later_changes(data_dir / "sources", 42)
        for result in load_source_kind("store", load_sources_config(), data_dir / "landing"):
            assert result.error is None
        _dbt(
            [
                "run",
                "--select",
                "+fct_supplier_scorecard",
            ],
            target,
        )
        changes = (data_dir / "sources" / "ground_truth" / "changes.jsonl").read_text("utf-8")
        yield data_dir, changes, target


def test_a_corrected_goods_receipt_lands_once(corrected_chain):
    data_dir, changes, _ = corrected_chain
    corrections = re.findall(r"goods receipt (PO\d+) corrected from [\d.]+ to ([\d.]+)", changes)
    assert corrections, "the later sync must correct goods receipts"
    with duckdb.connect(str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True) as con:
        for po_id, qty in corrections:
            received = {
                Decimal(str(q))
                for (q,) in con.execute(
                    "select sum(qty_received) from marts.fct_purchase_order_lines "
                    "where po_id = ? group by gtin",
                    [po_id],
                ).fetchall()
            }
            assert Decimal(qty) in received, (po_id, qty, received)


def test_incremental_build_equals_a_full_rebuild(corrected_chain):
    data_dir, _, target = corrected_chain
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create table main.incremental_po_lines as {COMPARED}")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RETAILWH_DATA_DIR", str(data_dir))
        _dbt(["run", "--full-refresh", "--select", "fct_purchase_order_lines"], target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        only_incremental = con.execute(
            f"select count(*) from (from main.incremental_po_lines except {COMPARED})"
        ).fetchone()
        only_full = con.execute(
            f"select count(*) from ({COMPARED} except from main.incremental_po_lines)"
        ).fetchone()
        (rows,) = con.execute("select count(*) from main.incremental_po_lines").fetchone()
    assert rows > 500
    assert (only_incremental, only_full) == ((0,), (0,))

"""A backfill of days of the partitioned facts is one dbt run that restores them exactly.

On a copy of the ci chain's warehouse: delete a random range of business days from every
partitioned fact, backfill that range as one run, and compare a content checksum per day (every
column of every row) with the original, inside and outside the range.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.dbt.assets import dbt_daily_facts
from dagster_project.defs.resources import build_resources

# fact -> the day a row belongs to (intervals: the UTC day it starts; the model recomputes every
# series with movements within a day of the window, so these days are rebuilt too)
FACT_DAYS = {
    "fct_stock_movements": "business_date",
    "fct_sales_lines": "business_date",
    "fct_stock_on_hand_intervals": "cast(valid_from as date)",
    "fct_purchase_order_lines": "ordered_date",
}
SEED = 20261126


def _checksums(warehouse: Path) -> dict[str, dict[date, tuple[int, int]]]:
    """Per fact and day: (rows, sum of the rows' hashes over every column)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            fact: {
                day: (rows, int(checksum))
                for day, rows, checksum in con.execute(
                    f"select {day}, count(*), sum(hash(t)::hugeint) from marts.{fact} as t "
                    "group by 1"
                ).fetchall()
            }
            for fact, day in FACT_DAYS.items()
        }


def _delete_days(warehouse: Path, first: date, last: date) -> dict[str, int]:
    deleted = {}
    with duckdb.connect(str(warehouse)) as con:
        for fact, day in FACT_DAYS.items():
            (deleted[fact],) = con.execute(
                f"delete from marts.{fact} where {day} between ? and ?", [first, last]
            ).fetchone()
    return deleted


def _backfill(first: date, last: date) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [dbt_daily_facts],
        resources=build_resources(),
        instance=dg.DagsterInstance.ephemeral(),
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
    )


@pytest.fixture
def warehouse_copy(ci_chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The ci warehouse copied into a data dir of its own; landing and forecast are read only."""
    data = tmp_path / "data"
    (data / "warehouse").mkdir(parents=True)
    shutil.copyfile(ci_chain.warehouse, data / "warehouse" / "warehouse.duckdb")
    for name in ("landing", "forecast", "sources"):
        (data / name).symlink_to(ci_chain.data_dir / name)
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data))
    return data / "warehouse" / "warehouse.duckdb"


@pytest.mark.e2e
def test_a_backfill_of_deleted_days_restores_them_exactly(warehouse_copy: Path) -> None:
    original = _checksums(warehouse_copy)
    days = sorted(original["fct_sales_lines"])
    rng = random.Random(SEED)
    # one single day and one range of 2-4 days, somewhere in the chain's history
    for length in (1, rng.randint(2, 4)):
        start = rng.randrange(0, len(days) - length)
        first, last = days[start], days[start] + timedelta(days=length - 1)
        print(f"seed {SEED}: backfilling {first}..{last}")
        deleted = _delete_days(warehouse_copy, first, last)
        assert deleted["fct_sales_lines"] > 0 and deleted["fct_stock_movements"] > 0, deleted

        result = _backfill(first, last)

        assert result.success
        # one run, one step, one dbt invocation for the whole range
        steps = {e.step_key for e in result.all_events if e.is_step_start}
        assert steps == {"dbt_daily_facts"}
        partitions = {
            e.partition
            for e in result.get_asset_materialization_events()
            if e.asset_key.path[-1] == "fct_sales_lines"
        }
        expected = {(first + timedelta(days=i)).isoformat() for i in range(length)}
        assert partitions == expected
        restored = _checksums(warehouse_copy)
        for fact in FACT_DAYS:
            assert restored[fact] == original[fact], fact

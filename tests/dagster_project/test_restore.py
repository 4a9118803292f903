"""`retailwh restore <version>` serves an earlier snapshot's numbers again."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from retailwh.cli import main
from retailwh.publish import publish
from retailwh.serving import current_snapshot

NET_SALES = "select count(*), sum(amount_net) from fct_sales_lines"


def _figures(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(NET_SALES).fetchone()


@pytest.mark.e2e
def test_restore_brings_back_the_earlier_numbers(
    ci_chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    (data / "warehouse").mkdir(parents=True)
    warehouse = data / "warehouse" / "warehouse.duckdb"
    shutil.copyfile(ci_chain.warehouse, warehouse)
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data))

    first = publish()
    before = _figures(first.path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.fct_sales_lines where store_id = 'S001'")
    second = publish()
    after = _figures(second.path)
    assert after[0] < before[0] and after[1] < before[1]
    assert _figures(current_snapshot().path) == after

    assert main(["restore", first.version]) == 0

    assert current_snapshot().version == first.version
    assert _figures(current_snapshot().path) == before

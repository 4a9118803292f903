"""The publish asset makes a snapshot current, or fails and leaves the last good one."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.publish.assets import serving_snapshot
from retailwh.publish import INTEGRITY_AUDIT_TABLE, REQUIRED_TABLES, blocked_status
from retailwh.serving import current_snapshot


def make_warehouse(path, empty: tuple[str, ...] = ()):
    """Every table publish requires, one row each (none for ``empty``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema audits")
        for name in REQUIRED_TABLES:
            schema = "audits" if name.startswith(("fct_audit", "audit_")) else "marts"
            rows = 0 if name in empty else 1
            if name == INTEGRITY_AUDIT_TABLE:
                # the columns publish reads; no finding, so nothing blocks
                con.execute(
                    f"create table audits.{name} as select 'duplicate_key' as rule,"
                    " 'error' as severity, 'S001' as store_id, '1' as gtin,"
                    " 'fct_sales_lines' as document_id, 'msg' as message limit 0"
                )
                continue
            con.execute(f"create table {schema}.{name} as select range as id from range({rows})")
    return path


@pytest.fixture
def data_dir(tmp_path, monkeypatch: pytest.MonkeyPatch):
    data = tmp_path / "data"
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data))
    return data


def test_publish_asset_switches_the_snapshot(data_dir) -> None:
    make_warehouse(data_dir / "warehouse" / "warehouse.duckdb")
    result = dg.materialize([serving_snapshot])

    assert result.success
    snapshot = current_snapshot()
    assert snapshot is not None
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["version"].value == snapshot.version


def test_a_blocked_publish_fails_the_asset(data_dir) -> None:
    make_warehouse(data_dir / "warehouse" / "warehouse.duckdb", empty=("rpt_current_stock",))
    result = dg.materialize([serving_snapshot], raise_on_error=False)

    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "rpt_current_stock is empty" in failure.description
    assert current_snapshot() is None
    status = blocked_status()
    assert status is not None and status.problems == ["table rpt_current_stock is empty"]
    assert failure.metadata["blocked_since"].value == status.blocked_since.isoformat()
    assert failure.metadata["attempts"].value == 1

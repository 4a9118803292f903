"""The pages say when publishing is blocked (and since when), and the Audits page starts the
business audits in Dagster or says why it could not."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from fake_dagster import LOCATION, fake_dagster
from serving_fixtures import expected_latest_findings_count, write_tiny_warehouse
from streamlit.testing.v1 import AppTest

from dashboards.data.status import blocked_message
from retailwh.publish import BlockedStatus, PublishBlocked, blocked_status, publish
from retailwh.serving import Snapshot, current_snapshot
from retailwh.settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboards" / "streamlit_app.py")


def _page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_message_names_the_time_the_snapshot_and_every_reason() -> None:
    status = BlockedStatus(
        blocked_since=datetime(2026, 11, 24, 5, 2, tzinfo=UTC),
        last_blocked_at=datetime(2026, 11, 25, 5, 3, tzinfo=UTC),
        attempts=3,
        problems=["table rpt_current_stock is empty", "warehouse integrity audit, 1 blocking x"],
        serving_version="v1",
    )
    snap = Snapshot("v1", datetime(2026, 11, 23, 5, 1, tzinfo=UTC), Path("w.duckdb"), None)
    assert blocked_message(status, snap) == (
        "**Publishing is blocked since 2026-11-24 05:02 UTC** (3 attempts, the latest "
        "2026-11-25 05:03 UTC). These pages show the last good snapshot `v1`, published "
        "2026-11-23 05:01 UTC. Blocking checks failed:\n"
        "- table rpt_current_stock is empty\n- warehouse integrity audit, 1 blocking x"
    )


def test_integrity_findings_block_the_tiny_warehouse_until_they_are_gone(
    tiny_serving: Path, data_dir: Path
) -> None:
    good = current_snapshot()
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into audits.audit_warehouse_integrity values"
            " ('warehouse_integrity', 'unknown_store', 'error', null, null, 'store', 'S9',"
            "  'Warehouse: fct_sales_lines names store S9, which head office does not have.'),"
            " ('warehouse_integrity', 'unknown_store', 'error', null, null, 'store', 'S8',"
            "  'Warehouse: purchase_orders names store S8, which head office does not have.')"
        )
    with pytest.raises(PublishBlocked) as blocked:
        publish(warehouse=warehouse, keep=3)
    assert blocked.value.problems == [
        "warehouse integrity audit, 2 blocking unknown_store: Warehouse: purchase_orders names "
        "store S8, which head office does not have. | Warehouse: fct_sales_lines names store "
        "S9, which head office does not have."
    ]
    assert current_snapshot() == good
    status = blocked_status()
    assert status is not None and status.serving_version == good.version

    at = _page("app_pages/audits.py")
    assert len(at.error) == 1
    assert "names store S9" in at.error[0].value
    assert f"since {status.blocked_since:%Y-%m-%d %H:%M} UTC" in at.error[0].value
    # the page still serves the last good snapshot's findings
    findings = [m.value for m in at.metric if m.label == "Findings in latest runs"]
    assert findings == [str(expected_latest_findings_count(tiny_serving))] == ["4"]

    write_tiny_warehouse(warehouse)
    publish(warehouse=warehouse, keep=3)
    assert blocked_status() is None
    assert not _page("app_pages/audits.py").error


def test_a_refused_first_publish_says_why_on_every_page(data_dir: Path) -> None:
    warehouse = write_tiny_warehouse(data_dir / "warehouse" / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.fct_sales_lines")
    with pytest.raises(PublishBlocked):
        publish(warehouse=warehouse)
    status = blocked_status()
    assert status is not None and status.serving_version is None

    at = AppTest.from_file(APP, default_timeout=30)
    at.run()

    assert [e.value for e in at.error] == [blocked_message(status, None)]
    assert "Nothing has been published yet." in at.error[0].value
    assert "- table fct_sales_lines is empty" in at.error[0].value


def test_run_now_shows_the_run_id_from_dagster(
    tiny_serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_dagster(("full_build", "business_audits"), run_id="4b1d-run") as (port, received):
        monkeypatch.setenv("RETAILWH_DAGSTER_PORT", str(port))
        at = _page("app_pages/audits.py")
        at.button(key="run_audits").click().run()
        # a filter changed afterwards: the answer stays, and nothing is launched again
        at.multiselect(key="audit_severities").set_value(["error"]).run()

    assert not at.exception
    assert len([r for r in received if "launchPipelineExecution" in r["query"]]) == 1
    assert [s.value for s in at.success] == [
        f"Started run `4b1d-run` of business_audits: [follow it in Dagster]"
        f"(http://127.0.0.1:{port}/runs/4b1d-run). The results show here once the run has "
        "published."
    ]
    launch = received[-1]["variables"]["executionParams"]
    assert launch["selector"]["pipelineName"] == "business_audits"
    assert launch["selector"]["repositoryLocationName"] == LOCATION
    assert launch["executionMetadata"]["tags"] == [
        {"key": "retailwh/launched_by", "value": "dashboards"}
    ]


def test_run_now_without_dagster_says_it_is_not_reachable(
    tiny_serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("RETAILWH_DAGSTER_PORT", str(port))
    at = _page("app_pages/audits.py")
    assert not at.error

    at.button(key="run_audits").click().run()

    assert not at.success
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"Dagster is not reachable at http://127.0.0.1:{port} ")

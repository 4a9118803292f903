"""The dashboard pages render against a published snapshot and show the numbers it holds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from serving_fixtures import (
    expected_latest_findings_count,
    expected_low_stock_lines,
    expected_products_by_stock,
    expected_total_stock_value,
    write_tiny_warehouse,
)
from streamlit.testing.v1 import AppTest

from retailwh.publish import publish
from retailwh.serving import current_snapshot
from retailwh.settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboards" / "streamlit_app.py")
TIMEOUT = 30


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _metric(at: AppTest, label: str) -> str:
    for metric in at.metric:
        if metric.label == label:
            return metric.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def _run(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_no_snapshot_shows_a_message_not_a_traceback(data_dir: Path) -> None:
    at = _run()
    assert any("No warehouse snapshot has been published yet" in i.value for i in at.info)
    assert not at.metric


def test_sidebar_names_the_current_snapshot(tiny_serving: Path) -> None:
    at = _run()
    version = current_snapshot(tiny_serving).version
    assert any(version in caption.value for caption in at.sidebar.caption)


def test_stock_page_shows_the_snapshot_totals(tiny_serving: Path) -> None:
    at = _run("app_pages/stock.py")
    assert at.title[0].value == "Stock across stores"
    assert _number(_metric(at, "Stock value at cost")) == pytest.approx(
        expected_total_stock_value(tiny_serving), abs=0.005
    )
    assert int(_metric(at, "Low-stock lines")) == expected_low_stock_lines(tiny_serving)
    low_stock_table = at.dataframe[-1].value
    assert len(low_stock_table) == expected_low_stock_lines(tiny_serving)


def test_stock_page_drills_to_a_store(tiny_serving: Path) -> None:
    at = _run("app_pages/stock.py")
    at.selectbox(key="drill_store").set_value("S003").run()
    assert not at.exception
    products = at.dataframe[0].value["product_name"].tolist()
    assert products == expected_products_by_stock(tiny_serving, "S003", "stock_value_cost")


def test_stock_page_switches_to_units(tiny_serving: Path) -> None:
    at = _run("app_pages/stock.py")
    at.selectbox(key="drill_store").set_value("S001").run()
    by_value = at.dataframe[0].value["product_name"].tolist()
    at.button_group(key="stock_measure").set_value("units").run()
    assert not at.exception
    by_units = at.dataframe[0].value["product_name"].tolist()
    assert by_value == expected_products_by_stock(tiny_serving, "S001", "stock_value_cost")
    assert by_units == expected_products_by_stock(tiny_serving, "S001", "on_hand_qty")
    assert by_value != by_units


def test_audits_page_shows_the_latest_findings(tiny_serving: Path) -> None:
    at = _run("app_pages/audits.py")
    assert at.title[0].value == "Audits"
    expected = expected_latest_findings_count(tiny_serving)
    assert int(_metric(at, "Findings in latest runs")) == expected
    assert len(at.dataframe[0].value) == expected


def test_audits_page_filters_by_store_and_severity(tiny_serving: Path) -> None:
    at = _run("app_pages/audits.py")
    at.multiselect(key="audit_stores").set_value(["S003"]).run()
    at.multiselect(key="audit_severities").set_value(["error"]).run()
    assert not at.exception
    findings = at.dataframe[0].value
    assert findings["store_id"].unique().tolist() == ["S003"]
    assert findings["severity"].unique().tolist() == ["error"]
    assert len(findings) == 1


def test_a_new_publish_shows_without_restart(tiny_serving: Path) -> None:
    at = _run("app_pages/stock.py")
    before = _number(_metric(at, "Stock value at cost"))
    warehouse = write_tiny_warehouse(tiny_serving.parent / "warehouse" / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.rpt_current_stock set stock_value_cost = stock_value_cost * 2")
    snapshot = publish(warehouse=warehouse, serving=tiny_serving)
    at.run()
    assert not at.exception
    assert any(snapshot.version in caption.value for caption in at.sidebar.caption)
    after = _number(_metric(at, "Stock value at cost"))
    assert after == pytest.approx(expected_total_stock_value(tiny_serving), abs=0.005)
    assert after == pytest.approx(2 * before, abs=0.01)


@pytest.mark.e2e
def test_stock_page_on_the_ci_chain_matches_its_own_sql(ci_chain) -> None:
    serving = ci_chain.data_dir / "serving"
    at = _run("app_pages/stock.py")
    expected = expected_total_stock_value(serving)
    assert expected > 0
    assert _number(_metric(at, "Stock value at cost")) == pytest.approx(expected, abs=0.5)
    assert int(_metric(at, "Low-stock lines")) == expected_low_stock_lines(serving)


@pytest.mark.e2e
def test_audits_page_on_the_ci_chain_lists_the_latest_findings(ci_chain) -> None:
    serving = ci_chain.data_dir / "serving"
    at = _run("app_pages/audits.py")
    expected = expected_latest_findings_count(serving)
    # every audit's findings; the stock ledger's alone are one per injected on-hand fault
    assert expected > len([f for f in ci_chain.faults() if f["kind"] == "onhand_mismatch"]) > 0
    assert int(_metric(at, "Findings in latest runs")) == expected
    assert len(at.dataframe[0].value) == expected


@pytest.mark.e2e
def test_data_health_page_on_the_ci_chain_counts_the_quarantine(ci_chain) -> None:
    with duckdb.connect(str(ci_chain.serving_file), read_only=True) as con:
        rows, whole = con.execute(
            "select count(*), count(*) filter (where line_no is null) from fct_quarantined_rows"
        ).fetchone()
    quarantine_faults = {
        "file_truncated",
        "row_bad_encoding",
        "row_bad_date",
        "row_non_numeric_qty",
        "column_missing",
        "excel_two_header_rows",
    }
    assert rows >= len([f for f in ci_chain.faults() if f["kind"] in quarantine_faults]) > 0
    at = _run("app_pages/data_health.py")
    assert int(_number(_metric(at, "Rows quarantined"))) == rows
    assert int(_number(_metric(at, "Files refused whole"))) == whole
    at.multiselect(key="quarantine_sources").set_value(["legacy_store"]).run()
    assert not at.exception
    assert set(at.dataframe[-1].value["source_kind"]) == {"legacy_store"}


def test_data_health_page_shows_recorded_runs_and_alerts(tiny_serving: Path) -> None:
    from datetime import UTC, datetime

    from retailwh.pipeline_log import RunRecord, record_run

    record_run(RunRecord("r1", "full_build", "success", datetime(2026, 11, 24, 5, tzinfo=UTC)))
    record_run(
        RunRecord(
            "r2",
            "store_sync",
            "failure",
            datetime(2026, 11, 24, 6, tzinfo=UTC),
            "landing_store: S003 unreachable",
        )
    )
    at = _run("app_pages/data_health.py")
    assert _metric(at, "Last run") == "store_sync: failure"
    assert _metric(at, "Failed runs (last 20)") == "1"
    alerts = at.dataframe[1].value
    assert list(alerts["message"]) == ["landing_store: S003 unreachable"]

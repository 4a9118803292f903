"""The overview, sales, customers, suppliers and replenishment pages on the shared ci chain: each
shows, for a known filter, the number the test computes with its own SQL on the serving file;
hostile or unknown filter values give an empty state; the segment export honours consent."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.data import customers, exports, sales
from dashboards.data.filters import Filters
from retailwh.serving import current_snapshot
from retailwh.settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboards" / "streamlit_app.py")
TIMEOUT = 60
NEW_PAGES = [
    "app_pages/overview.py",
    "app_pages/sales.py",
    "app_pages/customers.py",
    "app_pages/suppliers.py",
    "app_pages/replenishment.py",
]
HOSTILE = {
    "store": "'; drop table dim_stores; --",
    "region": "x' or '1'='1",
    "category": "' union select * from dim_customers --",
    "from": "2026-01-01'; --",
}


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").strip())


def _metric(at: AppTest, label: str) -> str:
    for metric in at.metric:
        if metric.label == label:
            return metric.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def _run(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    if page != "app_pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sql(serving_file: Path, sql: str, params: dict[str, Any] | None = None) -> Any:
    with duckdb.connect(str(serving_file), read_only=True) as con:
        return con.execute(sql, params or {}).fetchone()[0]


@pytest.fixture(scope="module")
def period(ci_chain) -> tuple[date, date]:
    """The last two weeks with sales in the ci chain."""
    last = _sql(ci_chain.serving_file, "select max(business_date) from fct_sales_lines")
    return last - timedelta(days=13), last


def _link(period: tuple[date, date], **params: str) -> dict[str, str]:
    return {"from": period[0].isoformat(), "to": period[1].isoformat(), **params}


@pytest.mark.e2e
def test_overview_is_the_default_page_and_matches_its_own_sql(ci_chain, period) -> None:
    serving = ci_chain.serving_file
    at = _run("app_pages/overview.py", **_link(period, store="S001"))
    assert at.title[0].value == "Executive overview"
    net_sales = _sql(
        serving,
        "select sum(amount_net) from rpt_daily_store_sales"
        " where store_id = 'S001' and business_date between $start and $end",
        {"start": period[0], "end": period[1]},
    )
    assert net_sales > 0
    assert _number(_metric(at, "Net sales")) == pytest.approx(float(net_sales), abs=0.01)
    stock_value = _sql(
        serving, "select sum(stock_value_cost) from rpt_current_stock where store_id = 'S001'"
    )
    shown = _number(_metric(at, "Stock value at cost"))
    assert shown == pytest.approx(float(stock_value), abs=0.01)
    warnings = _sql(
        serving,
        "select count(*) from fct_audit_findings"
        " where status = 'open' and severity = 'warning' and store_id = 'S001'",
    )
    assert int(_number(_metric(at, "Open warnings"))) == warnings
    otif = _sql(
        serving,
        "select sum(otif_lines) / sum(evaluated_lines) from fct_supplier_scorecard"
        " where month_start_date between date_trunc('month', $start::date) and $end",
        {"start": period[0], "end": period[1]},
    )
    assert _number(_metric(at, "OTIF, all suppliers")) == pytest.approx(100 * otif, abs=0.05)


@pytest.mark.e2e
def test_sales_page_matches_the_sales_lines_for_a_store_and_category(ci_chain, period) -> None:
    serving = ci_chain.serving_file
    at = _run("app_pages/sales.py", **_link(period, store="S002", category="dairy"))
    assert at.title[0].value == "Sales"
    # straight from the sales lines, not the daily mart the page reads
    net_sales = _sql(
        serving,
        """
        select sum(l.amount_net) from fct_sales_lines as l
        join dim_products as p on l.product_id = p.product_id
        where l.store_id = 'S002' and p.category = 'dairy'
          and l.business_date between $start and $end
        """,
        {"start": period[0], "end": period[1]},
    )
    assert net_sales > 0
    assert _number(_metric(at, "Net sales")) == pytest.approx(float(net_sales), abs=0.01)
    best = _sql(
        serving,
        "select count(*) from rpt_best_slow_sellers"
        " where is_best_seller and store_id = 'S002' and category = 'dairy'",
    )
    assert best > 0
    assert len(at.dataframe[1].value) == best


@pytest.mark.e2e
def test_customers_page_counts_the_home_store_customers(ci_chain, period) -> None:
    serving = ci_chain.serving_file
    at = _run("app_pages/customers.py", **_link(period, store="S001"))
    assert at.title[0].value == "Customers and segments"
    buyers, consenting = (
        _sql(
            serving,
            f"select count(*) filter (where {condition}) from dim_customers"
            " where home_store_id = 'S001' and rfm_segment is not null"
            " and merged_into_customer_id is null",
        )
        for condition in ("true", "has_marketing_consent")
    )
    assert buyers > consenting > 0
    assert int(_number(_metric(at, "Customers with purchases"))) == buyers
    assert int(_number(_metric(at, "Agreed to marketing"))) == consenting


@pytest.mark.e2e
def test_suppliers_page_counts_late_lines_of_a_store(ci_chain, period) -> None:
    serving = ci_chain.serving_file
    at = _run("app_pages/suppliers.py", **_link(period, store="S001"))
    assert at.title[0].value == "Suppliers"
    late, received = (
        _sql(
            serving,
            f"""
            select count(*) filter (where {condition}) from fct_purchase_order_lines
            where is_received and store_id = 'S001' and requested_date between $start and $end
            """,
            {"start": period[0], "end": period[1]},
        )
        for condition in ("lead_time_variance_days > 0", "true")
    )
    assert received > 0
    assert _metric(at, "Received lines slower than promised") == f"{late:,} of {received:,}"
    latest_month_suppliers = _sql(
        serving,
        """
        select count(*) from fct_supplier_scorecard
        where month_start_date = (
            select max(month_start_date) from fct_supplier_scorecard
            where evaluated_lines > 0 and month_start_date <= $end
        )
        """,
        {"end": period[1]},
    )
    assert len(at.dataframe[0].value) == latest_month_suppliers > 0


@pytest.mark.e2e
def test_replenishment_page_lists_a_stores_reorders(ci_chain) -> None:
    serving = ci_chain.serving_file
    at = _run("app_pages/replenishment.py", store="S001")
    assert at.title[0].value == "Replenishment"
    lines = _sql(serving, "select count(*) from rpt_reorder_suggestions where store_id = 'S001'")
    units = _sql(
        serving, "select sum(order_qty) from rpt_reorder_suggestions where store_id = 'S001'"
    )
    assert lines > 0
    assert int(_number(_metric(at, "Reorder lines"))) == lines
    assert _number(_metric(at, "Units to order")) == pytest.approx(float(units), abs=0.5)
    assert len(at.dataframe[0].value) == lines
    assert set(at.dataframe[0].value["store_id"]) == {"S001"}


@pytest.mark.e2e
def test_a_filter_set_on_one_page_is_in_the_url_and_carries_to_the_next(ci_chain) -> None:
    at = _run("app_pages/overview.py")
    at.sidebar.selectbox(key="filter_store").set_value("S003").run()
    assert at.query_params["store"] == "S003"
    overview_sales = _number(_metric(at, "Net sales"))
    at.switch_page("app_pages/sales.py").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="filter_store").value == "S003"
    assert _number(_metric(at, "Net sales")) == pytest.approx(overview_sales, abs=0.01)


@pytest.mark.e2e
@pytest.mark.parametrize("page", NEW_PAGES)
def test_hostile_link_values_give_an_empty_state_not_a_traceback(ci_chain, page) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in HOSTILE.items():
        at.query_params[name] = value
    at.run()
    # the link's bad date is reported where the link opens, then dropped from the URL
    assert any("not a date" in w.value for w in at.sidebar.warning)
    assert "from" not in at.query_params
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    # the hostile store is selected as given (and labelled unknown), so nothing matches it
    assert at.sidebar.selectbox(key="filter_store").value == HOSTILE["store"]
    assert any(i.value.startswith(("No ", "Nothing ", "The forecast")) for i in at.info)
    # the snapshot is untouched: read-only, and the values were bound, never spliced into SQL
    assert _sql(ci_chain.serving_file, "select count(*) from dim_stores") == 3


@pytest.mark.e2e
def test_an_unknown_store_shows_no_data_instead_of_all_stores(ci_chain) -> None:
    at = _run("app_pages/sales.py", store="S999")
    assert _number(_metric(at, "Net sales")) == 0
    assert "No data for this filter." in [i.value for i in at.info]


@pytest.mark.e2e
def test_hostile_values_reach_the_data_layer_as_parameters(ci_chain) -> None:
    snap = current_snapshot(ci_chain.data_dir / "serving")
    flt = Filters(date(2026, 1, 1), date(2030, 1, 1), HOSTILE["region"], None, None)
    assert sales.daily_trend(snap, flt).empty
    assert customers.segment_summary(snap, flt).empty
    # sort columns come from an allow-list; anything else is refused before any SQL runs
    with pytest.raises(ValueError):
        sales.sellers(snap, flt, "best", "amount_net; drop table dim_stores")


@pytest.mark.e2e
def test_segment_export_holds_exactly_the_customers_who_consent_now(ci_chain) -> None:
    snap = current_snapshot(ci_chain.data_dir / "serving")
    everyone = Filters(date(2000, 1, 1), date(2100, 1, 1))
    checked_a_non_consenting_customer = False
    for segment in customers.segments(snap):
        contacts = exports.marketing_contacts(snap, segment, everyone)
        with duckdb.connect(str(snap.path), read_only=True) as con:
            expected = {
                cid
                for (cid,) in con.execute(
                    """
                    select customer_id from dim_customers
                    where rfm_segment = $segment and has_marketing_consent
                      and not has_unsubscribed and not is_archived
                      and merged_into_customer_id is null
                    """,
                    {"segment": segment},
                ).fetchall()
            }
            without_consent = {
                cid
                for (cid,) in con.execute(
                    "select customer_id from dim_customers"
                    " where rfm_segment = $segment and not has_marketing_consent",
                    {"segment": segment},
                ).fetchall()
            }
        exported = set(contacts["customer_id"])
        assert exported == expected, segment
        assert not exported & without_consent, segment
        checked_a_non_consenting_customer |= bool(without_consent)
        # the contact data is there, from the separate personal-data file
        assert contacts["email"].notna().all(), segment
        # and the CSV carries the same customers
        text = exports.to_csv(contacts).decode("utf-8-sig")
        assert len(text.strip().splitlines()) == len(contacts) + 1
    assert checked_a_non_consenting_customer


def test_new_pages_explain_a_snapshot_without_their_marts(tiny_serving: Path) -> None:
    # the tiny snapshot predates most marts, as a restored old snapshot could
    for page in NEW_PAGES:
        at = _run(page)
        assert any(
            "This snapshot has no" in i.value or "holds no sales" in i.value for i in at.info
        ), page

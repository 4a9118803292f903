"""The weekly management report on the `ci` chain: every figure equals SQL written here against the
base facts (sales lines, the stock ledger on a dense day grid, purchase order lines, findings), not
against the mart it renders; and the files the Dagster asset wrote hold the same numbers."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from retailwh.management_report import load_management_report, write_management_report

pytestmark = pytest.mark.e2e

# Per store, for the week [$start, $start + 7): all from the facts, independently of the mart.
EXPECTED_SQL = """
with
days as (
    select cast(range as date) as day
    from range(
        cast($start as timestamp), cast($start as timestamp) + interval 7 day, interval 1 day
    )
),
sales as (
    select store_id, sum(amount_net) as amount_net, sum(margin_net) as margin_net,
           sum(cost_amount) as cost_amount
    from marts.fct_sales_lines
    where business_date >= $start and business_date < $start + 7
    group by store_id
),
pairs as (
    select store_id, gtin, any_value(product_id) as product_id, min(business_date) as first_date
    from marts.fct_stock_ledger_daily group by store_id, gtin
),
on_hand as (
    -- the closing of the latest ledger day on or before each day: a dense grid, unlike the mart
    select pairs.store_id, pairs.gtin, pairs.product_id, days.day,
           (select l.closing_qty from marts.fct_stock_ledger_daily as l
            where l.store_id = pairs.store_id and l.gtin = pairs.gtin
              and l.business_date <= days.day
            order by l.business_date desc limit 1) as closing_qty
    from pairs cross join days
    where days.day >= pairs.first_date
),
stock as (
    select on_hand.store_id,
           count(*) filter (where closing_qty <= 0) as stockout_days,
           count(*) filter (where closing_qty > 0) as in_stock_days,
           sum(case when closing_qty > 0 then closing_qty * p.cost_price else 0 end) / 7
               as avg_stock_value_cost
    from on_hand left join marts.dim_products as p on on_hand.product_id = p.product_id
    group by on_hand.store_id
),
purchasing as (
    select store_id, count(*) filter (where is_evaluated) as judged,
           count(*) filter (where is_otif) as otif
    from marts.fct_purchase_order_lines
    where requested_date >= $start and requested_date < $start + 7
    group by store_id
),
findings as (
    select store_id, count(*) as findings, count(*) filter (where status = 'open') as still_open
    from audits.fct_audit_findings
    where business_date >= $start and business_date < $start + 7 and store_id is not null
    group by store_id
)
select sales.store_id, sales.amount_net, sales.margin_net, sales.margin_net / sales.amount_net,
       sales.cost_amount / stock.avg_stock_value_cost, stock.avg_stock_value_cost,
       stock.stockout_days, stock.in_stock_days, purchasing.judged, purchasing.otif,
       coalesce(findings.findings, 0), coalesce(findings.still_open, 0)
from sales
join stock using (store_id)
left join purchasing using (store_id)
left join findings using (store_id)
order by sales.store_id
"""


def _latest_complete_week_start(con: duckdb.DuckDBPyConnection) -> date:
    (as_of,) = con.execute("select max(business_date) from marts.fct_sales_lines").fetchone()
    monday = as_of - timedelta(days=as_of.weekday())
    return monday if monday + timedelta(days=6) <= as_of else monday - timedelta(days=7)


@pytest.fixture(scope="module")
def expected(ci_chain) -> tuple[date, pd.DataFrame]:
    with duckdb.connect(str(ci_chain.warehouse), read_only=True) as con:
        start = _latest_complete_week_start(con)
        rows = con.execute(EXPECTED_SQL, {"start": start}).fetchall()
    frame = pd.DataFrame(
        rows,
        columns=[
            "store_id", "amount_net", "margin_net", "margin_rate", "stock_turnover",
            "avg_stock_value_cost", "stockout_days", "in_stock_days", "po_lines_evaluated",
            "po_lines_otif", "findings_count", "open_findings_count",
        ],
    )  # fmt: skip
    return start, frame


def test_the_report_of_the_latest_complete_week_equals_the_facts(ci_chain, expected) -> None:
    start, want = expected
    report = load_management_report(source="serving")
    iso = start.isocalendar()
    assert report.iso_week == f"{iso.year}-W{iso.week:02d}"
    assert report.is_complete_week
    got = report.week.set_index("store_id")
    assert list(got.index) == list(want["store_id"])
    assert len(want) >= 3 and want["amount_net"].gt(0).all()
    for row in want.itertuples(index=False):
        store = got.loc[row.store_id]
        assert float(store["amount_net"]) == pytest.approx(float(row.amount_net), abs=0.01)
        assert float(store["margin_net"]) == pytest.approx(float(row.margin_net), abs=0.01)
        assert store["margin_rate"] == pytest.approx(float(row.margin_rate), rel=1e-9)
        assert store["avg_stock_value_cost"] == pytest.approx(float(row.avg_stock_value_cost))
        assert store["stock_turnover"] == pytest.approx(float(row.stock_turnover))
        assert (store["stockout_days"], store["in_stock_days"]) == (
            row.stockout_days,
            row.in_stock_days,
        )
        assert (store["po_lines_evaluated"], store["po_lines_otif"]) == (
            row.po_lines_evaluated,
            row.po_lines_otif,
        )
        assert store["otif_rate"] == pytest.approx(row.po_lines_otif / row.po_lines_evaluated)
        assert (store["findings_count"], store["open_findings_count"]) == (
            row.findings_count,
            row.open_findings_count,
        )
    # the trend: each store's previous week in the report is that week's own row
    previous = load_management_report(
        f"{(start - timedelta(days=7)).isocalendar().year}"
        f"-W{(start - timedelta(days=7)).isocalendar().week:02d}",
        source="serving",
    ).week.set_index("store_id")
    for store_id in previous.index:
        assert float(got.loc[store_id, "amount_net_prev_week"]) == pytest.approx(
            float(previous.loc[store_id, "amount_net"])
        )
        assert (
            got.loc[store_id, "findings_count_prev_week"]
            == previous.loc[store_id, "findings_count"]
        )
    assert set(report.trend["week_start_date"].dt.date) >= {start, start - timedelta(days=7)}


def test_the_scheduled_asset_wrote_the_same_numbers(ci_chain, expected) -> None:
    start, want = expected
    iso = start.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    folder = ci_chain.data_dir / "reports" / "weekly" / week
    csv = pd.read_csv(folder / f"management_report_{week}.csv", encoding="utf-8-sig")
    assert list(csv["store_id"]) == list(want["store_id"])
    assert csv["amount_net"].tolist() == pytest.approx(want["amount_net"].astype(float).tolist())
    assert csv["stockout_days"].tolist() == want["stockout_days"].tolist()
    excel = pd.read_excel(
        folder / f"management_report_{week}.xlsx", sheet_name=week, skiprows=2, engine="calamine"
    )
    assert excel["Net sales"].tolist() == pytest.approx(want["amount_net"].astype(float).tolist())
    assert excel["Audit findings"].tolist() == want["findings_count"].tolist()
    page = (folder / f"management_report_{week}.html").read_text(encoding="utf-8")
    for row in want.itertuples(index=False):
        assert f"<td>{float(row.amount_net):,.2f}</td>" in page
    # the store reports of the same build, one set of files per store
    stores = sorted((ci_chain.data_dir / "reports" / "stores").glob("*/*_open_findings_*.csv"))
    assert {p.name.split("_")[0] for p in stores} == set(want["store_id"])


def test_the_command_writes_a_chosen_week(ci_chain, expected, tmp_path, capsys) -> None:
    from retailwh.cli import main

    start, want = expected
    iso = start.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    assert main(["management-report", "--week", week, "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(
        str(tmp_path / f"management_report_{week}.{ext}") for ext in ("html", "csv", "xlsx")
    )
    csv = pd.read_csv(tmp_path / f"management_report_{week}.csv", encoding="utf-8-sig")
    assert csv["margin_net"].tolist() == pytest.approx(want["margin_net"].astype(float).tolist())
    with pytest.raises(ValueError, match="2026-W44"):
        write_management_report("44", out_dir=tmp_path)

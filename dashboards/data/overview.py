"""Executive overview: the period's sales and margin, stock, year on year, best and worst,
suppliers, and whether the audits say today's numbers can be trusted."""

from __future__ import annotations

import pandas as pd

from dashboards.data.filters import CATEGORY_SCOPE, DATE_SCOPE, STORE_PARAMS, STORE_SCOPE, Filters
from dashboards.data.sales import PRODUCT_SALES_CTE
from dashboards.data.serving import run_query
from retailwh.serving import Snapshot

TABLES = (
    "rpt_daily_store_product_sales",
    "rpt_store_sales_yoy",
    "rpt_current_stock",
    "fct_supplier_scorecard",
    "fct_audit_findings",
    "fct_audit_runs",
)


def sales_totals(snap: Snapshot, flt: Filters) -> pd.Series:
    """Net sales, net margin and margin rate of the period."""
    return run_query(
        snap,
        f"""
        with {PRODUCT_SALES_CTE}
        select
            coalesce(sum(amount_net), 0) as amount_net,
            coalesce(sum(margin_net), 0) as margin_net,
            sum(margin_net) / nullif(sum(amount_net), 0) as margin_rate,
            coalesce(sum(net_units_qty), 0) as net_units_qty
        from product_sales
        where {DATE_SCOPE} and {STORE_SCOPE} and {CATEGORY_SCOPE}
        """,
        flt.params("start", "end", "category", *STORE_PARAMS),
    ).iloc[0]


def stock_totals(snap: Snapshot, flt: Filters) -> pd.Series:
    """Current stock value at cost and store x product lines out of stock now."""
    return run_query(
        snap,
        f"""
        select
            coalesce(sum(stock_value_cost), 0) as stock_value_cost,
            count(*) filter (where is_out_of_stock) as out_of_stock_lines,
            count(*) as stock_lines
        from rpt_current_stock
        where {STORE_SCOPE} and {CATEGORY_SCOPE}
        """,
        flt.params("category", *STORE_PARAMS),
    ).iloc[0]


def yoy_totals(snap: Snapshot, flt: Filters) -> pd.Series:
    """Like-for-like net sales of the period against the same weekdays a year earlier.

    rpt_store_sales_yoy says a comparison sums its like-for-like rows only, so that is all it sums.
    """
    return run_query(
        snap,
        f"""
        select
            count(*) as like_for_like_days,
            coalesce(sum(amount_net), 0) as amount_net,
            coalesce(sum(amount_net_last_year), 0) as amount_net_last_year,
            (sum(amount_net) - sum(amount_net_last_year))
                / nullif(sum(amount_net_last_year), 0) as growth
        from rpt_store_sales_yoy
        where is_like_for_like and {DATE_SCOPE} and {STORE_SCOPE}
        """,
        flt.params("start", "end", *STORE_PARAMS),
    ).iloc[0]


def daily_yoy(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Net sales per day of the period beside last year's (like-for-like days only)."""
    return run_query(
        snap,
        f"""
        select
            business_date,
            sum(amount_net) as amount_net,
            sum(amount_net_last_year) filter (where is_like_for_like) as amount_net_last_year
        from rpt_store_sales_yoy
        where {DATE_SCOPE} and {STORE_SCOPE}
        group by business_date
        order by business_date
        """,
        flt.params("start", "end", *STORE_PARAMS),
    )


def stores_ranked(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Stores by net sales in the period, best first."""
    return run_query(
        snap,
        f"""
        with {PRODUCT_SALES_CTE}
        select
            s.store_id,
            any_value(d.store_name) as store_name,
            sum(s.amount_net) as amount_net,
            sum(s.margin_net) as margin_net,
            sum(s.margin_net) / nullif(sum(s.amount_net), 0) as margin_rate
        from product_sales as s
        join dim_stores as d on s.store_id = d.store_id
        where {DATE_SCOPE} and s.{STORE_SCOPE} and {CATEGORY_SCOPE}
        group by s.store_id
        order by amount_net desc, s.store_id
        """,
        flt.params("start", "end", "category", *STORE_PARAMS),
    )


def products_ranked(snap: Snapshot, flt: Filters, limit: int, best: bool) -> pd.DataFrame:
    """The products with the highest (best) or lowest net sales in the period among those sold."""
    return run_query(
        snap,
        f"""
        with {PRODUCT_SALES_CTE}
        select
            product_id,
            any_value(product_name) as product_name,
            any_value(category) as category,
            sum(net_units_qty) as net_units_qty,
            sum(amount_net) as amount_net,
            sum(margin_net) as margin_net
        from product_sales
        where product_id is not null and {DATE_SCOPE} and {STORE_SCOPE} and {CATEGORY_SCOPE}
        group by product_id
        order by
            case when $best then -sum(amount_net) else sum(amount_net) end,
            product_id
        limit $limit
        """,
        {
            **flt.params("start", "end", "category", *STORE_PARAMS),
            "best": bool(best),
            "limit": int(limit),
        },
    )


def supplier_otif(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Per supplier over the months of the period: OTIF = OTIF lines / evaluated lines.

    The scorecard's rates are line counts over evaluated lines, so summing both counts over months
    gives the period's rate exactly.
    """
    return run_query(
        snap,
        """
        select
            supplier_id,
            any_value(supplier_name) as supplier_name,
            sum(evaluated_lines) as evaluated_lines,
            sum(otif_lines) as otif_lines,
            sum(otif_lines) / nullif(sum(evaluated_lines), 0) as otif_rate
        from fct_supplier_scorecard
        where month_start_date between date_trunc('month', $start::date) and $end
        group by supplier_id
        order by otif_rate asc nulls last, supplier_id
        """,
        flt.params("start", "end"),
    )


def open_findings_by_severity(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Open audit findings per severity (chain-level findings count when no store is chosen)."""
    return run_query(
        snap,
        f"""
        select severity, count(*) as findings, sum(abs(amount_cost)) as amount_cost_abs
        from fct_audit_findings
        where status = 'open'
          and (($region is null and $store_id is null) or {STORE_SCOPE})
        group by severity
        order by severity
        """,
        flt.params(*STORE_PARAMS),
    )


def last_audit_run(snap: Snapshot) -> pd.Series:
    """The latest audit run: when, how many audits ran, findings and blocking errors it raised."""
    return run_query(
        snap,
        """
        with latest as (
            select run_id from fct_audit_runs order by run_at desc, run_id desc limit 1
        )
        select
            max(run_at) as run_at,
            count(*) as audits,
            coalesce(sum(findings_count), 0) as findings,
            coalesce(sum(error_count), 0) as errors
        from fct_audit_runs
        where run_id in (select run_id from latest)
        """,
    ).iloc[0]

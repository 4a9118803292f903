"""Suppliers: the scorecard per month, OTIF and lead-time trends, price variance against the list.

The scorecard is per supplier and month of the requested delivery date, chain-wide; the purchase
order lines carry store and category, so the line-level views follow every filter.
"""

from __future__ import annotations

import pandas as pd

from dashboards.data.filters import CATEGORY_SCOPE, STORE_PARAMS, STORE_SCOPE, Filters
from dashboards.data.serving import run_query
from retailwh.serving import Snapshot

TABLES = ("fct_supplier_scorecard", "fct_purchase_order_lines")

_MONTHS_IN_PERIOD = "month_start_date between date_trunc('month', $start::date) and $end"
_LINES_IN_SCOPE = f"requested_date between $start and $end and {STORE_SCOPE} and {CATEGORY_SCOPE}"


def scorecard_months(snap: Snapshot, flt: Filters) -> list:
    """Months of the period with evaluated lines, latest first."""
    frame = run_query(
        snap,
        f"""
        select distinct month_start_date from fct_supplier_scorecard
        where evaluated_lines > 0 and {_MONTHS_IN_PERIOD}
        order by 1 desc
        """,
        flt.params("start", "end"),
    )
    return [pd.Timestamp(m).date() for m in frame["month_start_date"]]


def scorecard(snap: Snapshot, month) -> pd.DataFrame:
    """The scorecard rows of one month, best score first."""
    return run_query(
        snap,
        """
        select
            supplier_id, supplier_name, score, otif_rate, on_time_rate, in_full_rate, fill_rate,
            rejected_rate, avg_lead_time_days, promised_lead_time_days, lead_time_adherence_rate,
            price_adherence_rate, price_variance_amount, price_variance_pct,
            po_lines, evaluated_lines
        from fct_supplier_scorecard
        where month_start_date = $month
        order by score desc nulls last, supplier_id
        """,
        {"month": month},
    )


def monthly_trend(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """OTIF, lead time (actual and promised) and price variance per supplier and month."""
    return run_query(
        snap,
        f"""
        select
            supplier_id, supplier_name, month_start_date, evaluated_lines,
            otif_rate, avg_lead_time_days, promised_lead_time_days,
            price_variance_amount, price_variance_pct
        from fct_supplier_scorecard
        where {_MONTHS_IN_PERIOD}
        order by month_start_date, supplier_id
        """,
        flt.params("start", "end"),
    )


def lead_times(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Received purchase order lines of the period: actual against promised lead time."""
    return run_query(
        snap,
        f"""
        select
            supplier_id, store_id, po_id, line_no, gtin, category, ordered_date,
            first_received_date, lead_time_days, promised_lead_time_days, lead_time_variance_days
        from fct_purchase_order_lines
        where is_received and {_LINES_IN_SCOPE}
        order by lead_time_variance_days desc nulls last, po_id, line_no
        """,
        flt.params("start", "end", "category", *STORE_PARAMS),
    )


def price_variances(snap: Snapshot, flt: Filters, limit: int = 100) -> pd.DataFrame:
    """Order lines priced above or below the supplier's price list, largest amount first."""
    return run_query(
        snap,
        f"""
        select
            supplier_id, store_id, po_id, line_no, gtin, category, ordered_date,
            qty_ordered, po_unit_cost, list_unit_cost, unit_price_variance, price_variance_amount
        from fct_purchase_order_lines
        where unit_price_variance <> 0 and {_LINES_IN_SCOPE}
        order by abs(price_variance_amount) desc, po_id, line_no
        limit $limit
        """,
        {**flt.params("start", "end", "category", *STORE_PARAMS), "limit": int(limit)},
    )

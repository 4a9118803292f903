"""Every query the dashboards run, one function each, with bound parameters only.

They read the serving snapshot's copies of the marts (``rpt_``/``fct_``/``dim_``); the store and
category filters come from widgets, so they are always passed as parameters.
"""

from __future__ import annotations

import pandas as pd

from dashboards.data.serving import run_query
from retailwh.serving import Snapshot

MEASURES = ("value", "units")


def stock_totals(snap: Snapshot) -> pd.Series:
    """Chain-wide stock value at cost, units on hand, low-stock lines and stores."""
    return run_query(
        snap,
        """
        select
            coalesce(sum(stock_value_cost), 0) as stock_value_cost,
            coalesce(sum(on_hand_qty), 0) as on_hand_qty,
            count(*) filter (where is_low_stock) as low_stock_lines,
            count(distinct store_id) as stores
        from rpt_current_stock
        """,
    ).iloc[0]


def stock_by_store_category(snap: Snapshot) -> pd.DataFrame:
    return run_query(
        snap,
        """
        select
            store_id,
            any_value(store_name) as store_name,
            category,
            sum(on_hand_qty) as on_hand_qty,
            sum(stock_value_cost) as stock_value_cost
        from rpt_current_stock
        group by store_id, category
        order by store_id, category
        """,
    )


def stores(snap: Snapshot) -> pd.DataFrame:
    return run_query(
        snap, "select store_id, store_name, region, city from dim_stores order by store_id"
    )


def categories(snap: Snapshot) -> list[str]:
    frame = run_query(
        snap,
        "select distinct category from dim_products where category is not null order by 1",
    )
    return frame["category"].tolist()


def top_products(
    snap: Snapshot,
    store_id: str | None,
    category: str | None,
    measure: str,
    limit: int,
) -> pd.DataFrame:
    """The products holding the most stock (by units or value) in a store and/or category."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    return run_query(
        snap,
        """
        select
            product_id,
            any_value(gtin) as gtin,
            any_value(product_name) as product_name,
            any_value(category) as category,
            sum(on_hand_qty) as on_hand_qty,
            sum(stock_value_cost) as stock_value_cost,
            min(days_of_cover) as min_days_of_cover,
            count(*) filter (where is_low_stock) as low_stock_stores
        from rpt_current_stock
        where ($store_id is null or store_id = $store_id)
          and ($category is null or category = $category)
        group by product_id
        order by
            case when $measure = 'value' then sum(stock_value_cost) else sum(on_hand_qty) end
                desc nulls last,
            product_id
        limit $limit
        """,
        {"store_id": store_id, "category": category, "measure": measure, "limit": int(limit)},
    )


def low_stock(snap: Snapshot, store_id: str | None, category: str | None) -> pd.DataFrame:
    """Store × product lines below the low-stock threshold, fewest days of cover first."""
    return run_query(
        snap,
        """
        select
            store_id, store_name, product_name, gtin, category,
            on_hand_qty, avg_daily_sales_qty_28d, days_of_cover
        from rpt_current_stock
        where is_low_stock
          and ($store_id is null or store_id = $store_id)
          and ($category is null or category = $category)
        order by days_of_cover asc nulls first, store_id, product_name
        """,
        {"store_id": store_id, "category": category},
    )


_LATEST_RUNS = """
    latest_runs as (
        select audit, run_id, run_at, findings_count
        from fct_audit_runs
        qualify row_number() over (partition by audit order by run_at desc, run_id desc) = 1
    )
"""


def latest_audit_runs(snap: Snapshot) -> pd.DataFrame:
    """Each audit's latest run and how many findings it produced."""
    return run_query(
        snap,
        f"with {_LATEST_RUNS} select * from latest_runs order by findings_count desc, audit",
    )


def audit_history(snap: Snapshot) -> pd.DataFrame:
    return run_query(
        snap,
        "select audit, run_at, findings_count from fct_audit_runs order by run_at, audit",
    )


def latest_findings(
    snap: Snapshot,
    store_ids: list[str],
    severities: list[str],
) -> pd.DataFrame:
    """Findings of each audit's latest run; an empty filter list means all."""
    return run_query(
        snap,
        f"""
        with {_LATEST_RUNS}
        select
            f.audit, f.severity, f.store_id, f.product_id, f.gtin,
            f.document_type, f.document_id,
            f.expected, f.actual, f.difference, f.amount_cost,
            f.message, f.run_at, f.finding_id
        from fct_audit_findings as f
        join latest_runs as r on f.audit = r.audit and f.run_id = r.run_id
        where (len($store_ids) = 0 or list_contains($store_ids, f.store_id))
          and (len($severities) = 0 or list_contains($severities, f.severity))
        order by f.severity, f.amount_cost desc nulls last, f.audit, f.finding_id
        """,
        {
            "store_ids": _text_list(store_ids),
            "severities": _text_list(severities),
        },
    )


def quarantine_summary(snap: Snapshot) -> pd.DataFrame:
    """What ingestion refused, per source, object, store/supplier and reason."""
    return run_query(
        snap,
        """
        select
            source_kind, source_object, source_id, reason,
            rows_quarantined, files_quarantined_whole, files_affected, last_quarantined_at
        from rpt_quarantine_summary
        order by rows_quarantined desc, source_kind, source_object, source_id, reason
        """,
    )


def quarantined_rows(snap: Snapshot, source_kinds: list[str], limit: int = 500) -> pd.DataFrame:
    """The latest quarantined rows (personal data masked); an empty filter list means all."""
    return run_query(
        snap,
        """
        select
            quarantined_at, source_kind, source_object, source_id,
            source_file, line_no, reason, raw_masked
        from fct_quarantined_rows
        where len($source_kinds) = 0 or list_contains($source_kinds, source_kind)
        order by quarantined_at desc, source_file, line_no
        limit $limit
        """,
        {"source_kinds": _text_list(source_kinds), "limit": int(limit)},
    )


def _text_list(values: list[str]) -> list[str]:
    return [str(v) for v in values]

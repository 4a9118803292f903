"""Sales: the daily trend, sales per store and category, best and slow sellers, ABC/XYZ classes."""

from __future__ import annotations

import pandas as pd

from dashboards.data.filters import CATEGORY_SCOPE, DATE_SCOPE, STORE_PARAMS, STORE_SCOPE, Filters
from dashboards.data.serving import run_query
from retailwh.serving import Snapshot

TABLES = (
    "rpt_daily_store_product_sales",
    "rpt_best_slow_sellers",
    "rpt_abc_xyz_products",
    "rpt_abc_xyz_store_products",
)

# Columns a seller table may be sorted by: label -> SQL. Only these reach the ORDER BY.
SELLER_SORTS = {
    "Net sales": "amount_net",
    "Net units": "net_units_qty",
    "Net margin": "margin_net",
    "Days in stock": "in_stock_days",
}
SELLER_KINDS = ("best", "slow")

# the product sales joined to the product's category: every filter applies to one relation
# (the overview reads the same relation)
PRODUCT_SALES_CTE = """
    product_sales as (
        select s.*, p.product_name, coalesce(p.category, 'unknown') as category
        from rpt_daily_store_product_sales as s
        left join dim_products as p on s.product_id = p.product_id
    )
"""


def daily_trend(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Net sales, margin and units per business date of the period."""
    return run_query(
        snap,
        f"""
        with {PRODUCT_SALES_CTE}
        select
            business_date,
            sum(amount_net) as amount_net,
            sum(margin_net) as margin_net,
            sum(net_units_qty) as net_units_qty
        from product_sales
        where {DATE_SCOPE} and {STORE_SCOPE} and {CATEGORY_SCOPE}
        group by business_date
        order by business_date
        """,
        flt.params("start", "end", "category", *STORE_PARAMS),
    )


def by_store_category(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Net sales, margin and units per store and category in the period."""
    return run_query(
        snap,
        f"""
        with {PRODUCT_SALES_CTE}
        select
            s.store_id,
            any_value(d.store_name) as store_name,
            s.category,
            sum(s.amount_net) as amount_net,
            sum(s.margin_net) as margin_net,
            sum(s.margin_net) / nullif(sum(s.amount_net), 0) as margin_rate,
            sum(s.net_units_qty) as net_units_qty
        from product_sales as s
        join dim_stores as d on s.store_id = d.store_id
        where {DATE_SCOPE} and s.{STORE_SCOPE} and {CATEGORY_SCOPE}
        group by s.store_id, s.category
        order by s.store_id, amount_net desc
        """,
        flt.params("start", "end", "category", *STORE_PARAMS),
    )


def sellers(snap: Snapshot, flt: Filters, kind: str, sort_label: str) -> pd.DataFrame:
    """Best or slow sellers per store and category (rpt_best_slow_sellers: its own window)."""
    if kind not in SELLER_KINDS:
        raise ValueError(f"kind must be one of {SELLER_KINDS}, got {kind!r}")
    if sort_label not in SELLER_SORTS:
        raise ValueError(f"sort must be one of {list(SELLER_SORTS)}, got {sort_label!r}")
    flag = "is_best_seller" if kind == "best" else "is_slow_seller"
    direction = "desc" if kind == "best" else "asc"
    return run_query(
        snap,
        f"""
        select
            store_id, store_name, category, product_name, gtin,
            best_rank, slow_rank, net_units_qty, amount_net, margin_net,
            in_stock_days, on_hand_qty, window_start_date, as_of_date
        from rpt_best_slow_sellers
        where {flag} and {STORE_SCOPE} and {CATEGORY_SCOPE}
        order by {SELLER_SORTS[sort_label]} {direction} nulls last, store_id, category, gtin
        """,
        flt.params("category", *STORE_PARAMS),
    )


def abc_xyz(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """ABC/XYZ classes: per store x product when a region or store is chosen, else chain-wide."""
    if flt.region is None and flt.store_id is None:
        return run_query(
            snap,
            f"""
            select
                null as store_id, product_id, product_name, gtin, category,
                abc_class, coalesce(xyz_class, '-') as xyz_class,
                amount_net, revenue_share, net_units_qty, weekly_cv, as_of_date
            from rpt_abc_xyz_products
            where {CATEGORY_SCOPE}
            order by amount_net desc nulls last, gtin
            """,
            flt.params("category"),
        )
    return run_query(
        snap,
        f"""
        select
            store_id, product_id, product_name, gtin, category,
            abc_class, coalesce(xyz_class, '-') as xyz_class,
            amount_net, revenue_share, net_units_qty, weekly_cv, as_of_date
        from rpt_abc_xyz_store_products
        where {STORE_SCOPE} and {CATEGORY_SCOPE}
        order by store_id, amount_net desc nulls last, gtin
        """,
        flt.params("category", *STORE_PARAMS),
    )

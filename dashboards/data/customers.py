"""Customers and segments: RFM segments, cohorts, lifetime value, category affinity, NPS per store.

Customers belong to a store through their home store (dim_customers.home_store_id); the category
filter picks customers by their top category. Merged-away CRM contacts are left out: their purchases
count for the surviving contact.
"""

from __future__ import annotations

import pandas as pd

from dashboards.data.filters import STORE_PARAMS, Filters
from dashboards.data.serving import run_query
from retailwh.serving import Snapshot

TABLES = (
    "dim_customers",
    "rpt_customer_cohort_retention",
    "fct_customer_category_affinity",
    "rpt_store_feedback_nps",
)

# dim_customers rows in the filter's scope (home store in the region/store, top category)
_CUSTOMERS_IN_SCOPE = """
    customers as (
        select *
        from dim_customers
        where merged_into_customer_id is null
          and home_store_id in (
              select store_id from dim_stores
              where ($region is null or region = $region)
                and ($store_id is null or store_id = $store_id)
          )
          and ($category is null or top_category = $category)
    )
"""
_SCOPE_PARAMS = ("category", *STORE_PARAMS)


def segment_summary(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Customers, marketing-consenting customers and lifetime value per RFM segment."""
    return run_query(
        snap,
        f"""
        with {_CUSTOMERS_IN_SCOPE}
        select
            rfm_segment,
            count(*) as customers,
            count(*) filter (where has_marketing_consent) as consenting_customers,
            avg(historical_clv_net) as avg_clv_net,
            sum(historical_clv_net) as clv_net,
            avg(purchase_receipts) as avg_purchase_receipts
        from customers
        where rfm_segment is not null
        group by rfm_segment
        order by clv_net desc, rfm_segment
        """,
        flt.params(*_SCOPE_PARAMS),
    )


def segments(snap: Snapshot) -> list[str]:
    frame = run_query(
        snap,
        "select distinct rfm_segment from dim_customers where rfm_segment is not null order by 1",
    )
    return frame["rfm_segment"].tolist()


def cohort_retention(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Chain-wide monthly cohorts (the mart has no store) whose first month lies in the period."""
    return run_query(
        snap,
        """
        select
            cohort_month, months_since_first_purchase, cohort_customers,
            active_customers, retention_rate, cohort_repeat_rate
        from rpt_customer_cohort_retention
        where cohort_month between date_trunc('month', $start::date) and $end
        order by cohort_month, months_since_first_purchase
        """,
        flt.params("start", "end"),
    )


def top_customers_by_clv(snap: Snapshot, flt: Filters, limit: int = 20) -> pd.DataFrame:
    """The customers with the highest historical lifetime value (ids only, no personal data)."""
    return run_query(
        snap,
        f"""
        with {_CUSTOMERS_IN_SCOPE}
        select
            customer_id, tier, home_store_id, rfm_segment, top_category,
            purchase_receipts, historical_clv_net, historical_clv_margin, last_purchase_date
        from customers
        where historical_clv_net is not null
        order by historical_clv_net desc, customer_id
        limit $limit
        """,
        {**flt.params(*_SCOPE_PARAMS), "limit": int(limit)},
    )


def category_affinity(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Per category: customers buying it, those for whom it is the top one, mean affinity index."""
    return run_query(
        snap,
        f"""
        with {_CUSTOMERS_IN_SCOPE}
        select
            a.category,
            count(*) as customers,
            count(*) filter (where a.category_rank = 1) as top_category_customers,
            avg(a.affinity_index) as avg_affinity_index,
            sum(a.amount_net) as amount_net
        from fct_customer_category_affinity as a
        join customers as c on a.customer_id = c.customer_id
        group by a.category
        order by amount_net desc, a.category
        """,
        flt.params(*_SCOPE_PARAMS),
    )


def nps_by_store(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """NPS per store over the months of the period, recomputed from the summed counts as the mart
    says (NPS itself does not add up over topics and months)."""
    return run_query(
        snap,
        """
        select
            n.store_id,
            any_value(d.store_name) as store_name,
            sum(n.responses) as responses,
            sum(n.promoters) as promoters,
            sum(n.detractors) as detractors,
            100.0 * (sum(n.promoters) - sum(n.detractors)) / nullif(sum(n.responses), 0) as nps
        from rpt_store_feedback_nps as n
        join dim_stores as d on n.store_id = d.store_id
        where n.month_start_date between date_trunc('month', $start::date) and $end
          and ($region is null or d.region = $region)
          and ($store_id is null or n.store_id = $store_id)
        group by n.store_id
        order by nps desc nulls last, n.store_id
        """,
        flt.params("start", "end", *STORE_PARAMS),
    )


def nps_by_topic(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """NPS per feedback topic over the months of the period, recomputed from the counts."""
    return run_query(
        snap,
        """
        select
            n.topic,
            sum(n.responses) as responses,
            100.0 * (sum(n.promoters) - sum(n.detractors)) / nullif(sum(n.responses), 0) as nps
        from rpt_store_feedback_nps as n
        join dim_stores as d on n.store_id = d.store_id
        where n.month_start_date between date_trunc('month', $start::date) and $end
          and ($region is null or d.region = $region)
          and ($store_id is null or n.store_id = $store_id)
        group by n.topic
        order by nps asc nulls last, n.topic
        """,
        flt.params("start", "end", *STORE_PARAMS),
    )

"""Replenishment: the demand forecast's accuracy against the seasonal-naive baseline, the forecast
ahead, and what to reorder and transfer (rpt_reorder_suggestions, rpt_transfer_suggestions)."""

from __future__ import annotations

import pandas as pd

from dashboards.data.filters import CATEGORY_SCOPE, STORE_PARAMS, STORE_SCOPE, Filters
from dashboards.data.serving import run_query
from retailwh.serving import Snapshot

TABLES = (
    "rpt_forecast_accuracy",
    "rpt_forecast_accuracy_overall",
    "fct_demand_forecasts",
    "rpt_reorder_suggestions",
    "rpt_transfer_suggestions",
)


def accuracy_overall(snap: Snapshot) -> pd.DataFrame:
    """WAPE, MASE and bias of the model and of the seasonal-naive baseline, all series."""
    return run_query(
        snap,
        "select method, series, wape, mase, bias from rpt_forecast_accuracy_overall order by 1",
    )


def accuracy_by_series(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Backtest per series in the filter's stores and category, worst model WAPE first."""
    return run_query(
        snap,
        f"""
        select
            a.store_id, a.series_level, a.category, p.product_name, a.actual_qty,
            a.wape, a.baseline_wape, a.mase, a.baseline_mase, a.bias, a.baseline_bias,
            a.holdout_windows
        from rpt_forecast_accuracy as a
        left join dim_products as p on a.product_id = p.product_id
        where a.{STORE_SCOPE} and ($category is null or a.category = $category)
        order by a.wape desc nulls last, a.series_id
        """,
        flt.params("category", *STORE_PARAMS),
    )


def forecast_ahead(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Forecast units per day ahead beside the seasonal-naive baseline, summed over the scope."""
    return run_query(
        snap,
        f"""
        select
            forecast_date,
            sum(forecast_qty) as forecast_qty,
            sum(seasonal_naive_qty) as seasonal_naive_qty
        from fct_demand_forecasts
        where {STORE_SCOPE} and {CATEGORY_SCOPE}
        group by forecast_date
        order by forecast_date
        """,
        flt.params("category", *STORE_PARAMS),
    )


def reorder_suggestions(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """What to order, per store and product, largest shortfall first."""
    return run_query(
        snap,
        f"""
        select
            r.store_id, r.supplier_id, r.gtin, p.product_name, r.category,
            r.inventory_position_qty, r.reorder_point_qty, r.shortfall_qty,
            r.case_pack, r.order_cases, r.order_qty
        from rpt_reorder_suggestions as r
        left join dim_products as p on r.product_id = p.product_id
        where r.{STORE_SCOPE} and ($category is null or r.category = $category)
        order by r.shortfall_qty desc, r.store_id, r.gtin
        """,
        flt.params("category", *STORE_PARAMS),
    )


def transfer_suggestions(snap: Snapshot, flt: Filters) -> pd.DataFrame:
    """Transfers from stores with excess to stores about to run out; a store filter matches either
    end of the transfer."""
    return run_query(
        snap,
        """
        with scoped_stores as (
            select store_id from dim_stores
            where ($region is null or region = $region)
              and ($store_id is null or store_id = $store_id)
        )
        select
            t.from_store_id, t.to_store_id, t.gtin, p.product_name, t.category, t.transfer_qty
        from rpt_transfer_suggestions as t
        left join dim_products as p on t.product_id = p.product_id
        where (t.from_store_id in (select store_id from scoped_stores)
               or t.to_store_id in (select store_id from scoped_stores))
          and ($category is null or t.category = $category)
        order by t.transfer_qty desc, t.from_store_id, t.to_store_id, t.gtin
        """,
        flt.params("category", *STORE_PARAMS),
    )

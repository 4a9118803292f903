-- Backtest of the forecast per series: the model and the seasonal-naive baseline side by side over
-- the same rolling holdout windows (WAPE, MASE with m = 7, bias), so a planner sees where the model
-- helps and where it does not. The overall figures: rpt_forecast_accuracy_overall.

with

accuracy as (

    select * from {{ ref('stg_forecast__forecast_accuracy') }}

),

series as (

    select
        series_id,
        max(store_id) as store_id,
        max(series_level) as series_level,
        max(category) as category,
        max(case when series_level = 'product' then product_id end) as product_id
    from {{ ref('int_demand_series') }}
    group by series_id

),

pivoted as (

    select
        series_id,
        max(holdout_windows) as holdout_windows,
        max(actual_qty) as actual_qty,
        max(case when method = 'model' then wape end) as wape,
        max(case when method = 'model' then mase end) as mase,
        max(case when method = 'model' then bias end) as bias,
        max(case when method = 'seasonal_naive' then wape end) as baseline_wape,
        max(case when method = 'seasonal_naive' then mase end) as baseline_mase,
        max(case when method = 'seasonal_naive' then bias end) as baseline_bias
    from accuracy
    group by series_id

)

select
    cast(pivoted.series_id as varchar) as series_id,
    cast(series.store_id as varchar) as store_id,
    cast(series.series_level as varchar) as series_level,
    cast(series.category as varchar) as category,
    cast(series.product_id as varchar) as product_id,
    cast(pivoted.holdout_windows as integer) as holdout_windows,
    cast(pivoted.actual_qty as {{ type_double() }}) as actual_qty,
    cast(pivoted.wape as {{ type_double() }}) as wape,
    cast(pivoted.mase as {{ type_double() }}) as mase,
    cast(pivoted.bias as {{ type_double() }}) as bias,
    cast(pivoted.baseline_wape as {{ type_double() }}) as baseline_wape,
    cast(pivoted.baseline_mase as {{ type_double() }}) as baseline_mase,
    cast(pivoted.baseline_bias as {{ type_double() }}) as baseline_bias
from pivoted
left join series
    on pivoted.series_id = series.series_id

-- The demand forecast per store, product and date for the next horizon, with its baseline: what
-- the Replenishment page plots against actual sales.

select
    forecasts.store_id,
    forecasts.product_id,
    products.category,
    forecasts.forecast_date,
    forecasts.forecast_qty,
    forecasts.seasonal_naive_qty,
    forecasts.series_id,
    forecasts.series_level
from {{ ref('int_demand_forecasts_mapped') }} as forecasts
inner join {{ ref('dim_products') }} as products
    on forecasts.product_id = products.product_id

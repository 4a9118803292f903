-- The demand forecast per store, product and date for the next horizon, with its baseline: what
-- the Replenishment page plots against actual sales.

select
    cast(forecasts.store_id as varchar) as store_id,
    cast(forecasts.product_id as varchar) as product_id,
    cast(products.category as varchar) as category,
    cast(forecasts.forecast_date as date) as forecast_date,
    cast(forecasts.forecast_qty as decimal(18, 3)) as forecast_qty,
    cast(forecasts.seasonal_naive_qty as decimal(18, 3)) as seasonal_naive_qty,
    cast(forecasts.series_id as varchar) as series_id,
    cast(forecasts.series_level as varchar) as series_level
from {{ ref('int_demand_forecasts_mapped') }} as forecasts
inner join {{ ref('dim_products') }} as products
    on forecasts.product_id = products.product_id

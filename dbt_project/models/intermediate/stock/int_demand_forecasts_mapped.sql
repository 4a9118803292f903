-- The demand forecast per store, head-office product and business date: the forecast asset's
-- series (stg_forecast__demand_forecast) mapped back through int_demand_series - a product series
-- is the product, a store x category series is split over its products by their share of the
-- category's units in the history window. Days of cover (rpt_current_stock) and the replenishment
-- marts read this. Empty until the forecast asset has run.

with

forecasts as (

    select * from {{ ref('stg_forecast__demand_forecast') }}

),

series as (

    select * from {{ ref('int_demand_series') }}

),

final as (

    select
        cast(series.store_id as varchar) as store_id,
        cast(series.product_id as varchar) as product_id,
        cast(forecasts.forecast_date as date) as forecast_date,
        cast(forecasts.forecast_qty * series.product_share as decimal(18, 3)) as forecast_qty,
        cast(forecasts.seasonal_naive_qty * series.product_share as decimal(18, 3))
            as seasonal_naive_qty,
        cast(series.series_id as varchar) as series_id,
        cast(series.series_level as varchar) as series_level
    from forecasts
    inner join series
        on forecasts.series_id = series.series_id

)

select * from final

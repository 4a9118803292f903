-- Where the demand forecast plugs into days of cover (rpt_current_stock): forecast units per store,
-- head-office product and business date. The forecast asset writes forecast.demand_forecast
-- (stg_forecast__demand_forecast) keyed by series_id - store x product for A and B items, store x
-- category for the rest - and the series -> store x product mapping comes with the demand history
-- (intermediate.int_demand_history) that is not built yet. Until it is, this relation is empty and
-- days of cover uses the trailing mean of the days in stock. To plug the forecast in, select
-- stg_forecast__demand_forecast joined to that mapping here (a store x category series split over
-- its products by their share of the category's demand); rpt_current_stock needs no change.

with

forecasts as (

    select * from {{ ref('stg_forecast__demand_forecast') }}

),

final as (

    select
        cast(null as varchar) as store_id,
        cast(null as varchar) as product_id,
        cast(forecasts.forecast_date as date) as forecast_date,
        cast(forecasts.forecast_qty as decimal(18, 3)) as forecast_qty
    from forecasts
    where 1 = 0

)

select * from final

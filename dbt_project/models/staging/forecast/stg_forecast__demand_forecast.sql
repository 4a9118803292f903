with

source as (

    select * from {{ landing_source('forecast', 'demand_forecast') }} as src

),

renamed as (

    select
        cast(series_id as varchar) as series_id,
        cast(forecast_date as date) as forecast_date,
        cast(forecast_qty as double) as forecast_qty,
        cast(seasonal_naive_qty as double) as seasonal_naive_qty
    from source

)

select * from renamed

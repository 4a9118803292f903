-- The latest forecast run per store and product (empty until the forecast table exists).

with

source as (

    select * from {{ optional_source('forecast', 'demand_forecast') }} as src

),

renamed as (

    select
        {{ to_text('store_id') }} as store_id,
        {{ to_text('product_id') }} as product_id,
        cast(forecast_date as date) as forecast_date,
        cast(forecast_qty as decimal(18, 3)) as forecast_qty,
        cast(forecast_made_at as timestamp) as forecast_made_at
    from source

),

runs as (

    select
        renamed.*,
        max(forecast_made_at) over (partition by store_id, product_id) as latest_made_at
    from renamed

),

latest as (

    select
        store_id,
        product_id,
        forecast_date,
        forecast_qty,
        forecast_made_at
    from runs
    where forecast_made_at = latest_made_at

)

select * from latest

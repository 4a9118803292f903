with

source as (

    select * from {{ landing_source('forecast', 'forecast_accuracy') }} as src

),

renamed as (

    select
        cast(series_id as varchar) as series_id,
        cast(method as varchar) as method,
        cast(windows as integer) as holdout_windows,
        cast(actual_qty as double) as actual_qty,
        cast(abs_error_qty as double) as abs_error_qty,
        cast(error_qty as double) as error_qty,
        cast(wape as double) as wape,
        cast(mase as double) as mase,
        cast(bias as double) as bias
    from source

)

select * from renamed

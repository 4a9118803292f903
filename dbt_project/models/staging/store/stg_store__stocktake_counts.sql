with

source as (

    select * from {{ landing_source('store', 'stocktake_counts') }} as src

),

renamed as (

    select
        _source_id as store_id,
        {{ to_text('stocktake_id') }} as stocktake_id,
        {{ to_text('gtin') }} as gtin,
        {{ to_utc_timestamp('counted_at') }} as counted_at,
        cast(business_date as date) as business_date,
        {{ to_decimal('counted_qty', 18, 3) }} as counted_qty,
        {{ to_decimal('system_qty', 18, 3) }} as system_qty,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by store_id, stocktake_id, gtin order by updated_at desc, _batch_id desc
    ) = 1

)

select * from latest

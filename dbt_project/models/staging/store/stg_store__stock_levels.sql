with

source as (

    select * from {{ landing_source('store', 'stock_on_hand') }} as src

),

renamed as (

    select
        _source_id as store_id,
        {{ to_text('gtin') }} as gtin,
        {{ to_decimal('on_hand_qty', 18, 3) }} as on_hand_qty,
        {{ to_utc_timestamp('as_of') }} as reported_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by store_id, gtin order by updated_at desc, reported_at desc, _batch_id desc
    ) = 1

)

select * from latest

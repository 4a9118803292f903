with

source as (

    select * from {{ landing_source('head_office', 'product_prices') }} as src

),

renamed as (

    select
        {{ to_text('product_id') }} as product_id,
        cast(valid_from as date) as valid_from,
        {{ to_decimal('retail_price_gross', 12, 2) }} as retail_price_gross,
        {{ to_decimal('cost_price', 12, 4) }} as cost_price,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by product_id, valid_from order by updated_at desc, _batch_id desc
    ) = 1

),

final as (

    select
        product_id,
        valid_from,
        lead(valid_from) over (partition by product_id order by valid_from) as valid_to,
        retail_price_gross,
        cost_price,
        updated_at,
        _source_id,
        _batch_id,
        _loaded_at,
        _landing_file
    from latest

)

select * from final

with

source as (

    select * from {{ landing_source('head_office', 'products') }} as src

),

renamed as (

    select
        {{ to_text('product_id') }} as product_id,
        {{ to_text('gtin') }} as gtin,
        {{ to_text('name') }} as product_name,
        {{ to_text('category') }} as category,
        lower({{ to_text('unit') }}) as unit,
        cast(case_pack as integer) as case_pack,
        {{ to_decimal('vat_rate', 5, 4) }} as vat_rate,
        {{ to_decimal('cost_price', 12, 4) }} as cost_price,
        {{ to_decimal('retail_price_gross', 12, 2) }} as retail_price_gross,
        {{ to_text('supplier_id') }} as supplier_id,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by product_id order by updated_at desc, _batch_id desc) = 1

)

select * from latest

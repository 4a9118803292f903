with

source as (

    select * from {{ landing_source('head_office', 'purchase_order_lines') }} as src

),

renamed as (

    select
        {{ to_text('po_id') }} as po_id,
        cast(line_no as integer) as line_no,
        {{ to_text('product_id') }} as product_id,
        {{ to_text('gtin') }} as gtin,
        {{ to_decimal('qty_ordered', 18, 3) }} as qty_ordered,
        {{ to_decimal('unit_cost', 12, 4) }} as unit_cost,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by po_id, line_no order by updated_at desc, _batch_id desc
    ) = 1

)

select * from latest

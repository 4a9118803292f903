-- Order confirmation lines as the suppliers sent them (any format lands the same text columns).
-- A confirmation is one file: when it lands again, the latest landed file's lines win.

with

source as (

    select * from {{ landing_source('supplier', 'order_confirmation') }} as src

),

renamed as (

    select
        {{ to_text('confirmation_id') }} as confirmation_id,
        coalesce({{ to_text('supplier_id') }}, _source_id) as supplier_id,
        {{ to_text('po_id') }} as po_id,
        cast({{ to_text('line_no') }} as integer) as line_no,
        {{ to_text('gtin') }} as gtin,
        {{ to_decimal('qty_confirmed', 18, 3) }} as qty_confirmed,
        cast({{ to_text('confirmed_delivery_date') }} as date) as confirmed_delivery_date,
        {{ to_text('_source_file') }} as source_file,
        cast(_source_line as bigint) as source_line,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by supplier_id, confirmation_id, line_no
        order by _batch_id desc, source_line desc
    ) = 1

)

select * from latest

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['supplier_id', 'confirmation_id'],
        on_schema_change='append_new_columns',
    )
}}

with

source as (

    select * from {{ landing_source('supplier', 'order_confirmation') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        {{ to_text('confirmation_id') }} as confirmation_id,
        coalesce({{ to_text('supplier_id') }}, _source_id) as supplier_id,
        {{ to_text('po_id') }} as po_id,
        cast({{ to_decimal('line_no', 18, 0) }} as integer) as line_no,
        {{ to_text('gtin') }} as gtin,
        {{ to_decimal('qty_confirmed', 18, 3) }} as qty_confirmed,
        cast({{ to_text('confirmed_delivery_date') }} as date) as confirmed_delivery_date,
        {{ to_text('_source_file') }} as source_file,
        cast(_source_line as bigint) as source_line,
        {{ landing_lineage_columns() }}
    from source

),

final as (

    {{ latest_document_lines('renamed', 'confirmation_id', 'confirmation_line_key') }}

)

select * from final

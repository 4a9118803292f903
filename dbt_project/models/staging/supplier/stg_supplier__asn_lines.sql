{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['supplier_id', 'asn_id'],
        on_schema_change='append_new_columns',
    )
}}

with

source as (

    select * from {{ landing_source('supplier', 'asn') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        {{ to_text('asn_id') }} as asn_id,
        coalesce({{ to_text('supplier_id') }}, _source_id) as supplier_id,
        {{ to_text('po_id') }} as po_id,
        {{ to_text('store_id') }} as store_id,
        {{ to_text('gtin') }} as gtin,
        {{ to_decimal('qty_shipped', 18, 3) }} as qty_shipped,
        cast({{ to_text('shipped_date') }} as date) as shipped_date,
        cast({{ to_text('expected_date') }} as date) as expected_date,
        {{ to_text('_source_file') }} as source_file,
        cast(_source_line as bigint) as source_line,
        {{ landing_lineage_columns() }}
    from source

),

final as (

    {{ latest_document_lines('renamed', 'asn_id', 'asn_line_key') }}

)

select * from final

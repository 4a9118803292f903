{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['supplier_id', 'price_list_id'],
        on_schema_change='append_new_columns',
    )
}}

with

source as (

    select * from {{ landing_source('supplier', 'price_list') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        {{ to_text('price_list_id') }} as price_list_id,
        coalesce({{ to_text('supplier_id') }}, _source_id) as supplier_id,
        {{ to_text('gtin') }} as gtin,
        {{ to_text('supplier_sku') }} as supplier_sku,
        {{ to_decimal('unit_cost', 12, 4) }} as unit_cost,
        upper({{ to_text('currency') }}) as currency,
        cast({{ to_decimal('case_pack', 18, 3) }} as integer) as case_pack,
        {{ to_decimal('min_order_qty', 18, 3) }} as min_order_qty,
        cast({{ to_text('valid_from') }} as date) as valid_from,
        {{ to_text('_source_file') }} as source_file,
        cast(_source_line as bigint) as source_line,
        {{ landing_lineage_columns() }}
    from source

),

final as (

    {{ latest_document_lines('renamed', 'price_list_id', 'price_list_line_key') }}

)

select * from final

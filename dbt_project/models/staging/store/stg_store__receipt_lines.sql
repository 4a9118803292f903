{%- set unique_key = ['store_id', 'receipt_id', 'line_no'] -%}
{%- set version_columns = ['updated_at', '_batch_id'] -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=unique_key,
        on_schema_change='append_new_columns',
    )
}}

with

source as (

    select * from {{ landing_source('store', 'receipt_lines') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        -- the lines carry no store: one landing folder per store database
        _source_id as store_id,
        {{ to_text('receipt_id') }} as receipt_id,
        cast(line_no as integer) as line_no,
        {{ to_text('gtin') }} as gtin,
        {{ to_decimal('qty', 18, 3) }} as qty,
        {{ to_decimal('unit_price_gross', 18, 2) }} as unit_price_gross,
        coalesce({{ to_decimal('discount_gross', 18, 2) }}, 0) as discount_gross,
        {{ to_decimal('line_total_gross', 18, 2) }} as line_total_gross,
        {{ to_decimal('vat_rate', 5, 4) }} as vat_rate,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        false as is_deleted,
        {{ landing_lineage_columns() }}
    from source

),

deletions as (

    {{ landed_deletions('receipt_lines', [('receipt_id', 'varchar'), ('line_no', 'integer')]) }}

),

deleted as (

    {{ deleted_versions('renamed', 'deletions', unique_key) }}

),

versions as (

    select * from renamed
    union all by name
    select * from deleted

),

final as (

    {{ latest_versions('versions', unique_key, version_columns) }}

)

select * from final

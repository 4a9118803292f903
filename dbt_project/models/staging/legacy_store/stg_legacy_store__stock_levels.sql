{%- set unique_key = ['store_id', 'stock_date', 'gtin'] -%}
{%- set version_columns = ['_batch_id', 'source_line'] -%}
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

    select * from {{ landing_source('legacy_store', 'stock') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        _source_id as store_id,
        {{ legacy_date('"日期"') }} as stock_date,
        {{ to_text('"条码"') }} as gtin,
        {{ to_decimal('"库存"', 18, 3) }} as on_hand_qty,
        {{ to_text('_source_file') }} as source_file,
        cast(_source_line as bigint) as source_line,
        {{ landing_lineage_columns() }}
    from source

),

final as (

    {{ latest_versions('renamed', unique_key, version_columns) }}

)

select * from final

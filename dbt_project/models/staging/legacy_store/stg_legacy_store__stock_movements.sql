{%- set unique_key = ['store_id', 'movement_id'] -%}
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

    select * from {{ landing_source('legacy_store', 'moves') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        _source_id as store_id,
        {{ to_text('"单据号"') }} as movement_id,
        {{ to_text('"条码"') }} as gtin,
        {{ normalize_movement_type('"类型"') }} as movement_type,
        {{ to_decimal('"数量"', 18, 3) }} as qty,
        {{ legacy_local_to_utc('"日期"', '"时间"') }} as moved_at,
        {{ legacy_date('"日期"') }} as business_date,
        lower({{ to_text('"单据类型"') }}) as document_type,
        {{ to_text('"关联单据"') }} as document_id,
        {{ to_text('"对方门店"') }} as counterparty_store_id,
        {{ to_text('_source_file') }} as source_file,
        cast(_source_line as bigint) as source_line,
        {{ landing_lineage_columns() }}
    from source

),

final as (

    {{ latest_versions('renamed', unique_key, version_columns) }}

)

select * from final

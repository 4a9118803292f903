{%- set unique_key = ['store_id', 'receipt_id', 'line_no'] -%}
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

    select * from {{ landing_source('legacy_store', 'sales') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        _source_id as store_id,
        {{ to_text('"小票号"') }} as receipt_id,
        cast({{ to_text('"行号"') }} as integer) as line_no,
        {{ legacy_date('"日期"') }} as business_date,
        {{ legacy_local_to_utc('"日期"', '"时间"') }} as sold_at,
        {{ to_text('"条码"') }} as gtin,
        {{ to_text('"品名"') }} as till_product_name,
        {{ to_decimal('"数量"', 18, 3) }} as qty,
        {{ to_decimal('"单价"', 18, 2) }} as unit_price_gross,
        coalesce({{ to_decimal('"折扣"', 18, 2) }}, 0) as discount_gross,
        {{ to_decimal('"金额"', 18, 2) }} as line_total_gross,
        {{ to_text('"会员卡"') }} as loyalty_card,
        {{ to_text('_source_file') }} as source_file,
        cast(_source_line as bigint) as source_line,
        {{ landing_lineage_columns() }}
    from source

),

final as (

    -- the same export can land twice (a re-sent or completed file): the latest landed line wins
    {{ latest_versions('renamed', unique_key, version_columns) }}

)

select * from final

{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key=['store_id', 'stock_date', 'gtin'],
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

latest as (

    select * from renamed
    qualify row_number() over (
        partition by store_id, stock_date, gtin order by _batch_id desc, source_line desc
    ) = 1

),

final as (

    select * from latest
    where {{ newer_than_loaded('latest', ['store_id', 'stock_date', 'gtin'], ['_batch_id', 'source_line']) }}

)

select * from final

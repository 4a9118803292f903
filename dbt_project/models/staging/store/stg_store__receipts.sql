{%- set unique_key = ['store_id', 'receipt_id'] -%}
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

    select * from {{ landing_source('store', 'receipts') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        coalesce({{ to_text('store_id') }}, _source_id) as store_id,
        {{ to_text('receipt_id') }} as receipt_id,
        {{ to_text('register_id') }} as register_id,
        cast(business_date as date) as business_date,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_text('loyalty_card') }} as loyalty_card,
        {{ to_decimal('total_gross', 18, 2) }} as total_gross,
        lower({{ to_text('status') }}) as receipt_status,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        false as is_deleted,
        {{ landing_lineage_columns() }}
    from source

),

deletions as (

    {{ landed_deletions('receipts', [('receipt_id', 'varchar')]) }}

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

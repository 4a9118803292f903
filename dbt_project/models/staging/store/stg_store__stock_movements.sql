{%- set unique_key = ['store_id', 'movement_id'] -%}
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

    select * from {{ landing_source('store', 'stock_movements') }} as src
    {{ only_new_landing_files() }}

),

renamed as (

    select
        coalesce({{ to_text('store_id') }}, _source_id) as store_id,
        {{ to_text('movement_id') }} as movement_id,
        {{ to_text('gtin') }} as gtin,
        {{ normalize_movement_type('movement_type') }} as movement_type,
        {{ to_decimal('qty', 18, 3) }} as qty,
        {{ to_utc_timestamp('moved_at') }} as moved_at,
        cast(business_date as date) as business_date,
        lower({{ to_text('document_type') }}) as document_type,
        {{ to_text('document_id') }} as document_id,
        {{ to_text('counterparty_store_id') }} as counterparty_store_id,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        false as is_deleted,
        {{ landing_lineage_columns() }}
    from source

),

deletions as (

    {{ landed_deletions('stock_movements', [('movement_id', 'varchar')]) }}

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

{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        unique_key=['store_id', 'business_date'],
        partition_date_column='business_date',
        on_schema_change='append_new_columns',
    )
}}

-- Every stock movement of every store in one vocabulary. Incremental: a run rebuilds every
-- store x business date that a load touched since the last run (macros/incremental.sql), from the
-- latest version of each movement in staging, so a late correction replaces its old version once
-- and a movement the store system deleted drops out of its date. A run with a date window (a
-- backfill of Dagster's daily partitions, macros/partition_window.sql) also replaces every business
-- date in the window.

with

movements as (

    select * from {{ ref('int_stock_movements_unioned') }}

),

{% if is_incremental() %}
touched as (

    select distinct
        store_id,
        business_date
    from movements
    where
        {{ loaded_after_watermark('_loaded_at', 'store_id') }}
        or {{ in_partition_window('business_date') }}

),
{% endif %}

selected as (

    select movements.*
    from movements
    {% if is_incremental() %}
        inner join touched
            on
                movements.store_id = touched.store_id
                and movements.business_date = touched.business_date
    {% endif %}
    where not movements.is_deleted

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', source_system, store_id, movement_id)") }} as varchar) as movement_key,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(movement_type as varchar) as movement_type,
        cast(qty as decimal(18, 3)) as qty,
        cast(moved_at as timestamp) as moved_at,
        cast(business_date as date) as business_date,
        cast(document_type as varchar) as document_type,
        cast(document_id as varchar) as document_id,
        cast(counterparty_store_id as varchar) as counterparty_store_id,
        cast(source_system as varchar) as source_system,
        cast(movement_id as varchar) as movement_id,
        cast(_loaded_at as timestamp) as _loaded_at
    from selected

)

select * from final

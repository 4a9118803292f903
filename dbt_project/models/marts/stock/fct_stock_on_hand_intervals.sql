{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        unique_key=['store_id', 'gtin'],
        replace_from_column='valid_from',
        on_schema_change='append_new_columns',
    )
}}

-- On-hand per store and GTIN as change intervals: one row per moment the on-hand changed
-- (movements at the same instant are one change), valid until the next change. Never a daily grid.
-- Incremental: only the store x GTIN series with movements loaded since the last run are
-- recomputed, from the day before their earliest touched business date (a start that is safe in
-- UTC for any store timezone), carrying the on-hand of the interval in force at that point. A run
-- with a date window (a backfill, macros/partition_window.sql) also recomputes every series with
-- movements of a business date within a day of the window, so every interval that starts on a
-- window day (in UTC, for any store timezone) is rebuilt.
-- depends_on: {{ ref('int_stock_movements_unioned') }}

with

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

{% if is_incremental() %}
landed_movements as (

    -- every landed movement version, deletions included: what tells which series to recompute
    select * from {{ ref('int_stock_movements_unioned') }}

),

touched_series as (

    select
        store_id,
        gtin,
        cast({{ dbt.dateadd('day', -1, 'min(business_date)') }} as timestamp) as recompute_from
    from landed_movements
    where
        {{ loaded_after_watermark('_loaded_at', 'store_id') }}
        or {{ in_partition_window('business_date', widen_days=1) }}
    group by store_id, gtin

),

existing_before as (

    select
        existing.store_id,
        existing.gtin,
        existing.product_id,
        existing.valid_from,
        existing.change_qty,
        existing.on_hand_qty,
        existing._loaded_at,
        row_number() over (
            partition by existing.store_id, existing.gtin order by existing.valid_from desc
        ) as recency
    from {{ this }} as existing
    inner join touched_series
        on
            existing.store_id = touched_series.store_id
            and existing.gtin = touched_series.gtin
            and existing.valid_from < touched_series.recompute_from

),

carried as (

    -- the interval in force at the recompute point: re-emitted (its valid_to changes) and its
    -- on-hand is where the recomputed running sum starts
    select * from existing_before
    where recency = 1

),
{% endif %}

changes as (

    select
        movements.store_id,
        movements.gtin,
        max(movements.product_id) as product_id,
        movements.moved_at as valid_from,
        sum(movements.qty) as change_qty,
        max(movements._loaded_at) as _loaded_at
    from movements
    {% if is_incremental() %}
        inner join touched_series
            on
                movements.store_id = touched_series.store_id
                and movements.gtin = touched_series.gtin
                and movements.moved_at >= touched_series.recompute_from
    {% endif %}
    group by movements.store_id, movements.gtin, movements.moved_at

),

running as (

    select
        changes.store_id,
        changes.gtin,
        changes.product_id,
        changes.valid_from,
        changes.change_qty,
        {% if is_incremental() %}coalesce(carried.on_hand_qty, 0) + {% endif -%}
        sum(changes.change_qty) over (
            partition by changes.store_id, changes.gtin order by changes.valid_from
            rows between unbounded preceding and current row
        ) as on_hand_qty,
        changes._loaded_at
    from changes
    {% if is_incremental() %}
        left join carried
            on
                changes.store_id = carried.store_id
                and changes.gtin = carried.gtin
    {% endif %}

),

series as (

    select * from running
    {% if is_incremental() %}
        union all
        select
            store_id,
            gtin,
            product_id,
            valid_from,
            change_qty,
            on_hand_qty,
            _loaded_at
        from carried
    {% endif %}

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', store_id, gtin, cast(valid_from as varchar))") }} as varchar)
            as interval_key,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(valid_from as timestamp) as valid_from,
        cast(lead(valid_from) over (partition by store_id, gtin order by valid_from) as timestamp)
            as valid_to,
        cast(change_qty as decimal(18, 3)) as change_qty,
        cast(on_hand_qty as decimal(18, 3)) as on_hand_qty,
        lead(valid_from) over (partition by store_id, gtin order by valid_from) is null as is_current,
        cast(_loaded_at as timestamp) as _loaded_at
    from series

)

select * from final

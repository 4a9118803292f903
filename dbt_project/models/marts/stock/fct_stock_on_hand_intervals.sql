-- On-hand per store and product as change intervals: one row per moment the on-hand changed
-- (movements at the same instant are one change), valid until the next change. Never a daily grid.

with

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

changes as (

    select
        store_id,
        gtin,
        any_value(product_id) as product_id,
        moved_at as valid_from,
        sum(qty) as qty_change
    from movements
    group by store_id, gtin, moved_at

),

running as (

    select
        store_id,
        gtin,
        product_id,
        valid_from,
        lead(valid_from) over (partition by store_id, gtin order by valid_from) as valid_to,
        sum(qty_change) over (
            partition by store_id, gtin order by valid_from
            rows between unbounded preceding and current row
        ) as on_hand_qty
    from changes

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', store_id, gtin, cast(valid_from as varchar))") }} as varchar)
            as interval_key,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(valid_from as timestamp) as valid_from,
        cast(valid_to as timestamp) as valid_to,
        cast(on_hand_qty as decimal(18, 3)) as on_hand_qty,
        valid_to is null as is_current
    from running

)

select * from final

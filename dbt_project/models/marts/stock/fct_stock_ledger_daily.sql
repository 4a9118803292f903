-- The stock ledger per store, GTIN and business date, from every movement type: opening + goods
-- receipts + sales + returns + transfers in + transfers out + adjustments + stocktake corrections
-- = closing (quantities signed as booked: outflows are negative). One row per store x GTIN x date
-- with at least one movement (never a daily grid): the closing holds until next_business_date.

with

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

daily as (

    select
        store_id,
        gtin,
        max(product_id) as product_id,
        business_date,
        {% for movement_type in movement_types() -%}
        sum(case when movement_type = '{{ movement_type }}' then qty else 0 end) as {{ movement_type }}_qty,
        {% endfor -%}
        sum(qty) as net_change_qty,
        count(*) as movements_count
    from movements
    group by store_id, gtin, business_date

),

running as (

    select
        daily.*,
        sum(net_change_qty) over (
            partition by store_id, gtin order by business_date
            rows between unbounded preceding and current row
        ) as closing_qty,
        lead(business_date) over (partition by store_id, gtin order by business_date) as next_business_date
    from daily

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', store_id, gtin, cast(business_date as varchar))") }} as varchar)
            as ledger_key,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(business_date as date) as business_date,
        cast(closing_qty - net_change_qty as decimal(18, 3)) as opening_qty,
        {% for movement_type in movement_types() -%}
        cast({{ movement_type }}_qty as decimal(18, 3)) as {{ movement_type }}_qty,
        {% endfor -%}
        cast(net_change_qty as decimal(18, 3)) as net_change_qty,
        cast(closing_qty as decimal(18, 3)) as closing_qty,
        cast(movements_count as integer) as movements_count,
        cast(next_business_date as date) as next_business_date
    from running

)

select * from final

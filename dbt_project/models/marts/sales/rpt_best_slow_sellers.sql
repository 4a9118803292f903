-- Best and slow sellers per store and category over the trailing var sales_window_days ending at
-- the as-of date: every product the store stocked or sold in the window, ranked within its store
-- and category by net revenue (then net units, then GTIN). Best sellers: the var seller_rank_top_n
-- highest with positive revenue. Slow sellers: the top_n lowest among the products that were in
-- stock on at least one day of the window (a product out of stock all window is a stock-out, not a
-- slow seller).

with

current_stock as (

    select * from {{ ref('rpt_current_stock') }}

),

daily_sales as (

    select * from {{ ref('rpt_daily_store_product_sales') }}

),

as_of as (

    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1 - var('sales_window_days'), 'as_of_date') }} as date) as window_start_date
    from (select {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date) as reporting

),

window_sales as (

    select
        daily_sales.store_id,
        daily_sales.gtin,
        sum(daily_sales.net_units_qty) as net_units_qty,
        sum(daily_sales.amount_net) as amount_net,
        sum(daily_sales.margin_net) as margin_net
    from daily_sales
    cross join as_of
    where
        daily_sales.business_date >= as_of.window_start_date
        and daily_sales.business_date <= as_of.as_of_date
    group by daily_sales.store_id, daily_sales.gtin

),

candidates as (

    select
        current_stock.store_id,
        current_stock.store_name,
        current_stock.product_id,
        current_stock.gtin,
        current_stock.product_name,
        current_stock.category,
        current_stock.in_stock_days_28d as in_stock_days,
        current_stock.on_hand_qty,
        coalesce(window_sales.net_units_qty, 0) as net_units_qty,
        coalesce(window_sales.amount_net, 0) as amount_net,
        coalesce(window_sales.margin_net, 0) as margin_net,
        current_stock.in_stock_days_28d > 0 as was_in_stock
    from current_stock
    left join window_sales
        on
            current_stock.store_id = window_sales.store_id
            and current_stock.gtin = window_sales.gtin
    where
        current_stock.product_id is not null
        and (current_stock.in_stock_days_28d > 0 or window_sales.gtin is not null)

),

ranked as (

    select
        candidates.*,
        count(*) over (partition by store_id, category) as products_in_category,
        row_number() over (
            partition by store_id, category order by amount_net desc, net_units_qty desc, gtin
        ) as best_rank,
        row_number() over (
            partition by store_id, category, was_in_stock order by amount_net asc, net_units_qty asc, gtin
        ) as slow_rank_among_stocked
    from candidates

),

final as (

    select
        cast(ranked.store_id as varchar) as store_id,
        cast(ranked.store_name as varchar) as store_name,
        cast(ranked.product_id as varchar) as product_id,
        cast(ranked.gtin as varchar) as gtin,
        cast(ranked.product_name as varchar) as product_name,
        cast(ranked.category as varchar) as category,
        cast(ranked.products_in_category as integer) as products_in_category,
        cast(ranked.in_stock_days as integer) as in_stock_days,
        cast(ranked.on_hand_qty as decimal(18, 3)) as on_hand_qty,
        cast(ranked.net_units_qty as decimal(18, 3)) as net_units_qty,
        cast(ranked.amount_net as decimal(18, 4)) as amount_net,
        cast(ranked.margin_net as decimal(18, 4)) as margin_net,
        cast(ranked.best_rank as integer) as best_rank,
        cast(case when ranked.was_in_stock then ranked.slow_rank_among_stocked end as integer) as slow_rank,
        ranked.best_rank <= {{ var('seller_rank_top_n') }} and ranked.amount_net > 0 as is_best_seller,
        coalesce(
            ranked.was_in_stock and ranked.slow_rank_among_stocked <= {{ var('seller_rank_top_n') }},
            false
        ) as is_slow_seller,
        cast(as_of.window_start_date as date) as window_start_date,
        cast(as_of.as_of_date as date) as as_of_date
    from ranked
    cross join as_of

)

select * from final

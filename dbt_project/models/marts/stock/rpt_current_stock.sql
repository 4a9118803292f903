-- Current on-hand per store and product with its value at cost and days of cover against the mean
-- daily sales of the trailing window (var sales_window_days, ending at the latest business date sold).

with

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

current_on_hand as (

    select * from intervals
    where is_current

),

window_end as (

    select max(business_date) as last_business_date from sales_lines

),

window_sales as (

    select
        sales_lines.store_id,
        sales_lines.gtin,
        sum(sales_lines.qty) as qty_sold
    from sales_lines
    cross join window_end
    where
        sales_lines.business_date > window_end.last_business_date - {{ var('sales_window_days') }}
        and sales_lines.business_date <= window_end.last_business_date
    group by sales_lines.store_id, sales_lines.gtin

),

joined as (

    select
        current_on_hand.store_id,
        stores.store_name,
        stores.region,
        current_on_hand.product_id,
        current_on_hand.gtin,
        products.product_name,
        products.category,
        current_on_hand.on_hand_qty,
        products.cost_price,
        current_on_hand.on_hand_qty * products.cost_price as stock_value_cost,
        coalesce(window_sales.qty_sold, 0) / {{ var('sales_window_days') }} as avg_daily_sales_qty
    from current_on_hand
    left join stores
        on current_on_hand.store_id = stores.store_id
    left join products
        on current_on_hand.product_id = products.product_id
    left join window_sales
        on
            current_on_hand.store_id = window_sales.store_id
            and current_on_hand.gtin = window_sales.gtin

),

final as (

    select
        cast(store_id as varchar) as store_id,
        cast(store_name as varchar) as store_name,
        cast(region as varchar) as region,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(product_name as varchar) as product_name,
        cast(category as varchar) as category,
        cast(on_hand_qty as decimal(18, 3)) as on_hand_qty,
        cast(cost_price as decimal(12, 4)) as cost_price,
        cast(round(stock_value_cost, 4) as decimal(18, 4)) as stock_value_cost,
        cast(avg_daily_sales_qty as double) as avg_daily_sales_qty_28d,
        cast(
            case when avg_daily_sales_qty > 0 then on_hand_qty / avg_daily_sales_qty end as double
        ) as days_of_cover,
        coalesce(
            on_hand_qty <= 0
            or (avg_daily_sales_qty > 0 and on_hand_qty / avg_daily_sales_qty < {{ var('low_stock_days_of_cover') }}),
            false
        ) as is_low_stock
    from joined

)

select * from final

-- Current on-hand per store and GTIN (the current interval) with its value at moving-average cost,
-- goods in transit to the store, stock-out days, and days of cover = on-hand / daily demand.
-- Daily demand is the mean of the demand forecast over the next var forecast_horizon_days after
-- the as-of date when a forecast exists (int_demand_forecasts_mapped, the plug-in point: empty
-- until the forecast's series map to store x product), else the trailing mean over the days in
-- stock of the last var
-- sales_window_days: net units sold on the days that ended with stock / number of such days.
-- No demand (0, or no day in stock) leaves days of cover null and sets has_no_demand.
-- The as-of date is var reporting_as_of_date, else the latest business date sold.

with

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

costs as (

    select * from {{ ref('fct_moving_average_costs') }}

),

ledger as (

    select * from {{ ref('fct_stock_ledger_daily') }}

),

daily_sales as (

    select * from {{ ref('rpt_daily_store_product_sales') }}

),

forecasts as (

    select * from {{ ref('int_demand_forecasts_mapped') }}

),

transfers as (

    select * from {{ ref('fct_stock_transfers') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

as_of as (

    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1 - var('sales_window_days'), 'as_of_date') }} as date) as window_start_date,
        cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as date) as window_end_date
    from (select {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date) as reporting

),

current_on_hand as (

    select * from intervals
    where is_current

),

current_costs as (

    select * from costs
    where is_current

),

closing_ranges as (

    -- each ledger day's closing holds until the next movement day, clipped to the window
    select
        ledger.store_id,
        ledger.gtin,
        ledger.business_date,
        ledger.next_business_date,
        ledger.closing_qty,
        greatest(ledger.business_date, as_of.window_start_date) as range_start_date,
        least(coalesce(ledger.next_business_date, as_of.window_end_date), as_of.window_end_date) as range_end_date
    from ledger
    cross join as_of
    where
        ledger.business_date < as_of.window_end_date
        and (ledger.next_business_date is null or ledger.next_business_date > as_of.window_start_date)

),

window_days as (

    select
        store_id,
        gtin,
        sum(
            case
                when closing_qty > 0
                    then {{ dbt.datediff('range_start_date', 'range_end_date', 'day') }}
                else 0
            end
        ) as in_stock_days,
        sum(
            case
                when closing_qty <= 0
                    then {{ dbt.datediff('range_start_date', 'range_end_date', 'day') }}
                else 0
            end
        ) as stockout_days
    from closing_ranges
    group by store_id, gtin

),

in_stock_sales as (

    -- net units sold on the window's days that ended with stock
    select
        daily_sales.store_id,
        daily_sales.gtin,
        sum(daily_sales.net_units_qty) as net_units_qty
    from daily_sales
    inner join closing_ranges
        on
            daily_sales.store_id = closing_ranges.store_id
            and daily_sales.gtin = closing_ranges.gtin
            and daily_sales.business_date >= closing_ranges.range_start_date
            and daily_sales.business_date < closing_ranges.range_end_date
    where closing_ranges.closing_qty > 0
    group by daily_sales.store_id, daily_sales.gtin

),

forecast_demand as (

    -- where the forecast plugs in: mean forecast demand over the horizon after the as-of date
    select
        forecasts.store_id,
        forecasts.product_id,
        {{ safe_ratio('sum(forecasts.forecast_qty)', 'count(forecasts.forecast_qty)') }} as forecast_daily_demand_qty
    from forecasts
    cross join as_of
    where
        forecasts.forecast_date > as_of.as_of_date
        and forecasts.forecast_date <= {{ dbt.dateadd('day', var('forecast_horizon_days'), 'as_of.as_of_date') }}
    group by forecasts.store_id, forecasts.product_id

),

inbound_transit as (

    select
        to_store_id as store_id,
        gtin,
        sum(qty_in_transit) as qty_in_transit
    from transfers
    where transfer_status in ('in_transit', 'overdue')
    group by to_store_id, gtin

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
        current_on_hand.valid_from as on_hand_since,
        products.cost_price,
        current_costs.moving_avg_cost,
        products.retail_price_net,
        coalesce(window_days.in_stock_days, 0) as in_stock_days,
        coalesce(window_days.stockout_days, 0) as stockout_days,
        {{ safe_ratio('coalesce(in_stock_sales.net_units_qty, 0)', 'window_days.in_stock_days') }}
            as trailing_daily_demand_qty,
        forecast_demand.forecast_daily_demand_qty,
        coalesce(inbound_transit.qty_in_transit, 0) as qty_in_transit_inbound,
        as_of.as_of_date
    from current_on_hand
    cross join as_of
    left join stores
        on current_on_hand.store_id = stores.store_id
    left join products
        on current_on_hand.product_id = products.product_id
    left join current_costs
        on
            current_on_hand.store_id = current_costs.store_id
            and current_on_hand.gtin = current_costs.gtin
    left join window_days
        on
            current_on_hand.store_id = window_days.store_id
            and current_on_hand.gtin = window_days.gtin
    left join in_stock_sales
        on
            current_on_hand.store_id = in_stock_sales.store_id
            and current_on_hand.gtin = in_stock_sales.gtin
    left join forecast_demand
        on
            current_on_hand.store_id = forecast_demand.store_id
            and current_on_hand.product_id = forecast_demand.product_id
    left join inbound_transit
        on
            current_on_hand.store_id = inbound_transit.store_id
            and current_on_hand.gtin = inbound_transit.gtin

),

demand as (

    select
        joined.*,
        coalesce(forecast_daily_demand_qty, trailing_daily_demand_qty) as daily_demand_qty,
        case
            when forecast_daily_demand_qty is not null then 'forecast'
            when trailing_daily_demand_qty is not null then 'trailing_mean'
            else 'none'
        end as demand_source,
        coalesce(moving_avg_cost, cost_price) as unit_cost
    from joined

),

covered as (

    select
        demand.*,
        case
            when daily_demand_qty > 0 then {{ safe_ratio('on_hand_qty', 'daily_demand_qty') }}
        end as days_of_cover
    from demand

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
        cast(on_hand_since as timestamp) as on_hand_since,
        cast(cost_price as decimal(12, 4)) as cost_price,
        cast(unit_cost as decimal(18, 6)) as moving_avg_cost,
        cast(round(on_hand_qty * unit_cost, 4) as decimal(18, 4)) as stock_value_cost,
        cast(round(on_hand_qty * retail_price_net, 4) as decimal(18, 4)) as stock_value_retail_net,
        cast(qty_in_transit_inbound as decimal(18, 3)) as qty_in_transit_inbound,
        cast(in_stock_days as integer) as in_stock_days_28d,
        cast(stockout_days as integer) as stockout_days_28d,
        cast(coalesce(trailing_daily_demand_qty, 0) as {{ type_double() }}) as avg_daily_sales_qty_28d,
        cast(forecast_daily_demand_qty as {{ type_double() }}) as forecast_daily_demand_qty,
        cast(daily_demand_qty as {{ type_double() }}) as daily_demand_qty,
        cast(demand_source as varchar) as demand_source,
        cast(days_of_cover as {{ type_double() }}) as days_of_cover,
        coalesce(daily_demand_qty, 0) <= 0 as has_no_demand,
        on_hand_qty <= 0 as is_out_of_stock,
        coalesce(
            on_hand_qty <= 0 or days_of_cover < {{ var('low_stock_days_of_cover') }},
            false
        ) as is_low_stock,
        coalesce(days_of_cover > {{ var('overstock_days_of_cover') }}, false) as is_overstock,
        cast(as_of_date as date) as as_of_date
    from covered

)

select * from final

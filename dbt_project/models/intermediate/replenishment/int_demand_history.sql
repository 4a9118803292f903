{{ config(materialized="table") }}

-- Daily demand per forecast series over the trailing var forecast_history_days, dense from the
-- series' first sale in the window (a day without a sale is 0). For product series, a day that
-- ended out of stock with nothing sold is not a day without demand: its demand is the mean of the
-- series' in-stock days of the same weekday (censored demand), so the forecast does not learn that
-- an empty shelf means no demand. Category series are not corrected (their products rarely all run
-- out at once). The forecast asset reads this model.

with

sales as (

    select * from {{ ref('fct_sales_lines') }}

),

series as (

    select * from {{ ref('int_demand_series') }}

),

intervals as (

    select store_id, product_id, valid_from, valid_to, on_hand_qty
    from {{ ref('fct_stock_on_hand_intervals') }}

),

as_of as (

    select
        {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date

),

window_sales as (

    select sales.store_id, sales.product_id, sales.business_date, sales.qty
    from sales
    cross join as_of
    where
        sales.product_id is not null
        and sales.business_date <= as_of.as_of_date
        and sales.business_date > {{ dbt.dateadd('day', -var('forecast_history_days'), 'as_of.as_of_date') }}

),

-- every business date of the window on which the chain sold anything
calendar as (

    select distinct business_date from window_sales

),

series_units as (

    select
        series.series_id,
        window_sales.business_date,
        sum(window_sales.qty) as units_sold_qty
    from window_sales
    inner join series
        on window_sales.store_id = series.store_id
        and window_sales.product_id = series.product_id
    group by series.series_id, window_sales.business_date

),

series_spans as (

    select
        series.series_id,
        max(series.store_id) as store_id,
        max(series.series_level) as series_level,
        -- product series: the one product, for the stock-out check
        max(case when series.series_level = 'product' then series.product_id end) as product_id,
        min(series_units.business_date) as first_date
    from series
    inner join series_units
        on series.series_id = series_units.series_id
    group by series.series_id

),

grid as (

    select
        series_spans.series_id,
        series_spans.store_id,
        series_spans.series_level,
        series_spans.product_id,
        calendar.business_date,
        coalesce(series_units.units_sold_qty, 0) as units_sold_qty
    from series_spans
    inner join calendar
        on calendar.business_date >= series_spans.first_date
    left join series_units
        on series_spans.series_id = series_units.series_id
        and calendar.business_date = series_units.business_date

),

end_of_day as (

    select
        grid.*,
        cast({{ dbt.dateadd('day', 1, 'grid.business_date') }} as timestamp) as day_end_at
    from grid

),

stock_checked as (

    select
        end_of_day.series_id,
        end_of_day.store_id,
        end_of_day.series_level,
        end_of_day.business_date,
        end_of_day.units_sold_qty,
        coalesce(intervals.on_hand_qty <= 0, false) as ended_out_of_stock
    from end_of_day
    left join intervals
        on end_of_day.series_level = 'product'
        and intervals.store_id = end_of_day.store_id
        and intervals.product_id = end_of_day.product_id
        and intervals.valid_from < end_of_day.day_end_at
        and (intervals.valid_to is null or intervals.valid_to >= end_of_day.day_end_at)

),

censored as (

    select
        stock_checked.*,
        ended_out_of_stock and units_sold_qty <= 0 as is_censored,
        -- days since a Monday, mod 7: the weekday on every engine
        mod({{ dbt.datediff("cast('2000-01-03' as date)", 'business_date', 'day') }}, 7) as weekday
    from stock_checked

),

final as (

    select
        cast(series_id as varchar) as series_id,
        cast(store_id as varchar) as store_id,
        cast(series_level as varchar) as series_level,
        cast(business_date as date) as business_date,
        cast(units_sold_qty as decimal(18, 3)) as units_sold_qty,
        cast(is_censored as boolean) as is_stockout_day,
        cast(round(
            case
                when not is_censored then units_sold_qty
                else coalesce(
                    avg(case when not is_censored then units_sold_qty end)
                        over (partition by series_id, weekday),
                    0
                )
            end, 6) as {{ type_double() }}
        ) as demand_qty
    from censored

)

select * from final

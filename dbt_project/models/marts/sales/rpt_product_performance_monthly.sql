-- Per store, product and calendar month (store-local business dates; the as-of month up to the
-- as-of date): sell-through = net units sold / (on-hand at period start + units received in the
-- period), where received = goods receipts + transfers in + adjustments (units handed back to the
-- driver at a goods receipt are adjustments on the order, and a new store's opening stock is an
-- adjustment, so they count as received, signed); stock-out days (days that ended with
-- on-hand <= 0); time-weighted average stock in units and at moving-average cost, integrated over
-- the on-hand intervals (negative on-hand counts as 0), never over a daily grid; GMROI = net gross
-- margin / average stock at cost and stock turnover = cost of goods sold / average stock at cost,
-- both annualized (x 365 / days in the period).

with

ledger as (

    select * from {{ ref('fct_stock_ledger_daily') }}

),

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

costs as (

    select * from {{ ref('fct_moving_average_costs') }}

),

daily_sales as (

    select * from {{ ref('rpt_daily_store_product_sales') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

as_of as (

    select as_of_date
    from (select {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date) as reporting

),

months as (

    select distinct cast({{ dbt.date_trunc('month', 'ledger.business_date') }} as date) as month_start_date
    from ledger
    cross join as_of
    where ledger.business_date <= as_of.as_of_date

),

periods as (

    select
        months.month_start_date,
        -- exclusive end: the next month, or the day after the as-of date in the as-of month
        cast(
            case
                when {{ dbt.dateadd('month', 1, 'months.month_start_date') }} > {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}
                    then {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}
                else {{ dbt.dateadd('month', 1, 'months.month_start_date') }}
            end as date
        ) as period_end_date
    from months
    cross join as_of

),

series as (

    select
        store_id,
        gtin,
        max(product_id) as product_id,
        min(business_date) as listed_date
    from ledger
    group by store_id, gtin

),

series_periods as (

    select
        series.store_id,
        series.gtin,
        series.product_id,
        periods.month_start_date,
        periods.period_end_date,
        {{ dbt.datediff('periods.month_start_date', 'periods.period_end_date', 'day') }} as days_in_period,
        cast({{ local_to_utc('cast(periods.month_start_date as timestamp)', 'stores.timezone') }} as timestamp)
            as period_start_at,
        cast({{ local_to_utc('cast(periods.period_end_date as timestamp)', 'stores.timezone') }} as timestamp)
            as period_end_at
    from series
    inner join periods
        on series.listed_date < periods.period_end_date
    inner join stores
        on series.store_id = stores.store_id

),

ledger_in_periods as (

    -- each ledger row's closing holds from its date to the next movement date
    select
        series_periods.store_id,
        series_periods.gtin,
        series_periods.month_start_date,
        sum(
            case
                when ledger.business_date >= series_periods.month_start_date
                    then ledger.goods_receipt_qty + ledger.transfer_in_qty + ledger.adjustment_qty
                else 0
            end
        ) as received_qty,
        sum(
            case
                when ledger.business_date < series_periods.month_start_date then ledger.closing_qty
                else 0
            end
        ) as opening_qty,
        sum(
            case
                when ledger.closing_qty <= 0
                    then {{ dbt.datediff(
                        'greatest(ledger.business_date, series_periods.month_start_date)',
                        'least(coalesce(ledger.next_business_date, series_periods.period_end_date), series_periods.period_end_date)',
                        'day'
                    ) }}
                else 0
            end
        ) as stockout_days
    from series_periods
    inner join ledger
        on
            series_periods.store_id = ledger.store_id
            and series_periods.gtin = ledger.gtin
            and ledger.business_date < series_periods.period_end_date
            and (ledger.next_business_date is null or ledger.next_business_date >= series_periods.month_start_date)
    group by series_periods.store_id, series_periods.gtin, series_periods.month_start_date

),

sales_in_periods as (

    select
        series_periods.store_id,
        series_periods.gtin,
        series_periods.month_start_date,
        sum(daily_sales.net_units_qty) as net_units_sold_qty,
        sum(daily_sales.amount_net) as amount_net,
        sum(daily_sales.cost_amount) as cost_amount,
        sum(daily_sales.margin_net) as margin_net
    from series_periods
    inner join daily_sales
        on
            series_periods.store_id = daily_sales.store_id
            and series_periods.gtin = daily_sales.gtin
            and daily_sales.business_date >= series_periods.month_start_date
            and daily_sales.business_date < series_periods.period_end_date
    group by series_periods.store_id, series_periods.gtin, series_periods.month_start_date

),

stock_in_periods as (

    -- on-hand and its value at the moving-average cost in force at each change, weighted by the
    -- seconds each interval overlaps the period (exact decimal sums: no summation-order noise)
    select
        series_periods.store_id,
        series_periods.gtin,
        series_periods.month_start_date,
        sum(
            greatest(intervals.on_hand_qty, 0)
            * {{ dbt.datediff(
                'greatest(intervals.valid_from, series_periods.period_start_at)',
                'least(coalesce(intervals.valid_to, series_periods.period_end_at), series_periods.period_end_at)',
                'second'
            ) }}
        ) as qty_seconds,
        sum(
            greatest(intervals.on_hand_qty, 0) * costs.moving_avg_cost
            * {{ dbt.datediff(
                'greatest(intervals.valid_from, series_periods.period_start_at)',
                'least(coalesce(intervals.valid_to, series_periods.period_end_at), series_periods.period_end_at)',
                'second'
            ) }}
        ) as value_seconds
    from series_periods
    inner join intervals
        on
            series_periods.store_id = intervals.store_id
            and series_periods.gtin = intervals.gtin
            and intervals.valid_from < series_periods.period_end_at
            and (intervals.valid_to is null or intervals.valid_to > series_periods.period_start_at)
    left join costs
        on
            intervals.store_id = costs.store_id
            and intervals.gtin = costs.gtin
            and intervals.valid_from >= costs.valid_from
            and (intervals.valid_from < costs.valid_to or costs.valid_to is null)
    group by series_periods.store_id, series_periods.gtin, series_periods.month_start_date

),

joined as (

    select
        series_periods.store_id,
        series_periods.gtin,
        series_periods.product_id,
        series_periods.month_start_date,
        series_periods.period_end_date,
        series_periods.days_in_period,
        coalesce(ledger_in_periods.opening_qty, 0) as opening_qty,
        coalesce(ledger_in_periods.received_qty, 0) as received_qty,
        coalesce(ledger_in_periods.stockout_days, 0) as stockout_days,
        coalesce(sales_in_periods.net_units_sold_qty, 0) as net_units_sold_qty,
        coalesce(sales_in_periods.amount_net, 0) as amount_net,
        coalesce(sales_in_periods.cost_amount, 0) as cost_amount,
        coalesce(sales_in_periods.margin_net, 0) as margin_net,
        {{ safe_ratio('stock_in_periods.qty_seconds', dbt.datediff('series_periods.period_start_at', 'series_periods.period_end_at', 'second')) }}
            as avg_on_hand_qty,
        {{ safe_ratio('stock_in_periods.value_seconds', dbt.datediff('series_periods.period_start_at', 'series_periods.period_end_at', 'second')) }}
            as avg_stock_value_cost
    from series_periods
    left join ledger_in_periods
        on
            series_periods.store_id = ledger_in_periods.store_id
            and series_periods.gtin = ledger_in_periods.gtin
            and series_periods.month_start_date = ledger_in_periods.month_start_date
    left join sales_in_periods
        on
            series_periods.store_id = sales_in_periods.store_id
            and series_periods.gtin = sales_in_periods.gtin
            and series_periods.month_start_date = sales_in_periods.month_start_date
    left join stock_in_periods
        on
            series_periods.store_id = stock_in_periods.store_id
            and series_periods.gtin = stock_in_periods.gtin
            and series_periods.month_start_date = stock_in_periods.month_start_date

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', joined.store_id, joined.gtin, cast(joined.month_start_date as varchar))") }} as varchar)
            as performance_key,
        cast(joined.store_id as varchar) as store_id,
        cast(joined.product_id as varchar) as product_id,
        cast(joined.gtin as varchar) as gtin,
        cast(products.category as varchar) as category,
        cast(joined.month_start_date as date) as month_start_date,
        cast({{ dbt.dateadd('day', -1, 'joined.period_end_date') }} as date) as period_last_date,
        cast(joined.days_in_period as integer) as days_in_period,
        cast(joined.opening_qty as decimal(18, 3)) as opening_qty,
        cast(joined.received_qty as decimal(18, 3)) as received_qty,
        cast(joined.net_units_sold_qty as decimal(18, 3)) as net_units_sold_qty,
        cast(
            case
                when joined.opening_qty + joined.received_qty > 0
                    then {{ safe_ratio('joined.net_units_sold_qty', 'joined.opening_qty + joined.received_qty') }}
            end as {{ type_double() }}
        ) as sell_through,
        cast(joined.stockout_days as integer) as stockout_days,
        cast(joined.amount_net as decimal(18, 4)) as amount_net,
        cast(joined.cost_amount as decimal(18, 4)) as cost_amount,
        cast(joined.margin_net as decimal(18, 4)) as margin_net,
        cast(joined.avg_on_hand_qty as {{ type_double() }}) as avg_on_hand_qty,
        cast(joined.avg_stock_value_cost as {{ type_double() }}) as avg_stock_value_cost,
        cast(
            {{ safe_ratio('joined.margin_net', 'joined.avg_stock_value_cost') }} * 365 / joined.days_in_period
            as {{ type_double() }}
        ) as gmroi,
        cast(
            {{ safe_ratio('joined.cost_amount', 'joined.avg_stock_value_cost') }} * 365 / joined.days_in_period
            as {{ type_double() }}
        ) as stock_turnover
    from joined
    left join products
        on joined.gtin = products.gtin

)

select * from final

-- Shrinkage per store and stocktake: units, at cost and at net retail, and shrink % = shrink at
-- retail / net sales of the period the stocktake closes: from the store's previous stocktake's
-- business date (the first sale when there is none) up to the day before this one (counts are
-- taken before the store opens).

with

shrinkage as (

    select * from {{ ref('fct_stocktake_shrinkage') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

stocktakes as (

    select
        store_id,
        stocktake_id,
        min(business_date) as business_date,
        min(counted_at) as counted_at,
        max(count_source) as count_source,
        count(*) as lines_counted,
        sum(case when shrink_qty <> 0 then 1 else 0 end) as lines_with_difference,
        sum(book_qty) as book_qty,
        sum(counted_qty) as counted_qty,
        sum(shrink_qty) as shrink_qty,
        sum(shrink_amount_cost) as shrink_amount_cost,
        sum(shrink_amount_retail_net) as shrink_amount_retail_net
    from shrinkage
    group by store_id, stocktake_id

),

periods as (

    select
        stocktakes.*,
        lag(business_date) over (partition by store_id order by business_date, stocktake_id) as previous_business_date
    from stocktakes

),

period_sales as (

    select
        periods.store_id,
        periods.stocktake_id,
        sum(sales_lines.amount_net) as net_sales_amount,
        min(sales_lines.business_date) as first_sales_date
    from periods
    inner join sales_lines
        on
            periods.store_id = sales_lines.store_id
            and sales_lines.business_date < periods.business_date
            and (
                sales_lines.business_date >= periods.previous_business_date
                or periods.previous_business_date is null
            )
    group by periods.store_id, periods.stocktake_id

),

final as (

    select
        cast(periods.store_id as varchar) as store_id,
        cast(stores.store_name as varchar) as store_name,
        cast(periods.stocktake_id as varchar) as stocktake_id,
        cast(periods.business_date as date) as business_date,
        cast(periods.counted_at as timestamp) as counted_at,
        cast(periods.count_source as varchar) as count_source,
        cast(periods.lines_counted as integer) as lines_counted,
        cast(periods.lines_with_difference as integer) as lines_with_difference,
        cast(periods.book_qty as decimal(18, 3)) as book_qty,
        cast(periods.counted_qty as decimal(18, 3)) as counted_qty,
        cast(periods.shrink_qty as decimal(18, 3)) as shrink_qty,
        cast(periods.shrink_amount_cost as decimal(18, 4)) as shrink_amount_cost,
        cast(periods.shrink_amount_retail_net as decimal(18, 4)) as shrink_amount_retail_net,
        cast(coalesce(periods.previous_business_date, period_sales.first_sales_date) as date)
            as sales_period_start_date,
        cast({{ dbt.dateadd('day', -1, 'periods.business_date') }} as date) as sales_period_end_date,
        cast(period_sales.net_sales_amount as decimal(18, 4)) as net_sales_amount,
        cast({{ safe_ratio('periods.shrink_amount_retail_net', 'period_sales.net_sales_amount') }} as {{ type_double() }})
            as shrink_rate
    from periods
    left join period_sales
        on
            periods.store_id = period_sales.store_id
            and periods.stocktake_id = period_sales.stocktake_id
    left join stores
        on periods.store_id = stores.store_id

)

select * from final

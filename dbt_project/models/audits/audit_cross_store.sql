-- Cross-store comparison: a store whose shrinkage, return, void or discount rate stands out from its
-- peers over the last var cross_store_window_days business days up to the chain's latest day.
-- Robust z = 0.6745 x (rate - median of the stores) / MAD (median absolute deviation); a finding
-- when |z| > var cross_store_z_threshold, with at least var cross_store_min_stores stores having
-- the rate and MAD > 0. Rates:
--   shrinkage_rate  stocktake losses at cost / cost of goods sold
--   return_rate     returned lines / sold lines (completed receipts)
--   void_rate       voided receipts / receipts (stores whose tills report voids)
--   discount_rate   discounts / gross sales before discount

with

sales_lines as (

    select * from {{ ref('int_sales_lines_unioned') }}
    where not is_deleted

),

receipts as (

    -- receipts the store system deleted later count as not sent
    select * from {{ ref('stg_store__receipts') }}
    where not is_deleted

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

coverage as (

    select * from {{ ref('int_audit_store_coverage') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

window_bounds as (

    select
        max(as_of_date) as window_end,
        cast({{ dbt.dateadd('day', 1 - var('cross_store_window_days') | int, 'max(as_of_date)') }} as date)
            as window_start
    from coverage

),

line_rates as (

    select
        sales_lines.store_id,
        count(case when sales_lines.qty < 0 then 1 end) as return_lines,
        count(case when sales_lines.qty > 0 then 1 end) as sold_lines,
        sum(case when sales_lines.qty > 0 then sales_lines.discount_gross else 0 end) as discount_gross,
        sum(case when sales_lines.qty > 0 then sales_lines.line_total_gross + sales_lines.discount_gross else 0 end)
            as gross_before_discount,
        sum(case when sales_lines.qty > 0 then sales_lines.qty * sales_lines.cost_price else 0 end) as cost_of_sales
    from sales_lines
    cross join window_bounds
    where
        sales_lines.receipt_status = 'completed'
        and sales_lines.business_date between window_bounds.window_start and window_bounds.window_end
    group by sales_lines.store_id

),

void_rates as (

    select
        receipts.store_id,
        count(case when receipts.receipt_status = 'voided' then 1 end) as voided_receipts,
        count(*) as all_receipts
    from receipts
    cross join window_bounds
    where receipts.business_date between window_bounds.window_start and window_bounds.window_end
    group by receipts.store_id

),

shrink as (

    select
        movements.store_id,
        sum(case when movements.qty < 0 then -movements.qty * products.cost_price else 0 end) as loss_cost
    from movements
    cross join window_bounds
    left join products
        on movements.gtin = products.gtin
    where
        movements.movement_type = 'stocktake_correction'
        and movements.business_date between window_bounds.window_start and window_bounds.window_end
    group by movements.store_id

),

rates as (

    select line_rates.store_id, 'shrinkage_rate' as metric, shrink.loss_cost / nullif(line_rates.cost_of_sales, 0) as rate
    from line_rates
    inner join shrink
        on line_rates.store_id = shrink.store_id
    union all
    select store_id, 'return_rate', return_lines / nullif(sold_lines, 0)
    from line_rates
    union all
    select store_id, 'void_rate', voided_receipts / nullif(all_receipts, 0)
    from void_rates
    union all
    select store_id, 'discount_rate', discount_gross / nullif(gross_before_discount, 0)
    from line_rates

),

medians as (

    select
        metric,
        median(rate) as median_rate,
        count(*) as stores_compared
    from rates
    where rate is not null
    group by metric

),

deviations as (

    select
        medians.metric,
        median(abs(rates.rate - medians.median_rate)) as mad
    from rates
    inner join medians
        on rates.metric = medians.metric
    where rates.rate is not null
    group by medians.metric

),

scored as (

    select
        rates.store_id,
        rates.metric,
        rates.rate,
        medians.median_rate,
        medians.stores_compared,
        0.6745 * (rates.rate - medians.median_rate) / deviations.mad as robust_z
    from rates
    inner join medians
        on rates.metric = medians.metric
    inner join deviations
        on rates.metric = deviations.metric
    where
        rates.rate is not null
        and deviations.mad > 0
        and medians.stores_compared >= {{ var('cross_store_min_stores') }}

),

final as (

    select
        'cross_store' as audit,
        scored.metric || '_outlier' as rule,
        'warning' as severity,
        scored.store_id,
        cast(null as varchar) as product_id,
        cast(null as varchar) as gtin,
        'metric' as document_type,
        scored.metric as document_id,
        window_bounds.window_end as business_date,
        cast(scored.median_rate as decimal(18, 3)) as expected,
        cast(scored.rate as decimal(18, 3)) as actual,
        cast(scored.rate - scored.median_rate as decimal(18, 3)) as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        coalesce(stores.store_name, scored.store_id) || ': its ' || replace(scored.metric, '_', ' ')
        || ' from ' || cast(window_bounds.window_start as varchar) || ' to '
        || cast(window_bounds.window_end as varchar) || ' is '
        || cast(round(100 * scored.rate, 2) as varchar) || '% against a median of '
        || cast(round(100 * scored.median_rate, 2) as varchar) || '% over '
        || cast(scored.stores_compared as varchar) || ' stores (robust z '
        || cast(round(scored.robust_z, 1) as varchar) || '). Look into the process behind it.' as message
    from scored
    cross join window_bounds
    left join stores
        on scored.store_id = stores.store_id
    where abs(scored.robust_z) > {{ var('cross_store_z_threshold') }}

)

select * from final

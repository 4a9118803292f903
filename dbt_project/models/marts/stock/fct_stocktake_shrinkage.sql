-- Shrinkage per stocktake and GTIN: book stock at the count's cut-off time - counted, in units, at
-- moving-average cost and at net retail price (head office's retail price of the stocktake's
-- business date from its price history, without VAT; the current price where the history has none).
-- Book stock at the cut-off is the on-hand interval in force at the count's time (movements up to
-- and including that instant), so the stocktake's own correction, booked after the count, is not
-- in it. Modern stores send their counts; legacy stores send only the stocktake correction
-- movements, so there counted = book just before the correction + the correction.

with

counts as (

    select * from {{ ref('stg_store__stocktake_counts') }}

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

costs as (

    select * from {{ ref('fct_moving_average_costs') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

prices as (

    select * from {{ ref('stg_head_office__product_prices') }}

),

modern_counts as (

    select
        counts.store_id,
        counts.stocktake_id,
        counts.gtin,
        counts.counted_at,
        counts.business_date,
        coalesce(intervals.on_hand_qty, 0) as book_qty,
        counts.counted_qty,
        counts.system_qty as reported_system_qty,
        'stocktake_count' as count_source
    from counts
    left join intervals
        on
            counts.store_id = intervals.store_id
            and counts.gtin = intervals.gtin
            and counts.counted_at >= intervals.valid_from
            and (counts.counted_at < intervals.valid_to or intervals.valid_to is null)

),

legacy_corrections as (

    select
        movements.store_id,
        movements.document_id as stocktake_id,
        movements.gtin,
        movements.moved_at as counted_at,
        movements.business_date,
        sum(movements.qty) as correction_qty
    from movements
    -- stores that send their counts are covered by them
    where
        movements.movement_type = 'stocktake_correction'
        and not exists (select 1 from counts where counts.store_id = movements.store_id)
    group by movements.store_id, movements.document_id, movements.gtin, movements.moved_at, movements.business_date

),

legacy_counts as (

    select
        legacy_corrections.store_id,
        legacy_corrections.stocktake_id,
        legacy_corrections.gtin,
        legacy_corrections.counted_at,
        legacy_corrections.business_date,
        intervals.on_hand_qty - intervals.change_qty as book_qty,
        intervals.on_hand_qty - intervals.change_qty + legacy_corrections.correction_qty as counted_qty,
        cast(null as decimal(18, 3)) as reported_system_qty,
        'stocktake_correction' as count_source
    from legacy_corrections
    inner join intervals
        on
            legacy_corrections.store_id = intervals.store_id
            and legacy_corrections.gtin = intervals.gtin
            and legacy_corrections.counted_at = intervals.valid_from

),

counted as (

    select * from modern_counts
    union all
    select * from legacy_counts

),

valued as (

    select
        counted.*,
        counted.book_qty - counted.counted_qty as shrink_qty,
        coalesce(costs.moving_avg_cost, products.cost_price) as unit_cost,
        coalesce(
            round(prices.retail_price_gross / (1 + products.vat_rate), 4), products.retail_price_net
        ) as retail_price_net
    from counted
    left join costs
        on
            counted.store_id = costs.store_id
            and counted.gtin = costs.gtin
            and counted.counted_at >= costs.valid_from
            and (counted.counted_at < costs.valid_to or costs.valid_to is null)
    left join products
        on counted.gtin = products.gtin
    left join prices
        on
            products.product_id = prices.product_id
            and counted.business_date >= prices.valid_from
            and (counted.business_date < prices.valid_to or prices.valid_to is null)

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', valued.store_id, valued.stocktake_id, valued.gtin)") }} as varchar)
            as shrinkage_key,
        cast(valued.store_id as varchar) as store_id,
        cast(valued.stocktake_id as varchar) as stocktake_id,
        cast(products.product_id as varchar) as product_id,
        cast(valued.gtin as varchar) as gtin,
        cast(valued.counted_at as timestamp) as counted_at,
        cast(valued.business_date as date) as business_date,
        cast(valued.book_qty as decimal(18, 3)) as book_qty,
        cast(valued.counted_qty as decimal(18, 3)) as counted_qty,
        cast(valued.reported_system_qty as decimal(18, 3)) as reported_system_qty,
        cast(valued.shrink_qty as decimal(18, 3)) as shrink_qty,
        cast(valued.unit_cost as decimal(18, 6)) as unit_cost,
        cast(round(valued.shrink_qty * valued.unit_cost, 4) as decimal(18, 4)) as shrink_amount_cost,
        cast(valued.retail_price_net as decimal(18, 4)) as retail_price_net,
        cast(round(valued.shrink_qty * valued.retail_price_net, 4) as decimal(18, 4)) as shrink_amount_retail_net,
        cast(valued.count_source as varchar) as count_source
    from valued
    left join products
        on valued.gtin = products.gtin

)

select * from final

-- Stocktakes audit: what a stocktake counted against the system stock, per store and product.
-- System stock: the count's system_qty (modern stores), else the warehouse's on-hand just before the
-- stocktake correction (legacy stores send only the correction movement). Loss = system - counted.
-- The usual shrinkage is estimated from the store's own stocktakes: losses come one unit at a time,
-- so the loss of a product is about Poisson with the store's mean loss per counted product
-- (lambda). A loss is beyond tolerance when it is at least var stocktakes_shrinkage_min_qty units
-- and such a loss (or more) would happen with probability below var stocktakes_shrinkage_p_value
-- while it is at least var stocktakes_shrinkage_tolerance_share of the system stock, or below
-- var stocktakes_shrinkage_p_value_any_share whatever the share (a delivery after the loss can
-- make a large loss a small share of the count). Both probabilities are per stocktake: each
-- product's tail is compared with the probability divided by the products the store keeps
-- (Bonferroni), so a count of thousands of products does not flag its usual losses by chance. Rules:
--   shrinkage_beyond_tolerance   such a loss
--   stocktake_not_booked         a counted difference without (or unlike) its stocktake correction
--   system_qty_differs_from_ledger  the store's system stock at the count differs from the on-hand
--                                the warehouse computes from the store's movements

with

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

counts as (

    select * from {{ ref('stg_store__stocktake_counts') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

corrections as (

    select
        store_id,
        document_id as stocktake_id,
        gtin,
        sum(qty) as qty_correction,
        min(moved_at) as corrected_at,
        min(business_date) as business_date
    from movements
    where movement_type = 'stocktake_correction' and document_type = 'stocktake'
    group by store_id, document_id, gtin

),

corrections_with_ledger as (

    select
        corrections.*,
        coalesce(before_correction.on_hand_qty, 0) as ledger_qty_before
    from corrections
    left join intervals as before_correction
        on
            corrections.store_id = before_correction.store_id
            and corrections.gtin = before_correction.gtin
            and before_correction.valid_to = corrections.corrected_at

),

counts_with_ledger as (

    select
        counts.*,
        coalesce(at_count.on_hand_qty, 0) as ledger_qty_at_count
    from counts
    left join intervals as at_count
        on
            counts.store_id = at_count.store_id
            and counts.gtin = at_count.gtin
            and at_count.valid_from <= counts.counted_at
            and (at_count.valid_to > counts.counted_at or at_count.valid_to is null)

),

stocktakes as (

    select
        coalesce(counts_with_ledger.store_id, corrections_with_ledger.store_id) as store_id,
        coalesce(counts_with_ledger.stocktake_id, corrections_with_ledger.stocktake_id) as stocktake_id,
        coalesce(counts_with_ledger.gtin, corrections_with_ledger.gtin) as gtin,
        coalesce(counts_with_ledger.business_date, corrections_with_ledger.business_date) as business_date,
        counts_with_ledger.counted_qty,
        counts_with_ledger.system_qty as reported_system_qty,
        counts_with_ledger.ledger_qty_at_count,
        corrections_with_ledger.qty_correction,
        corrections_with_ledger.ledger_qty_before,
        coalesce(counts_with_ledger.system_qty, corrections_with_ledger.ledger_qty_before) as system_qty,
        coalesce(
            counts_with_ledger.counted_qty,
            corrections_with_ledger.ledger_qty_before + corrections_with_ledger.qty_correction
        ) as counted_qty_final
    from counts_with_ledger
    full outer join corrections_with_ledger
        on
            counts_with_ledger.store_id = corrections_with_ledger.store_id
            and counts_with_ledger.stocktake_id = corrections_with_ledger.stocktake_id
            and counts_with_ledger.gtin = corrections_with_ledger.gtin

),

assortments as (

    -- the products a store keeps (legacy stores send corrections only for products that differ,
    -- so the products counted are the store's assortment, not the corrections)
    select store_id, count(distinct gtin) as products_kept
    from movements
    group by store_id

),

usual_shrinkage as (

    -- mean loss per product of each store's stocktakes (the Poisson lambda)
    select
        stocktakes.store_id,
        greatest(
            sum(greatest(stocktakes.system_qty - stocktakes.counted_qty_final, 0))
            / greatest(any_value(assortments.products_kept), count(*)),
            0.01
        ) as mean_loss_qty,
        greatest(any_value(assortments.products_kept), count(*)) as products_counted
    from stocktakes
    inner join assortments
        on stocktakes.store_id = assortments.store_id
    where stocktakes.system_qty is not null and stocktakes.counted_qty_final is not null
    group by stocktakes.store_id

),

loss_probabilities as (

    -- P(loss = k) for k = 0..200 units under each store's usual shrinkage
    select
        usual_shrinkage.store_id,
        usual_shrinkage.mean_loss_qty,
        usual_shrinkage.products_counted,
        units.k,
        exp(-usual_shrinkage.mean_loss_qty + units.k * ln(usual_shrinkage.mean_loss_qty) - lgamma(units.k + 1))
            as probability
    from usual_shrinkage
    cross join (select range as k from range(0, 201)) as units

),

loss_tails as (

    select
        store_id,
        mean_loss_qty,
        products_counted,
        k,
        -- P(loss >= k)
        1 - coalesce(sum(probability) over (
            partition by store_id order by k rows between unbounded preceding and 1 preceding
        ), 0) as tail_probability
    from loss_probabilities

),

tolerances as (

    select
        store_id,
        any_value(mean_loss_qty) as mean_loss_qty,
        greatest(
            coalesce(min(case when tail_probability < {{ var('stocktakes_shrinkage_p_value') }} / products_counted then k end), 201),
            {{ var('stocktakes_shrinkage_min_qty') }}
        ) as tolerated_below_qty,
        greatest(
            coalesce(
                min(case when tail_probability < {{ var('stocktakes_shrinkage_p_value_any_share') }} / products_counted then k end),
                201
            ),
            {{ var('stocktakes_shrinkage_min_qty') }}
        ) as tolerated_below_qty_any_share
    from loss_tails
    group by store_id

),

shrinkage as (

    select
        'shrinkage_beyond_tolerance' as rule,
        stocktakes.store_id,
        stocktakes.gtin,
        stocktakes.stocktake_id,
        stocktakes.business_date,
        stocktakes.system_qty as expected,
        stocktakes.counted_qty_final as actual,
        stocktakes.counted_qty_final - stocktakes.system_qty as difference,
        'the stocktake ' || stocktakes.stocktake_id || ' counted ' || {{ format_qty('stocktakes.counted_qty_final') }}
        || ' of ' || {{ format_qty('stocktakes.system_qty') }} || ' in the system: a loss of '
        || {{ format_qty('stocktakes.system_qty - stocktakes.counted_qty_final') }}
        || ', where the store usually loses ' || cast(round(tolerances.mean_loss_qty, 2) as varchar)
        || ' per product (a loss of ' || cast(tolerances.tolerated_below_qty as varchar)
        || ' or more is beyond tolerance). Look for theft, damage or unbooked deliveries, then '
        || 'secure the product.' as what
    from stocktakes
    inner join tolerances
        on stocktakes.store_id = tolerances.store_id
    where
        stocktakes.system_qty - stocktakes.counted_qty_final >= tolerances.tolerated_below_qty_any_share
        or (
            stocktakes.system_qty - stocktakes.counted_qty_final >= tolerances.tolerated_below_qty
            and stocktakes.system_qty - stocktakes.counted_qty_final
            >= {{ var('stocktakes_shrinkage_tolerance_share') }} * stocktakes.system_qty
        )

),

not_booked as (

    select
        'stocktake_not_booked' as rule,
        store_id,
        gtin,
        stocktake_id,
        business_date,
        counted_qty - reported_system_qty as expected,
        coalesce(qty_correction, 0) as actual,
        coalesce(qty_correction, 0) - (counted_qty - reported_system_qty) as difference,
        'the stocktake ' || stocktake_id || ' counted ' || {{ format_qty('counted_qty') }} || ' against '
        || {{ format_qty('reported_system_qty') }} || ' in the system, but the stocktake correction booked '
        || {{ format_qty('coalesce(qty_correction, 0)') }} || '. Book the stocktake correction.' as what
    from stocktakes
    where
        counted_qty is not null
        and abs(coalesce(qty_correction, 0) - (counted_qty - reported_system_qty)) > 0.0005

),

ledger_differs as (

    select
        'system_qty_differs_from_ledger' as rule,
        store_id,
        gtin,
        stocktake_id,
        business_date,
        ledger_qty_at_count as expected,
        reported_system_qty as actual,
        reported_system_qty - ledger_qty_at_count as difference,
        'at the stocktake ' || stocktake_id || ' the store system held ' || {{ format_qty('reported_system_qty') }}
        || ' but its own stock movements give ' || {{ format_qty('ledger_qty_at_count') }}
        || '. Look for a movement the store system did not send.' as what
    from stocktakes
    where
        reported_system_qty is not null
        and abs(reported_system_qty - ledger_qty_at_count) > 0.0005

),

unioned as (

    select * from shrinkage
    union all
    select * from not_booked
    union all
    select * from ledger_differs

),

final as (

    select
        'stocktakes' as audit,
        unioned.rule,
        'warning' as severity,
        unioned.store_id,
        products.product_id,
        unioned.gtin,
        'stocktake' as document_type,
        unioned.stocktake_id as document_id,
        unioned.business_date,
        unioned.expected,
        unioned.actual,
        unioned.difference,
        unioned.difference * products.cost_price as amount_cost,
        coalesce(stores.store_name, unioned.store_id) || ', '
        || {{ product_label('products.product_name', 'unioned.gtin') }} || ': ' || unioned.what as message
    from unioned
    left join products
        on unioned.gtin = products.gtin
    left join stores
        on unioned.store_id = stores.store_id

)

select * from final

-- Stock ledger audit: per store and product, the on-hand the warehouse computes from the store's own
-- movements against the on-hand the store system reports. A modern store reports now
-- (stock_on_hand), so the current on-hand interval applies; a legacy store reports at the end of a
-- business day (its daily stock file), so its movements up to that day apply. A GTIN the store
-- reports but never moved, or moved but does not report, counts as 0 on the missing side.
-- |difference| above var stock_ledger_tolerance_qty is a finding (rule reported_on_hand_differs).

with

reported as (

    select * from {{ ref('int_stock_levels_reported') }}

),

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

reporting_stores as (

    -- stores that report stock, with their latest report (what an unreported GTIN is compared in)
    select
        store_id,
        any_value(source_system) as source_system,
        max(report_date) as latest_report_date,
        arg_max(report_document_type, coalesce(report_date, date '1900-01-01')) as latest_document_type,
        arg_max(report_document_id, coalesce(report_date, date '1900-01-01')) as latest_document_id
    from reported
    group by store_id

),

pairs as (

    select store_id, gtin from reported
    union
    select movements.store_id, movements.gtin
    from movements
    inner join reporting_stores
        on movements.store_id = reporting_stores.store_id

),

pairs_with_report as (

    select
        pairs.store_id,
        pairs.gtin,
        reporting_stores.source_system,
        coalesce(reported.report_date, reporting_stores.latest_report_date) as report_date,
        cast(reported.reported_at as date) as reported_date,
        coalesce(reported.reported_on_hand_qty, 0) as actual_qty,
        coalesce(reported.report_document_type, reporting_stores.latest_document_type) as document_type,
        coalesce(reported.report_document_id, reporting_stores.latest_document_id) as document_id
    from pairs
    inner join reporting_stores
        on pairs.store_id = reporting_stores.store_id
    left join reported
        on
            pairs.store_id = reported.store_id
            and pairs.gtin = reported.gtin

),

current_on_hand as (

    select store_id, gtin, on_hand_qty from intervals
    where is_current

),

on_hand_at_report_date as (

    select
        pairs_with_report.store_id,
        pairs_with_report.gtin,
        sum(movements.qty) as on_hand_qty
    from pairs_with_report
    inner join movements
        on
            pairs_with_report.store_id = movements.store_id
            and pairs_with_report.gtin = movements.gtin
            and movements.business_date <= pairs_with_report.report_date
    where pairs_with_report.source_system = 'legacy'
    group by pairs_with_report.store_id, pairs_with_report.gtin

),

compared as (

    select
        pairs_with_report.*,
        coalesce(
            case
                when pairs_with_report.source_system = 'legacy' then on_hand_at_report_date.on_hand_qty
                else current_on_hand.on_hand_qty
            end,
            0
        ) as expected_qty
    from pairs_with_report
    left join current_on_hand
        on
            pairs_with_report.store_id = current_on_hand.store_id
            and pairs_with_report.gtin = current_on_hand.gtin
    left join on_hand_at_report_date
        on
            pairs_with_report.store_id = on_hand_at_report_date.store_id
            and pairs_with_report.gtin = on_hand_at_report_date.gtin

),

final as (

    select
        'stock_ledger' as audit,
        'reported_on_hand_differs' as rule,
        'warning' as severity,
        compared.store_id,
        products.product_id,
        compared.gtin,
        compared.document_type,
        compared.document_id,
        coalesce(compared.report_date, compared.reported_date) as business_date,
        compared.expected_qty as expected,
        compared.actual_qty as actual,
        compared.actual_qty - compared.expected_qty as difference,
        (compared.actual_qty - compared.expected_qty) * products.cost_price as amount_cost,
        coalesce(stores.store_name, compared.store_id) || ': the store system reports '
        || {{ format_qty('compared.actual_qty') }}
        || case when products.unit = 'kg' then ' kg of ' else ' units of ' end
        || coalesce(products.product_name, 'unknown GTIN ' || compared.gtin)
        || ' but its stock movements give ' || {{ format_qty('compared.expected_qty') }}
        || ' (difference ' || {{ format_qty('compared.actual_qty - compared.expected_qty') }}
        || '). Count the shelf, then book the missing movement or correct the stock.' as message
    from compared
    left join stores
        on compared.store_id = stores.store_id
    left join products
        on compared.gtin = products.gtin
    where abs(compared.actual_qty - compared.expected_qty) > {{ var('stock_ledger_tolerance_qty') }}

)

select * from final

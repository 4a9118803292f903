-- Sales audit: receipt totals against their lines (modern tills; rounding tolerance var
-- sales_rounding_tolerance), and POS lines against the stock movements of type sale/return that
-- name the receipt, per store, receipt and product (GTIN resolved as in int_audit_sales_lines_resolved,
-- quantities within var sales_tolerance_qty). Rules:
--   receipt_total_differs       total_gross differs from the sum of the receipt's lines
--   sale_without_movement       sold more than the sale movements cover: a line with no movement (the
--                               stock ledger stays too high)
--   movement_without_sale_line  a sale movement on a receipt that has no such line
--   sale_qty_differs            both exist, the movements cover more than was sold
--   voided_receipt_moved_stock  a voided receipt whose sale movements stand
--   movement_without_receipt    sale movements name a receipt the POS never sent
--   receipts_missing_for_day    var sales_missing_receipts_per_day or more such receipts on one store
--                               day: one finding for the day instead of one per receipt
--   sales_in_quarantine         POS lines missing because ingestion quarantined them (one finding
--                               per quarantined file, with the reason): a whole file explains its
--                               day; quarantined rows explain lines of receipts that arrived, and
--                               missing receipts up to the number of rows quarantined

with

sales_lines as (

    select * from {{ ref('int_audit_sales_lines_resolved') }}

),

receipts as (

    -- receipts the store system deleted later count as not sent
    select * from {{ ref('stg_store__receipts') }}
    where not is_deleted

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

quarantined as (

    select * from {{ ref('stg_quarantine__rows') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

known_receipts as (

    -- every receipt the POS sent: modern headers (any status), legacy export lines
    select store_id, receipt_id, business_date, receipt_status
    from receipts
    union all
    select store_id, receipt_id, min(business_date), 'completed'
    from sales_lines
    where source_system = 'legacy'
    group by store_id, receipt_id

),

receipts_per_day as (

    select store_id, business_date, count(*) as receipts_sent
    from known_receipts
    group by store_id, business_date

),

quarantined_sales_files as (

    -- legacy daily sales exports (or rows of them) refused at loading; the file names the day
    select
        source_id as store_id,
        source_file,
        cast(strptime(regexp_extract(source_file, '_([0-9]{8})_', 1), '%Y%m%d') as date) as business_date,
        count(*) as rows_quarantined,
        bool_or(is_whole_file) as is_whole_file,
        min(reason) as reason
    from quarantined
    where
        source_kind = 'legacy_store'
        and source_object = 'sales'
        and regexp_matches(source_file, '_[0-9]{8}_')
    group by source_id, source_file

),

pos as (

    select
        store_id,
        receipt_id,
        coalesce(resolved_gtin, gtin) as gtin,
        min(business_date) as business_date,
        sum(case when receipt_status = 'completed' then qty else 0 end) as qty_sold
    from sales_lines
    group by store_id, receipt_id, coalesce(resolved_gtin, gtin)

),

moved as (

    select
        store_id,
        document_id as receipt_id,
        gtin,
        min(business_date) as business_date,
        -sum(qty) as qty_moved
    from movements
    where movement_type in ('sale', 'return') and document_type = 'receipt'
    group by store_id, document_id, gtin

),

compared as (

    select
        coalesce(pos.store_id, moved.store_id) as store_id,
        coalesce(pos.receipt_id, moved.receipt_id) as receipt_id,
        coalesce(pos.gtin, moved.gtin) as gtin,
        coalesce(known_receipts.business_date, moved.business_date, pos.business_date) as business_date,
        pos.qty_sold,
        moved.qty_moved,
        coalesce(pos.qty_sold, 0) - coalesce(moved.qty_moved, 0) as qty_difference,
        known_receipts.receipt_id is not null as is_receipt_known,
        known_receipts.receipt_status
    from pos
    full outer join moved
        on
            pos.store_id = moved.store_id
            and pos.receipt_id = moved.receipt_id
            and pos.gtin = moved.gtin
    left join known_receipts
        on
            coalesce(pos.store_id, moved.store_id) = known_receipts.store_id
            and coalesce(pos.receipt_id, moved.receipt_id) = known_receipts.receipt_id

),

differences as (

    select
        compared.*,
        quarantined_sales_files.source_file as quarantined_file,
        coalesce(quarantined_sales_files.is_whole_file, false) as is_file_quarantined,
        coalesce(quarantined_sales_files.rows_quarantined, 0) as rows_quarantined,
        count(distinct case when not compared.is_receipt_known then compared.receipt_id end) over (
            partition by compared.store_id, compared.business_date
        ) as unknown_receipts_of_day
    from compared
    left join quarantined_sales_files
        on
            compared.store_id = quarantined_sales_files.store_id
            and compared.business_date = quarantined_sales_files.business_date
    where abs(compared.qty_difference) > {{ var('sales_tolerance_qty') }}

),

classified as (

    -- a quarantined file explains its whole day; quarantined rows explain the lines of receipts
    -- that did arrive, and missing receipts only as many as rows were quarantined
    select
        *,
        case
            when
                quarantined_file is not null
                and (is_file_quarantined or is_receipt_known or unknown_receipts_of_day <= rows_quarantined)
                then 'sales_in_quarantine'
            when not is_receipt_known then 'movement_without_receipt'
            when receipt_status = 'voided' then 'voided_receipt_moved_stock'
            -- sold more than moved: a line sold without its movement, also when another line of
            -- the same product on the receipt did move (weighed items often sit on two lines)
            when qty_moved is null or qty_sold > qty_moved then 'sale_without_movement'
            when coalesce(qty_sold, 0) = 0 then 'movement_without_sale_line'
            else 'sale_qty_differs'
        end as rule
    from differences

),

missing_receipts as (

    select
        store_id,
        business_date,
        receipt_id,
        sum(qty_moved) as qty_moved
    from classified
    where rule = 'movement_without_receipt'
    group by store_id, business_date, receipt_id

),

missing_per_day as (

    select
        store_id,
        business_date,
        count(*) as receipts_missing
    from missing_receipts
    group by store_id, business_date

),

line_findings as (

    select
        classified.rule,
        classified.store_id,
        classified.gtin,
        'receipt' as document_type,
        classified.receipt_id as document_id,
        classified.business_date,
        coalesce(classified.qty_moved, 0) as expected,
        coalesce(classified.qty_sold, 0) as actual,
        classified.qty_difference as difference,
        classified.qty_difference * products.cost_price as amount_cost,
        case classified.rule
            when 'sale_without_movement' then
                'receipt ' || classified.receipt_id || ' sold ' || {{ format_qty('classified.qty_difference') }}
                || {{ units_of('products.unit') }} || {{ product_label('products.product_name', 'classified.gtin') }}
                || ' with no stock movement booked for it, so the system stock is too high. '
                || 'Book the missing sale movement.'
            when 'movement_without_sale_line' then
                'a sale movement of ' || {{ format_qty('classified.qty_moved') }}
                || {{ units_of('products.unit') }} || {{ product_label('products.product_name', 'classified.gtin') }}
                || ' names receipt ' || classified.receipt_id
                || ', which has no such line. Check the receipt and the movement.'
            when 'voided_receipt_moved_stock' then
                'receipt ' || classified.receipt_id || ' was voided but its stock movement of '
                || {{ format_qty('classified.qty_moved') }} || {{ units_of('products.unit') }}
                || {{ product_label('products.product_name', 'classified.gtin') }}
                || ' still stands. Reverse the movement.'
            else
                'receipt ' || classified.receipt_id || ' sold ' || {{ format_qty('classified.qty_sold') }}
                || {{ units_of('products.unit') }} || {{ product_label('products.product_name', 'classified.gtin') }}
                || ' but the stock movements show ' || {{ format_qty('classified.qty_moved') }}
                || '. Check the receipt against the movements.'
        end as what
    from classified
    left join products
        on classified.gtin = products.gtin
    where classified.rule in (
        'sale_without_movement', 'movement_without_sale_line', 'voided_receipt_moved_stock',
        'sale_qty_differs'
    )

),

receipt_findings as (

    select
        'movement_without_receipt' as rule,
        missing_receipts.store_id,
        cast(null as varchar) as gtin,
        'receipt' as document_type,
        missing_receipts.receipt_id as document_id,
        missing_receipts.business_date,
        missing_receipts.qty_moved as expected,
        cast(0 as decimal(18, 3)) as actual,
        -missing_receipts.qty_moved as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        'stock movements of ' || cast(missing_receipts.business_date as varchar) || ' name receipt '
        || missing_receipts.receipt_id || ' (' || {{ format_qty('missing_receipts.qty_moved') }}
        || ' units), but the till never sent that receipt (deleted or lost). '
        || 'Find the receipt in the till and have it sent again.' as what
    from missing_receipts
    inner join missing_per_day
        on
            missing_receipts.store_id = missing_per_day.store_id
            and missing_receipts.business_date = missing_per_day.business_date
    where missing_per_day.receipts_missing < {{ var('sales_missing_receipts_per_day') }}

),

day_findings as (

    select
        'receipts_missing_for_day' as rule,
        missing_per_day.store_id,
        cast(null as varchar) as gtin,
        'business_day' as document_type,
        cast(missing_per_day.business_date as varchar) as document_id,
        missing_per_day.business_date,
        cast(coalesce(receipts_per_day.receipts_sent, 0) + missing_per_day.receipts_missing as decimal(18, 3))
            as expected,
        cast(coalesce(receipts_per_day.receipts_sent, 0) as decimal(18, 3)) as actual,
        -cast(missing_per_day.receipts_missing as decimal(18, 3)) as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        cast(missing_per_day.receipts_missing as varchar) || ' receipts of '
        || cast(missing_per_day.business_date as varchar)
        || ' never arrived from the till, though their stock movements did ('
        || cast(coalesce(receipts_per_day.receipts_sent, 0) as varchar)
        || ' receipts arrived). Have the till send that day again.' as what
    from missing_per_day
    left join receipts_per_day
        on
            missing_per_day.store_id = receipts_per_day.store_id
            and missing_per_day.business_date = receipts_per_day.business_date
    where missing_per_day.receipts_missing >= {{ var('sales_missing_receipts_per_day') }}

),

quarantine_findings as (

    select
        'sales_in_quarantine' as rule,
        classified.store_id,
        cast(null as varchar) as gtin,
        'file' as document_type,
        classified.quarantined_file as document_id,
        classified.business_date,
        sum(coalesce(classified.qty_moved, 0)) as expected,
        sum(coalesce(classified.qty_sold, 0)) as actual,
        sum(classified.qty_difference) as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        'stock movements of ' || cast(classified.business_date as varchar) || ' show '
        || {{ format_qty('-sum(classified.qty_difference)') }}
        || ' units sold that have no POS line: ingestion refused '
        || case when any_value(quarantined_sales_files.is_whole_file) then 'the whole sales file ' else 'rows of the sales file ' end
        || classified.quarantined_file || ' (' || any_value(quarantined_sales_files.reason)
        || '). Have the export sent again.' as what
    from classified
    inner join quarantined_sales_files
        on
            classified.store_id = quarantined_sales_files.store_id
            and classified.quarantined_file = quarantined_sales_files.source_file
    where classified.rule = 'sales_in_quarantine'
    group by classified.store_id, classified.quarantined_file, classified.business_date

),

line_totals as (

    select
        store_id,
        receipt_id,
        sum(line_total_gross) as lines_total_gross
    from sales_lines
    where source_system = 'modern'
    group by store_id, receipt_id

),

total_findings as (

    select
        'receipt_total_differs' as rule,
        receipts.store_id,
        cast(null as varchar) as gtin,
        'receipt' as document_type,
        receipts.receipt_id as document_id,
        receipts.business_date,
        cast(line_totals.lines_total_gross as decimal(18, 3)) as expected,
        cast(receipts.total_gross as decimal(18, 3)) as actual,
        cast(receipts.total_gross - line_totals.lines_total_gross as decimal(18, 3)) as difference,
        cast(receipts.total_gross - line_totals.lines_total_gross as decimal(18, 4)) as amount_cost,
        'receipt ' || receipts.receipt_id || ' shows a total of ' || {{ format_money('receipts.total_gross') }}
        || ' but its lines add up to ' || {{ format_money('line_totals.lines_total_gross') }}
        || '. Check the till''s receipt and the cash count of that day.' as what
    from receipts
    inner join line_totals
        on
            receipts.store_id = line_totals.store_id
            and receipts.receipt_id = line_totals.receipt_id
    where abs(receipts.total_gross - line_totals.lines_total_gross) > {{ var('sales_rounding_tolerance') }}

),

unioned as (

    select * from line_findings
    union all
    select * from receipt_findings
    union all
    select * from day_findings
    union all
    select * from quarantine_findings
    union all
    select * from total_findings

),

final as (

    select
        'sales' as audit,
        unioned.rule,
        'warning' as severity,
        unioned.store_id,
        products.product_id,
        unioned.gtin,
        unioned.document_type,
        unioned.document_id,
        unioned.business_date,
        unioned.expected,
        unioned.actual,
        unioned.difference,
        unioned.amount_cost,
        coalesce(stores.store_name, unioned.store_id) || ': ' || unioned.what as message
    from unioned
    left join products
        on unioned.gtin = products.gtin
    left join stores
        on unioned.store_id = stores.store_id

)

select * from final

-- Purchasing audit: head office's purchase order, the supplier's order confirmation and shipping
-- notice (ASN), and the store's goods receipt (movement goods_receipt, document = the PO) must agree.
-- Due date of an order: the confirmed delivery date, else order date + the supplier's promised lead
-- time. Arrival: the store's first goods receipt, else the day head office marked the order received.
-- Rules:
--   goods_receipt_duplicated  the same PO line booked in more than once (equal quantities, or more
--                             than shipped/confirmed/ordered)
--   asn_qty_differs           the ASN's quantity differs from the confirmed quantity or from what
--                             the store received (document = the ASN)
--   delivery_late             the order arrived more than var purchasing_late_after_days after its
--                             due date (one finding per PO line: the whole order came late;
--                             expected 0, actual = days late)
--   delivery_overdue          not arrived although the store's data runs past the due date
--   received_more_than_shipped one goods receipt above what was shipped/confirmed/ordered
-- Quantities compare within var purchasing_tolerance_qty.

with

purchase_orders as (

    select * from {{ ref('stg_head_office__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_head_office__purchase_order_lines') }}

),

suppliers as (

    select * from {{ ref('stg_head_office__suppliers') }}

),

confirmations as (

    select * from {{ ref('stg_supplier__order_confirmation_lines') }}

),

asn_lines as (

    select * from {{ ref('stg_supplier__asn_lines') }}

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

coverage as (

    select * from {{ ref('int_audit_store_coverage') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

order_lines as (

    select
        purchase_order_lines.po_id,
        purchase_order_lines.line_no,
        purchase_order_lines.gtin,
        purchase_order_lines.qty_ordered,
        purchase_order_lines.unit_cost,
        purchase_orders.store_id,
        purchase_orders.supplier_id,
        purchase_orders.ordered_at,
        purchase_orders.po_status,
        purchase_orders.updated_at as po_updated_at
    from purchase_order_lines
    inner join purchase_orders
        on purchase_order_lines.po_id = purchase_orders.po_id

),

confirmed as (

    select
        po_id,
        gtin,
        sum(qty_confirmed) as qty_confirmed,
        max(confirmed_delivery_date) as confirmed_delivery_date
    from confirmations
    group by po_id, gtin

),

shipped as (

    select
        po_id,
        gtin,
        min(asn_id) as asn_id,
        sum(qty_shipped) as qty_shipped,
        min(shipped_date) as shipped_date
    from asn_lines
    group by po_id, gtin

),

received as (

    select
        store_id,
        document_id as po_id,
        gtin,
        count(*) as receipts_booked,
        sum(qty) as qty_received,
        min(qty) as min_receipt_qty,
        max(qty) as max_receipt_qty,
        min(business_date) as first_received_date
    from movements
    where movement_type = 'goods_receipt' and document_type = 'purchase_order'
    group by store_id, document_id, gtin

),

lines_joined as (

    select
        order_lines.*,
        confirmed.qty_confirmed,
        confirmed.confirmed_delivery_date,
        shipped.asn_id,
        shipped.qty_shipped,
        received.receipts_booked,
        received.qty_received,
        received.min_receipt_qty,
        received.max_receipt_qty,
        received.first_received_date,
        coalesce(shipped.qty_shipped, confirmed.qty_confirmed, order_lines.qty_ordered) as qty_reference,
        cast({{ utc_to_local('order_lines.ordered_at', 'coalesce(stores.timezone, ' ~ "'" ~ var('source_timezone') ~ "'" ~ ')') }} as date)
            as ordered_date,
        cast({{ utc_to_local('order_lines.po_updated_at', 'coalesce(stores.timezone, ' ~ "'" ~ var('source_timezone') ~ "'" ~ ')') }} as date)
            as po_updated_date,
        suppliers.lead_time_days
    from order_lines
    left join confirmed
        on order_lines.po_id = confirmed.po_id and order_lines.gtin = confirmed.gtin
    left join shipped
        on order_lines.po_id = shipped.po_id and order_lines.gtin = shipped.gtin
    left join received
        on
            order_lines.po_id = received.po_id
            and order_lines.gtin = received.gtin
            and order_lines.store_id = received.store_id
    left join stores
        on order_lines.store_id = stores.store_id
    left join suppliers
        on order_lines.supplier_id = suppliers.supplier_id

),

orders_timed as (

    -- an order arrives (or is late) as a whole
    select
        po_id,
        coalesce(
            max(confirmed_delivery_date),
            cast({{ dbt.dateadd('day', 'max(lead_time_days)', 'min(ordered_date)') }} as date)
        ) as due_date,
        max(confirmed_delivery_date) is not null as is_confirmed_date,
        coalesce(
            min(first_received_date),
            case when max(po_status) = 'received' then max(po_updated_date) end
        ) as arrived_date,
        min(first_received_date) is null as is_arrival_from_head_office,
        sum(coalesce(qty_confirmed, qty_ordered)) as qty_expected_total
    from lines_joined
    group by po_id

),

asn_judged as (

    select
        lines_joined.*,
        -- with a goods receipt booked twice, one booking is what arrived
        case
            when lines_joined.receipts_booked > 1 then lines_joined.max_receipt_qty
            else lines_joined.qty_received
        end as qty_received_once
    from lines_joined
    where lines_joined.asn_id is not null

),

duplicated as (

    select
        'goods_receipt_duplicated' as rule,
        store_id,
        gtin,
        'purchase_order' as document_type,
        po_id as document_id,
        first_received_date as business_date,
        qty_reference as expected,
        qty_received as actual,
        qty_received - qty_reference as difference,
        'the goods receipt of purchase order ' || po_id || ' was booked ' || cast(receipts_booked as varchar)
        || ' times (' || {{ format_qty('qty_received') }} || ' in total, '
        || case
            when qty_shipped is not null then 'the supplier shipped '
            when qty_confirmed is not null then 'the supplier confirmed '
            else 'head office ordered '
        end
        || {{ format_qty('qty_reference') }}
        || '). Cancel the extra goods receipt.' as what
    from lines_joined
    where
        receipts_booked > 1
        and (
            min_receipt_qty = max_receipt_qty
            or qty_received - qty_reference > {{ var('purchasing_tolerance_qty') }}
        )

),

over_received as (

    select
        'received_more_than_shipped' as rule,
        store_id,
        gtin,
        'purchase_order' as document_type,
        po_id as document_id,
        first_received_date as business_date,
        qty_reference as expected,
        qty_received as actual,
        qty_received - qty_reference as difference,
        'purchase order ' || po_id || ' was booked in with ' || {{ format_qty('qty_received') }}
        || ' but only ' || {{ format_qty('qty_reference') }}
        || case
            when qty_shipped is not null then ' were shipped'
            when qty_confirmed is not null then ' were confirmed'
            else ' were ordered'
        end
        || '. Count the delivery and correct the goods receipt.' as what
    from lines_joined
    where
        receipts_booked = 1
        and qty_received - qty_reference > {{ var('purchasing_tolerance_qty') }}

),

asn_differs as (

    select
        'asn_qty_differs' as rule,
        asn_judged.store_id,
        asn_judged.gtin,
        'asn' as document_type,
        asn_judged.asn_id as document_id,
        coalesce(asn_judged.first_received_date, orders_timed.due_date) as business_date,
        coalesce(asn_judged.qty_received_once, asn_judged.qty_confirmed) as expected,
        asn_judged.qty_shipped as actual,
        asn_judged.qty_shipped - coalesce(asn_judged.qty_received_once, asn_judged.qty_confirmed)
            as difference,
        'the supplier''s shipping notice ' || asn_judged.asn_id || ' for purchase order '
        || asn_judged.po_id || ' states ' || {{ format_qty('asn_judged.qty_shipped') }} || ' but '
        || case
            when asn_judged.qty_received_once is not null
                then 'the store received ' || {{ format_qty('asn_judged.qty_received_once') }}
            else 'the supplier confirmed ' || {{ format_qty('asn_judged.qty_confirmed') }}
        end
        || '. Check the delivery note and claim the difference from the supplier.' as what
    from asn_judged
    inner join orders_timed
        on asn_judged.po_id = orders_timed.po_id
    where
        abs(asn_judged.qty_shipped - asn_judged.qty_confirmed) > {{ var('purchasing_tolerance_qty') }}
        or abs(asn_judged.qty_shipped - asn_judged.qty_received_once) > {{ var('purchasing_tolerance_qty') }}

),

late as (

    select
        'delivery_late' as rule,
        lines_joined.store_id,
        lines_joined.gtin,
        'purchase_order' as document_type,
        lines_joined.po_id as document_id,
        orders_timed.arrived_date as business_date,
        cast(0 as decimal(18, 3)) as expected,
        cast({{ dbt.datediff('orders_timed.due_date', 'orders_timed.arrived_date', 'day') }} as decimal(18, 3))
            as actual,
        cast({{ dbt.datediff('orders_timed.due_date', 'orders_timed.arrived_date', 'day') }} as decimal(18, 3))
            as difference,
        'purchase order ' || lines_joined.po_id || ' was due on ' || cast(orders_timed.due_date as varchar)
        || case when orders_timed.is_confirmed_date then ' (confirmed by the supplier)' else ' (promised lead time)' end
        || ' and arrived on ' || cast(orders_timed.arrived_date as varchar) || ', '
        || cast({{ dbt.datediff('orders_timed.due_date', 'orders_timed.arrived_date', 'day') }} as varchar)
        || ' day(s) late'
        || case
            when coalesce(lines_joined.qty_received, 0) = 0 then '; this line was not delivered'
            else ''
        end
        || '. Record it with the supplier; reorder earlier if it repeats.' as what
    from lines_joined
    inner join orders_timed
        on lines_joined.po_id = orders_timed.po_id
    where
        orders_timed.arrived_date
        > {{ dbt.dateadd('day', var('purchasing_late_after_days'), 'orders_timed.due_date') }}

),

overdue as (

    select
        'delivery_overdue' as rule,
        lines_joined.store_id,
        lines_joined.gtin,
        'purchase_order' as document_type,
        lines_joined.po_id as document_id,
        orders_timed.due_date as business_date,
        coalesce(lines_joined.qty_confirmed, lines_joined.qty_ordered) as expected,
        cast(0 as decimal(18, 3)) as actual,
        -coalesce(lines_joined.qty_confirmed, lines_joined.qty_ordered) as difference,
        'purchase order ' || lines_joined.po_id || ' was due on ' || cast(orders_timed.due_date as varchar)
        || ' and has not arrived (the store''s data runs to ' || cast(coverage.last_business_date as varchar)
        || '). Chase the supplier.' as what
    from lines_joined
    inner join orders_timed
        on lines_joined.po_id = orders_timed.po_id
    inner join coverage
        on lines_joined.store_id = coverage.store_id
    where
        orders_timed.arrived_date is null
        and orders_timed.qty_expected_total > 0
        and coalesce(lines_joined.qty_confirmed, lines_joined.qty_ordered) > 0
        and coverage.last_business_date
        > {{ dbt.dateadd('day', var('purchasing_late_after_days'), 'orders_timed.due_date') }}

),

unioned as (

    select * from duplicated
    union all
    select * from over_received
    union all
    select * from asn_differs
    union all
    select * from late
    union all
    select * from overdue

),

final as (

    select
        'purchasing' as audit,
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
        case
            when unioned.rule = 'delivery_late'
                then null
            else unioned.difference * products.cost_price
        end as amount_cost,
        coalesce(stores.store_name, unioned.store_id) || ', '
        || {{ product_label('products.product_name', 'unioned.gtin') }} || ': ' || unioned.what as message
    from unioned
    left join products
        on unioned.gtin = products.gtin
    left join stores
        on unioned.store_id = stores.store_id

)

select * from final

-- Supplier performance from purchase order lines (head office), shipping notices (supplier feeds)
-- and goods receipts booked by the stores (movement goods_receipt, document_id = po_id, same GTIN).
-- fill_rate = received / ordered; on_time_rate = share of received PO lines whose first goods receipt
-- was on or before the requested date; lead time = first goods receipt date - order date.

with

suppliers as (

    select * from {{ ref('stg_head_office__suppliers') }}

),

purchase_orders as (

    select * from {{ ref('stg_head_office__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_head_office__purchase_order_lines') }}

),

asn_lines as (

    select * from {{ ref('stg_supplier__asn_lines') }}

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

ordered as (

    select
        purchase_orders.supplier_id,
        purchase_orders.store_id,
        purchase_orders.po_id,
        purchase_order_lines.gtin,
        cast(purchase_orders.ordered_at as date) as ordered_date,
        purchase_orders.requested_date,
        count(*) as po_lines,
        sum(purchase_order_lines.qty_ordered) as qty_ordered
    from purchase_order_lines
    inner join purchase_orders
        on purchase_order_lines.po_id = purchase_orders.po_id
    group by 1, 2, 3, 4, 5, 6

),

asn_suppliers as (

    select distinct supplier_id from asn_lines

),

shipped as (

    select
        po_id,
        gtin,
        sum(qty_shipped) as qty_shipped
    from asn_lines
    group by po_id, gtin

),

received as (

    select
        store_id,
        document_id as po_id,
        gtin,
        sum(qty) as qty_received,
        min(business_date) as first_received_date
    from movements
    where movement_type = 'goods_receipt'
    group by store_id, document_id, gtin

),

po_gtins as (

    select
        ordered.*,
        coalesce(shipped.qty_shipped, 0) as qty_shipped,
        coalesce(received.qty_received, 0) as qty_received,
        received.first_received_date,
        {{ dbt.datediff('ordered.ordered_date', 'received.first_received_date', 'day') }} as lead_time_days
    from ordered
    left join shipped
        on ordered.po_id = shipped.po_id and ordered.gtin = shipped.gtin
    left join received
        on
            ordered.po_id = received.po_id
            and ordered.gtin = received.gtin
            and ordered.store_id = received.store_id

),

per_supplier as (

    select
        supplier_id,
        sum(po_lines) as po_lines,
        sum(qty_ordered) as qty_ordered,
        sum(qty_shipped) as qty_shipped,
        sum(qty_received) as qty_received,
        count(first_received_date) as received_po_gtins,
        count(case when first_received_date <= requested_date then 1 end) as on_time_po_gtins,
        avg(lead_time_days) as avg_lead_time_days
    from po_gtins
    group by supplier_id

),

final as (

    select
        cast(suppliers.supplier_id as varchar) as supplier_id,
        cast(suppliers.supplier_name as varchar) as supplier_name,
        cast(coalesce(per_supplier.po_lines, 0) as bigint) as po_lines,
        cast(coalesce(per_supplier.qty_ordered, 0) as decimal(18, 3)) as qty_ordered,
        -- null for a supplier that sends no shipping notices (nothing to compare), not 0
        cast(
            case when asn_suppliers.supplier_id is not null then coalesce(per_supplier.qty_shipped, 0) end
            as decimal(18, 3)
        ) as qty_shipped,
        cast(coalesce(per_supplier.qty_received, 0) as decimal(18, 3)) as qty_received,
        cast(per_supplier.qty_received / nullif(per_supplier.qty_ordered, 0) as double) as fill_rate,
        cast(per_supplier.on_time_po_gtins / nullif(per_supplier.received_po_gtins, 0) as double)
            as on_time_rate,
        cast(per_supplier.avg_lead_time_days as double) as avg_lead_time_days,
        cast(suppliers.lead_time_days as integer) as promised_lead_time_days,
        asn_suppliers.supplier_id is not null as has_asn_feed
    from suppliers
    left join per_supplier
        on suppliers.supplier_id = per_supplier.supplier_id
    left join asn_suppliers
        on suppliers.supplier_id = asn_suppliers.supplier_id

)

select * from final

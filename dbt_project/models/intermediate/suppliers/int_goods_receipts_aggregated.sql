-- What each store booked against a purchase order, per GTIN: goods received (movements of type
-- goods_receipt with the order as document) and units rejected at the door (adjustments on the
-- same order: damaged units handed back), with the first and last business date of a receipt.

with

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

po_movements as (

    select * from movements
    where
        document_id is not null
        and (
            movement_type = 'goods_receipt'
            or (movement_type = 'adjustment' and document_type = 'purchase_order')
        )

),

final as (

    select
        store_id,
        document_id as po_id,
        gtin,
        sum(case when movement_type = 'goods_receipt' then qty else 0 end) as qty_received,
        -sum(case when movement_type = 'adjustment' then qty else 0 end) as qty_rejected,
        count(case when movement_type = 'goods_receipt' then 1 end) as goods_receipt_movements,
        min(case when movement_type = 'goods_receipt' then business_date end) as first_received_date,
        max(case when movement_type = 'goods_receipt' then business_date end) as last_received_date
    from po_movements
    group by store_id, document_id, gtin

)

select * from final

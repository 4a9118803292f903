-- Moving-average cost per store and GTIN as change intervals. The cost changes only at a goods
-- receipt: new cost = (on-hand before x cost before + received x purchase cost) / (on-hand before +
-- received), or simply the purchase cost when the on-hand before was zero or negative. Purchase
-- cost is the purchase order line's agreed unit cost (head office's cost price when the goods
-- receipt names no known order line). Before a store x GTIN's first goods receipt (opening stock)
-- the cost is head office's net cost price. Every other movement (sales, returns, transfers,
-- adjustments, stocktake corrections) moves units at the current average, so each store x GTIN
-- is its own recurrence: a transfer in is valued at the receiving store's average, not the sender's.
-- The recurrence runs as a recursive CTE over the goods receipts in time order.

with recursive

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

po_lines as (

    select * from {{ ref('stg_head_office__purchase_order_lines') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

po_line_costs as (

    select
        po_id,
        gtin,
        sum(qty_ordered * unit_cost) / nullif(sum(qty_ordered), 0) as unit_cost
    from po_lines
    group by po_id, gtin

),

receipt_movements as (

    select
        movements.store_id,
        movements.gtin,
        movements.moved_at,
        movements.qty,
        coalesce(po_line_costs.unit_cost, products.cost_price) as unit_cost
    from movements
    left join po_line_costs
        on
            movements.document_id = po_line_costs.po_id
            and movements.gtin = po_line_costs.gtin
    left join products
        on movements.gtin = products.gtin
    where
        movements.movement_type = 'goods_receipt'
        and movements.qty > 0

),

receipts as materialized (

    -- goods receipts of the same store x GTIN at the same instant are one receipt
    select
        store_id,
        gtin,
        moved_at as received_at,
        sum(qty) as received_qty,
        cast(sum(qty * unit_cost) / sum(qty) as decimal(18, 6)) as unit_cost
    from receipt_movements
    where unit_cost is not null
    group by store_id, gtin, moved_at

),

numbered as materialized (

    select
        receipts.store_id,
        receipts.gtin,
        receipts.received_at,
        receipts.received_qty,
        receipts.unit_cost,
        -- the change at that instant is the receipt (and anything booked at the same second)
        intervals.on_hand_qty - intervals.change_qty as on_hand_before_qty,
        row_number() over (
            partition by receipts.store_id, receipts.gtin order by receipts.received_at
        ) as receipt_no
    from receipts
    inner join intervals
        on
            receipts.store_id = intervals.store_id
            and receipts.gtin = intervals.gtin
            and receipts.received_at = intervals.valid_from

),

costs (store_id, gtin, receipt_no, valid_from, avg_cost) as (

    select
        numbered.store_id,
        numbered.gtin,
        numbered.receipt_no,
        numbered.received_at,
        cast(
            case
                when numbered.on_hand_before_qty <= 0 or products.cost_price is null
                    then numbered.unit_cost
                else
                    (numbered.on_hand_before_qty * products.cost_price + numbered.received_qty * numbered.unit_cost)
                    / (numbered.on_hand_before_qty + numbered.received_qty)
            end as decimal(18, 6)
        )
    from numbered
    left join products
        on numbered.gtin = products.gtin
    where numbered.receipt_no = 1

    union all

    select
        numbered.store_id,
        numbered.gtin,
        numbered.receipt_no,
        numbered.received_at,
        cast(
            case
                when numbered.on_hand_before_qty <= 0 then numbered.unit_cost
                else
                    (numbered.on_hand_before_qty * costs.avg_cost + numbered.received_qty * numbered.unit_cost)
                    / (numbered.on_hand_before_qty + numbered.received_qty)
            end as decimal(18, 6)
        )
    from costs
    inner join numbered
        on
            costs.store_id = numbered.store_id
            and costs.gtin = numbered.gtin
            and numbered.receipt_no = costs.receipt_no + 1

),

series_start as (

    select
        store_id,
        gtin,
        min(valid_from) as valid_from
    from intervals
    group by store_id, gtin

),

opening as (

    -- stock from before the first goods receipt is at head office's cost price
    select
        series_start.store_id,
        series_start.gtin,
        series_start.valid_from,
        products.cost_price as avg_cost,
        'head_office_cost_price' as cost_basis
    from series_start
    inner join products
        on series_start.gtin = products.gtin
    where not exists (
        select 1 from numbered
        where
            numbered.store_id = series_start.store_id
            and numbered.gtin = series_start.gtin
            and numbered.received_at <= series_start.valid_from
    )

),

cost_changes as (

    select
        store_id,
        gtin,
        valid_from,
        avg_cost,
        'moving_average' as cost_basis
    from costs

    union all

    select * from opening

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', cost_changes.store_id, cost_changes.gtin, cast(cost_changes.valid_from as varchar))") }} as varchar)
            as cost_key,
        cast(cost_changes.store_id as varchar) as store_id,
        cast(products.product_id as varchar) as product_id,
        cast(cost_changes.gtin as varchar) as gtin,
        cast(cost_changes.valid_from as timestamp) as valid_from,
        cast(
            lead(cost_changes.valid_from) over (
                partition by cost_changes.store_id, cost_changes.gtin order by cost_changes.valid_from
            ) as timestamp
        ) as valid_to,
        cast(cost_changes.avg_cost as decimal(18, 6)) as moving_avg_cost,
        cast(cost_changes.cost_basis as varchar) as cost_basis,
        cast(numbered.received_qty as decimal(18, 3)) as received_qty,
        cast(numbered.unit_cost as decimal(18, 6)) as receipt_unit_cost,
        cast(numbered.on_hand_before_qty as decimal(18, 3)) as on_hand_before_qty,
        lead(cost_changes.valid_from) over (
            partition by cost_changes.store_id, cost_changes.gtin order by cost_changes.valid_from
        ) is null as is_current
    from cost_changes
    left join numbered
        on
            cost_changes.store_id = numbered.store_id
            and cost_changes.gtin = numbered.gtin
            and cost_changes.valid_from = numbered.received_at
            and cost_changes.cost_basis = 'moving_average'
    left join products
        on cost_changes.gtin = products.gtin

)

select * from final

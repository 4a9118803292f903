-- Transfers between stores of the same product: a store above var overstock_days_of_cover gives
-- down to var transfer_target_days_of_cover, a store below var low_stock_days_of_cover (counting
-- what is already in transit to it) is filled up to it. Givers and takers are paired in order of
-- size by overlapping their running totals, so each unit of excess goes to exactly one need.

with

stock as (

    select * from {{ ref('rpt_current_stock') }}
    where product_id is not null and daily_demand_qty > 0

),

givers as (

    select
        product_id,
        store_id as from_store_id,
        floor(on_hand_qty - daily_demand_qty * {{ var('transfer_target_days_of_cover') }}) as qty
    from stock
    where days_of_cover > {{ var('overstock_days_of_cover') }}

),

takers as (

    select
        product_id,
        store_id as to_store_id,
        ceil(
            daily_demand_qty * {{ var('transfer_target_days_of_cover') }}
            - on_hand_qty - qty_in_transit_inbound
        ) as qty
    from stock
    where
        (on_hand_qty + qty_in_transit_inbound) / daily_demand_qty < {{ var('low_stock_days_of_cover') }}

),

giver_ranges as (

    select
        givers.*,
        sum(qty) over (
            partition by product_id order by qty desc, from_store_id rows unbounded preceding
        ) - qty as range_start,
        sum(qty) over (
            partition by product_id order by qty desc, from_store_id rows unbounded preceding
        ) as range_end
    from givers
    where qty > 0

),

taker_ranges as (

    select
        takers.*,
        sum(qty) over (
            partition by product_id order by qty desc, to_store_id rows unbounded preceding
        ) - qty as range_start,
        sum(qty) over (
            partition by product_id order by qty desc, to_store_id rows unbounded preceding
        ) as range_end
    from takers
    where qty > 0

),

paired as (

    select
        giver_ranges.product_id,
        giver_ranges.from_store_id,
        taker_ranges.to_store_id,
        least(giver_ranges.range_end, taker_ranges.range_end)
            - greatest(giver_ranges.range_start, taker_ranges.range_start) as transfer_qty
    from giver_ranges
    inner join taker_ranges
        on giver_ranges.product_id = taker_ranges.product_id
        and giver_ranges.range_start < taker_ranges.range_end
        and taker_ranges.range_start < giver_ranges.range_end

)

select
    cast(paired.product_id as varchar) as product_id,
    cast(products.gtin as varchar) as gtin,
    cast(products.category as varchar) as category,
    cast(paired.from_store_id as varchar) as from_store_id,
    cast(paired.to_store_id as varchar) as to_store_id,
    cast(paired.transfer_qty as decimal(18, 3)) as transfer_qty
from paired
inner join {{ ref('dim_products') }} as products
    on paired.product_id = products.product_id
where paired.transfer_qty > 0

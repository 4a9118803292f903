-- What to order: every store x product whose inventory position (on hand + on order + in transit)
-- is below its reorder point, ordered up to the reorder point, rounded up to whole case packs and
-- at least var min_order_cases cases.

with

points as (

    select * from {{ ref('rpt_reorder_points') }}
    where is_below_reorder_point and daily_demand_qty > 0

),

sized as (

    select
        points.*,
        coalesce(nullif(case_pack, 0), 1) as pack,
        reorder_point_qty - cast(inventory_position_qty as {{ type_double() }}) as shortfall_qty
    from points

)

select
    cast(store_id as varchar) as store_id,
    cast(product_id as varchar) as product_id,
    cast(gtin as varchar) as gtin,
    cast(category as varchar) as category,
    cast(supplier_id as varchar) as supplier_id,
    cast(inventory_position_qty as decimal(18, 3)) as inventory_position_qty,
    cast(reorder_point_qty as {{ type_double() }}) as reorder_point_qty,
    cast(shortfall_qty as {{ type_double() }}) as shortfall_qty,
    cast(pack as integer) as case_pack,
    cast(
        greatest(ceil(shortfall_qty / pack), {{ var('min_order_cases') }}) as integer
    ) as order_cases,
    cast(
        greatest(ceil(shortfall_qty / pack), {{ var('min_order_cases') }}) * pack as decimal(18, 3)
    ) as order_qty
from sized

-- Reorder point per store x product:
--   ROP = d * (L + R) + z * sqrt((L + R) * sd_d^2 + d^2 * sd_L^2)
-- d = daily demand (forecast mean over the horizon, else the trailing mean of days in stock; the
-- same demand as days of cover), sd_d = standard deviation of the series' daily demand over the
-- history window (a category series' spread scaled by the product's share), L and sd_L = mean and
-- standard deviation of the supplier's measured lead times (received PO lines; the promised lead
-- time with no spread while none was received), R = var review_period_days, z = var
-- service_level_z. Inventory position = on hand + on order + in transit to the store.

with

stock as (

    select * from {{ ref('rpt_current_stock') }}

),

products as (

    select product_id, supplier_id, case_pack from {{ ref('dim_products') }}

),

suppliers as (

    select supplier_id, lead_time_days from {{ ref('stg_head_office__suppliers') }}

),

po_lines as (

    select * from {{ ref('fct_purchase_order_lines') }}

),

lead_times as (

    select
        supplier_id,
        avg(cast(lead_time_days as {{ type_double() }})) as mean_lead_time_days,
        coalesce(stddev_samp(cast(lead_time_days as {{ type_double() }})), 0) as sd_lead_time_days,
        count(*) as received_lines
    from po_lines
    where is_received and lead_time_days is not null
    group by supplier_id

),

on_order as (

    select
        store_id,
        product_id,
        sum(
            case when qty_ordered > qty_received then qty_ordered - qty_received else 0 end
        ) as qty_on_order
    from po_lines
    where po_status <> 'received'
    group by store_id, product_id

),

series as (

    select * from {{ ref('int_demand_series') }}

),

series_spread as (

    select
        series_id,
        coalesce(stddev_samp(demand_qty), 0) as sd_demand_qty
    from {{ ref('int_demand_history') }}
    group by series_id

),

product_spread as (

    select
        series.store_id,
        series.product_id,
        series_spread.sd_demand_qty * series.product_share as sd_daily_demand_qty
    from series
    inner join series_spread
        on series.series_id = series_spread.series_id

),

inputs as (

    select
        stock.store_id,
        stock.product_id,
        stock.gtin,
        stock.category,
        products.supplier_id,
        products.case_pack,
        stock.on_hand_qty,
        coalesce(on_order.qty_on_order, 0) as qty_on_order,
        stock.qty_in_transit_inbound,
        coalesce(stock.daily_demand_qty, 0) as daily_demand_qty,
        stock.demand_source,
        coalesce(product_spread.sd_daily_demand_qty, 0) as sd_daily_demand_qty,
        coalesce(lead_times.mean_lead_time_days, suppliers.lead_time_days) as lead_time_days,
        coalesce(lead_times.sd_lead_time_days, 0) as sd_lead_time_days,
        case when lead_times.supplier_id is null then 'promised' else 'measured' end
            as lead_time_source,
        cast({{ var('review_period_days') }} as {{ type_double() }}) as review_period_days
    from stock
    left join products
        on stock.product_id = products.product_id
    left join suppliers
        on products.supplier_id = suppliers.supplier_id
    left join lead_times
        on products.supplier_id = lead_times.supplier_id
    left join on_order
        on stock.store_id = on_order.store_id
        and stock.product_id = on_order.product_id
    left join product_spread
        on stock.store_id = product_spread.store_id
        and stock.product_id = product_spread.product_id
    where stock.product_id is not null

),

computed as (

    select
        inputs.*,
        daily_demand_qty * (lead_time_days + review_period_days)
            + {{ var('service_level_z') }} * sqrt(
                (lead_time_days + review_period_days) * sd_daily_demand_qty * sd_daily_demand_qty
                + daily_demand_qty * daily_demand_qty * sd_lead_time_days * sd_lead_time_days
            ) as reorder_point_qty,
        on_hand_qty + qty_on_order + qty_in_transit_inbound as inventory_position_qty
    from inputs

)

select
    cast(store_id as varchar) as store_id,
    cast(product_id as varchar) as product_id,
    cast(gtin as varchar) as gtin,
    cast(category as varchar) as category,
    cast(supplier_id as varchar) as supplier_id,
    cast(case_pack as integer) as case_pack,
    cast(on_hand_qty as decimal(18, 3)) as on_hand_qty,
    cast(qty_on_order as decimal(18, 3)) as qty_on_order,
    cast(qty_in_transit_inbound as decimal(18, 3)) as qty_in_transit_inbound,
    cast(inventory_position_qty as decimal(18, 3)) as inventory_position_qty,
    -- rounded: sums of doubles differ in the last bits between runs
    cast(round(daily_demand_qty, 6) as {{ type_double() }}) as daily_demand_qty,
    cast(demand_source as varchar) as demand_source,
    cast(round(sd_daily_demand_qty, 6) as {{ type_double() }}) as sd_daily_demand_qty,
    cast(round(lead_time_days, 6) as {{ type_double() }}) as lead_time_days,
    cast(round(sd_lead_time_days, 6) as {{ type_double() }}) as sd_lead_time_days,
    cast(lead_time_source as varchar) as lead_time_source,
    cast(review_period_days as {{ type_double() }}) as review_period_days,
    cast(round(reorder_point_qty, 6) as {{ type_double() }}) as reorder_point_qty,
    cast(inventory_position_qty < round(reorder_point_qty, 6) as boolean) as is_below_reorder_point
from computed

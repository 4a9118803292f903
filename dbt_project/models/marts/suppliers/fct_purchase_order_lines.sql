{#- Incremental: each run rebuilds every order date (store-local) that a load touched: orders whose
    head-office rows, confirmations or shipping notices landed since the last build, orders of a
    supplier and GTIN whose price list changed from a date on, orders whose goods receipts differ
    from what the table holds (new, corrected or deleted movements), and every date that still has
    a line not judged yet (its on-time window may have closed since). delete+insert on
    ordered_date replaces those dates whole, so a late correction lands exactly once. A run with a
    date window (a backfill, macros/partition_window.sql) also rebuilds every order date in it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='ordered_date',
        on_schema_change='append_new_columns',
    )
}}

{%- set early_days = var('supplier_on_time_days_early') | int %}
{%- set late_days = var('supplier_on_time_days_late') | int %}
{%- set in_full_tolerance = var('supplier_in_full_tolerance') %}

with

purchase_orders as (

    select * from {{ ref('stg_head_office__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_head_office__purchase_order_lines') }}

),

confirmation_lines as (

    select * from {{ ref('stg_supplier__order_confirmation_lines') }}

),

asn_lines as (

    select * from {{ ref('stg_supplier__asn_lines') }}

),

price_list_lines as (

    select * from {{ ref('stg_supplier__price_list_lines') }}

),

supplier_prices as (

    select * from {{ ref('int_supplier_prices_versioned') }}

),

goods_receipts as (

    select * from {{ ref('int_goods_receipts_aggregated') }}

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

store_versions as (

    -- the store as head office had it on the (UTC) date, for its timezone
    select * from {{ versions_valid_by_date(ref('snap_head_office__stores'), 'store_id') }}

),

supplier_versions as (

    select * from {{ versions_valid_by_date(ref('snap_head_office__suppliers'), 'supplier_id') }}

),

product_versions as (

    select * from {{ versions_valid_by_date(ref('snap_head_office__products'), 'product_id') }}

),

loaded_through as (

    -- the newest load this build has seen (the watermark of the next build)
    select max(loaded_at) as loaded_at
    from (
        select max(_loaded_at) as loaded_at from purchase_orders
        union all
        select max(_loaded_at) from purchase_order_lines
        union all
        select max(_loaded_at) from confirmation_lines
        union all
        select max(_loaded_at) from asn_lines
        union all
        select max(_loaded_at) from price_list_lines
    ) as loads

),

orders as (

    select
        purchase_orders.po_id,
        purchase_orders.supplier_id,
        purchase_orders.store_id,
        purchase_orders.ordered_at,
        cast(
            {{ utc_to_local('purchase_orders.ordered_at', "coalesce(store_versions.timezone, '" ~ var('source_timezone') ~ "')") }}
            as date
        ) as ordered_date,
        purchase_orders.requested_date,
        purchase_orders.po_status
    from purchase_orders
    left join store_versions
        on
            purchase_orders.store_id = store_versions.store_id
            and {{ is_valid_on('store_versions', 'cast(purchase_orders.ordered_at as date)') }}

),

{% if is_incremental() %}

watermark as (

    select max(inputs_loaded_at) as loaded_at from {{ this }}

),

touched_orders as (

    select po_id from purchase_orders
    where _loaded_at > (select loaded_at from watermark)
    union
    select po_id from purchase_order_lines
    where _loaded_at > (select loaded_at from watermark)
    union
    select po_id from confirmation_lines
    where _loaded_at > (select loaded_at from watermark)
    union
    select po_id from asn_lines
    where _loaded_at > (select loaded_at from watermark)
    union
    -- a price list (re)sent late changes the list price of every order from its valid_from on
    select orders.po_id
    from price_list_lines
    inner join orders
        on
            price_list_lines.supplier_id = orders.supplier_id
            and orders.ordered_date >= price_list_lines.valid_from
    inner join purchase_order_lines
        on
            orders.po_id = purchase_order_lines.po_id
            and price_list_lines.gtin = purchase_order_lines.gtin
    where price_list_lines._loaded_at > (select loaded_at from watermark)
    union
    -- goods receipts as the stores now report them against what this table holds
    select coalesce(goods_receipts.po_id, built.po_id)
    from goods_receipts
    full outer join (
        select
            store_id,
            po_id,
            gtin,
            sum(qty_received) as qty_received,
            sum(qty_rejected) as qty_rejected,
            min(first_received_date) as first_received_date
        from {{ this }}
        where qty_received <> 0 or qty_rejected <> 0
        group by store_id, po_id, gtin
    ) as built
        on
            goods_receipts.store_id = built.store_id
            and goods_receipts.po_id = built.po_id
            and goods_receipts.gtin = built.gtin
    where
        built.po_id is null
        or goods_receipts.po_id is null
        or goods_receipts.qty_received <> built.qty_received
        or goods_receipts.qty_rejected <> built.qty_rejected
        or goods_receipts.first_received_date <> built.first_received_date
    union
    -- lines not judged yet: their on-time window may have closed since (once judged, a line only
    -- changes through a goods receipt, caught above)
    select po_id from {{ this }}
    where not is_evaluated

),

touched_dates as (

    select orders.ordered_date
    from orders
    inner join touched_orders
        on orders.po_id = touched_orders.po_id
    union
    -- an order whose date changed leaves its old date too
    select built.ordered_date
    from {{ this }} as built
    inner join touched_orders
        on built.po_id = touched_orders.po_id
    {%- if partition_window() is not none %}
    union
    select orders.ordered_date
    from orders
    where {{ in_partition_window('orders.ordered_date') }}
    {%- endif %}

),

{% endif %}

store_data_through as (

    -- the last business date each store has sent movements for: a line is only judged late once
    -- its on-time window closed before that date
    select store_id, max(business_date) as data_through_date
    from movements
    group by store_id

),

order_lines as (

    select
        orders.*,
        purchase_order_lines.line_no,
        purchase_order_lines.product_id,
        purchase_order_lines.gtin,
        purchase_order_lines.qty_ordered,
        purchase_order_lines.unit_cost as po_unit_cost,
        -- receipts and notices are per order and GTIN: an order with the GTIN on several lines
        -- fills them in line order (each up to its ordered qty, the last takes the rest)
        coalesce(
            sum(purchase_order_lines.qty_ordered) over (
                partition by orders.po_id, purchase_order_lines.gtin
                order by purchase_order_lines.line_no
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as qty_ordered_before,
        purchase_order_lines.line_no = max(purchase_order_lines.line_no) over (
            partition by orders.po_id, purchase_order_lines.gtin
        ) as is_last_line_of_gtin
    from orders
    inner join purchase_order_lines
        on orders.po_id = purchase_order_lines.po_id
    {% if is_incremental() %}
    where orders.ordered_date in (select ordered_date from touched_dates)
    {% endif %}

),

confirmations as (

    -- the latest confirmation of each order line
    select * from confirmation_lines
    qualify row_number() over (
        partition by po_id, line_no order by _batch_id desc, confirmation_id desc
    ) = 1

),

shipments as (

    select
        po_id,
        gtin,
        min(asn_id) as asn_id,
        count(distinct asn_id) as asn_count,
        sum(qty_shipped) as qty_shipped,
        min(shipped_date) as shipped_date,
        max(expected_date) as expected_date
    from asn_lines
    group by po_id, gtin

),

joined as (

    select
        order_lines.*,
        product_versions.category,
        supplier_versions.lead_time_days as promised_lead_time_days,
        confirmations.confirmation_id,
        confirmations.qty_confirmed,
        confirmations.confirmed_delivery_date as confirmed_date,
        shipments.asn_id,
        coalesce(shipments.asn_count, 0) as asn_count,
        {{ allocate_in_line_order('shipments.qty_shipped', 'order_lines.qty_ordered', 'order_lines.qty_ordered_before', 'order_lines.is_last_line_of_gtin') }} as qty_shipped,
        shipments.shipped_date,
        shipments.expected_date,
        goods_receipts.first_received_date,
        goods_receipts.last_received_date,
        coalesce({{ allocate_in_line_order('goods_receipts.qty_received', 'order_lines.qty_ordered', 'order_lines.qty_ordered_before', 'order_lines.is_last_line_of_gtin') }}, 0) as qty_received,
        coalesce({{ allocate_in_line_order('goods_receipts.qty_rejected', 'order_lines.qty_ordered', 'order_lines.qty_ordered_before', 'order_lines.is_last_line_of_gtin') }}, 0) as qty_rejected,
        supplier_prices.price_list_id,
        supplier_prices.unit_cost as list_unit_cost,
        store_data_through.data_through_date
    from order_lines
    left join product_versions
        on
            order_lines.product_id = product_versions.product_id
            and {{ is_valid_on('product_versions', 'order_lines.ordered_date') }}
    left join supplier_versions
        on
            order_lines.supplier_id = supplier_versions.supplier_id
            and {{ is_valid_on('supplier_versions', 'order_lines.ordered_date') }}
    left join confirmations
        on
            order_lines.po_id = confirmations.po_id
            and order_lines.line_no = confirmations.line_no
    left join shipments
        on
            order_lines.po_id = shipments.po_id
            and order_lines.gtin = shipments.gtin
    left join goods_receipts
        on
            order_lines.store_id = goods_receipts.store_id
            and order_lines.po_id = goods_receipts.po_id
            and order_lines.gtin = goods_receipts.gtin
    left join supplier_prices
        on
            order_lines.supplier_id = supplier_prices.supplier_id
            and order_lines.gtin = supplier_prices.gtin
            and supplier_prices.valid_from <= order_lines.ordered_date
            and (supplier_prices.valid_to is null or order_lines.ordered_date < supplier_prices.valid_to)
    left join store_data_through
        on order_lines.store_id = store_data_through.store_id

),

measured as (

    select
        *,
        first_received_date is not null as is_received,
        qty_received - qty_rejected as qty_accepted,
        {{ dbt.datediff('ordered_date', 'first_received_date', 'day') }} as lead_time_days,
        -- the on-time window has closed before the last date the store sent data for
        cast({{ dbt.dateadd('day', late_days, 'requested_date') }} as date) < data_through_date
            as is_window_closed
    from joined

),

judged as (

    select
        *,
        case
            when is_received
                then first_received_date >= cast({{ dbt.dateadd('day', -early_days, 'requested_date') }} as date)
                and first_received_date <= cast({{ dbt.dateadd('day', late_days, 'requested_date') }} as date)
            when is_window_closed then false
        end as is_on_time,
        case
            when is_received or is_window_closed
                then qty_accepted
                >= qty_ordered * (cast(1 as decimal(18, 6)) - cast({{ in_full_tolerance }} as decimal(18, 6)))
        end as is_in_full
    from measured

),

final as (

    select
        cast({{ dbt.hash(dbt.concat(['po_id', "'|'", 'cast(line_no as varchar)'])) }} as varchar) as po_line_key,
        cast(po_id as varchar) as po_id,
        cast(line_no as integer) as line_no,
        cast(supplier_id as varchar) as supplier_id,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(category as varchar) as category,
        cast(po_status as varchar) as po_status,
        cast(ordered_at as timestamp) as ordered_at,
        cast(ordered_date as date) as ordered_date,
        cast(requested_date as date) as requested_date,
        cast(confirmation_id as varchar) as confirmation_id,
        cast(confirmed_date as date) as confirmed_date,
        cast(asn_id as varchar) as asn_id,
        cast(asn_count as integer) as asn_count,
        cast(shipped_date as date) as shipped_date,
        cast(expected_date as date) as expected_date,
        cast(first_received_date as date) as first_received_date,
        cast(last_received_date as date) as last_received_date,
        cast(qty_ordered as decimal(18, 3)) as qty_ordered,
        cast(qty_confirmed as decimal(18, 3)) as qty_confirmed,
        cast(qty_shipped as decimal(18, 3)) as qty_shipped,
        cast(qty_received as decimal(18, 3)) as qty_received,
        cast(qty_rejected as decimal(18, 3)) as qty_rejected,
        cast(qty_accepted as decimal(18, 3)) as qty_accepted,
        cast(greatest(least(qty_accepted, qty_ordered), 0) as decimal(18, 3)) as qty_filled,
        cast(lead_time_days as integer) as lead_time_days,
        cast(promised_lead_time_days as integer) as promised_lead_time_days,
        cast(lead_time_days - promised_lead_time_days as integer) as lead_time_variance_days,
        cast(lead_time_days <= promised_lead_time_days as boolean) as is_within_promised_lead_time,
        cast(is_received as boolean) as is_received,
        cast(is_received or is_window_closed as boolean) as is_evaluated,
        cast(is_on_time as boolean) as is_on_time,
        cast(is_in_full as boolean) as is_in_full,
        cast(is_on_time and is_in_full as boolean) as is_otif,
        cast(
            case when is_received and confirmed_date is not null then first_received_date <= confirmed_date end
            as boolean
        ) as is_on_time_vs_confirmed,
        cast(po_unit_cost as decimal(12, 4)) as po_unit_cost,
        cast(price_list_id as varchar) as price_list_id,
        cast(list_unit_cost as decimal(12, 4)) as list_unit_cost,
        cast(po_unit_cost - list_unit_cost as decimal(12, 4)) as unit_price_variance,
        cast((po_unit_cost - list_unit_cost) * qty_ordered as decimal(18, 4)) as price_variance_amount,
        cast((select loaded_at from loaded_through) as timestamp) as inputs_loaded_at
    from judged

)

select * from final

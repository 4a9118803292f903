-- Transfers between stores, one row per transfer and GTIN: what the sending store booked out and
-- what the receiving store booked in (paired by transfer document and GTIN). Goods are in transit
-- while a transfer out has no transfer in yet; after var transfers_transit_days (the transfers audit's allowed transit time) (counted from
-- the business date sent to the reporting as-of date) the transfer is overdue. The goods in transit
-- are valued at the sending store's moving-average cost when they left.

with

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

costs as (

    select * from {{ ref('fct_moving_average_costs') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

as_of as (

    select {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date

),

sent as (

    select
        document_id as transfer_id,
        store_id as from_store_id,
        max(counterparty_store_id) as to_store_id,
        gtin,
        -sum(qty) as qty_sent,
        min(moved_at) as sent_at,
        min(business_date) as sent_date
    from movements
    where movement_type = 'transfer_out'
    group by document_id, store_id, gtin

),

received as (

    select
        document_id as transfer_id,
        store_id as to_store_id,
        max(counterparty_store_id) as from_store_id,
        gtin,
        sum(qty) as qty_received,
        min(moved_at) as received_at,
        min(business_date) as received_date
    from movements
    where movement_type = 'transfer_in'
    group by document_id, store_id, gtin

),

paired as (

    select
        coalesce(sent.transfer_id, received.transfer_id) as transfer_id,
        coalesce(sent.gtin, received.gtin) as gtin,
        coalesce(sent.from_store_id, received.from_store_id) as from_store_id,
        coalesce(sent.to_store_id, received.to_store_id) as to_store_id,
        sent.qty_sent,
        received.qty_received,
        sent.sent_at,
        sent.sent_date,
        received.received_at,
        received.received_date
    from sent
    full outer join received
        on
            sent.transfer_id = received.transfer_id
            and sent.gtin = received.gtin

),

valued as (

    select
        paired.*,
        costs.moving_avg_cost as unit_cost_sent,
        case when paired.received_at is null then paired.qty_sent else 0 end as qty_in_transit,
        {{ dbt.datediff('paired.sent_date', 'as_of.as_of_date', 'day') }} as days_since_sent,
        case
            when paired.sent_at is null then 'received_not_sent'
            when paired.received_at is not null then 'received'
            when {{ dbt.datediff('paired.sent_date', 'as_of.as_of_date', 'day') }}
                > {{ var('transfers_transit_days') }} then 'overdue'
            else 'in_transit'
        end as transfer_status
    from paired
    cross join as_of
    left join costs
        on
            paired.from_store_id = costs.store_id
            and paired.gtin = costs.gtin
            and paired.sent_at >= costs.valid_from
            and (paired.sent_at < costs.valid_to or costs.valid_to is null)

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', valued.transfer_id, valued.gtin)") }} as varchar) as transfer_key,
        cast(valued.transfer_id as varchar) as transfer_id,
        cast(valued.from_store_id as varchar) as from_store_id,
        cast(valued.to_store_id as varchar) as to_store_id,
        cast(products.product_id as varchar) as product_id,
        cast(valued.gtin as varchar) as gtin,
        cast(valued.qty_sent as decimal(18, 3)) as qty_sent,
        cast(valued.qty_received as decimal(18, 3)) as qty_received,
        cast(valued.sent_at as timestamp) as sent_at,
        cast(valued.sent_date as date) as sent_date,
        cast(valued.received_at as timestamp) as received_at,
        cast(valued.received_date as date) as received_date,
        cast(valued.transfer_status as varchar) as transfer_status,
        valued.qty_sent is not null and valued.qty_received is not null
        and valued.qty_sent <> valued.qty_received as has_qty_difference,
        cast(valued.qty_in_transit as decimal(18, 3)) as qty_in_transit,
        cast(valued.unit_cost_sent as decimal(18, 6)) as unit_cost_sent,
        cast(round(valued.qty_in_transit * valued.unit_cost_sent, 4) as decimal(18, 4)) as in_transit_amount_cost,
        cast(
            case when valued.received_at is null then valued.days_since_sent end as integer
        ) as days_in_transit
    from valued
    left join products
        on valued.gtin = products.gtin

)

select * from final

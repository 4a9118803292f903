-- Transfers audit: every transfer out (sender's movement, document = transfer id) must be matched by
-- a transfer in at the receiving store, same transfer, product and quantity, within the allowed
-- transit time (var transfers_transit_days: booked in at the latest that many days after it left).
-- A side is only judged where that store's data covers the day it is due, so a silent store or a
-- transfer still in transit is not a finding.
-- Rules (store = the store that has to book):
--   transfer_in_missing   out without in, more than transit_days ago (receiver)
--   transfer_qty_differs  in and out quantities differ by more than var transfers_tolerance_qty (receiver)
--   transfer_out_missing  in without the sender's out, though the sender has sent data since (sender)
--   transfer_in_late      in booked more than transit_days after the out (receiver)

with

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

sent as (

    select
        document_id as transfer_id,
        store_id as from_store_id,
        counterparty_store_id as to_store_id,
        gtin,
        -sum(qty) as qty_sent,
        min(business_date) as sent_date
    from movements
    where movement_type = 'transfer_out'
    group by document_id, store_id, counterparty_store_id, gtin

),

received as (

    select
        document_id as transfer_id,
        counterparty_store_id as from_store_id,
        store_id as to_store_id,
        gtin,
        sum(qty) as qty_received,
        min(business_date) as received_date
    from movements
    where movement_type = 'transfer_in'
    group by document_id, counterparty_store_id, store_id, gtin

),

matched as (

    select
        coalesce(sent.transfer_id, received.transfer_id) as transfer_id,
        coalesce(sent.from_store_id, received.from_store_id) as from_store_id,
        coalesce(sent.to_store_id, received.to_store_id) as to_store_id,
        coalesce(sent.gtin, received.gtin) as gtin,
        sent.qty_sent,
        sent.sent_date,
        received.qty_received,
        received.received_date
    from sent
    full outer join received
        on
            sent.transfer_id = received.transfer_id
            and sent.from_store_id = received.from_store_id
            and sent.to_store_id = received.to_store_id
            and sent.gtin = received.gtin

),

judged as (

    select
        matched.*,
        case
            when
                matched.qty_received is null
                and receiver.last_business_date
                >= {{ dbt.dateadd('day', var('transfers_transit_days'), 'matched.sent_date') }}
                then 'transfer_in_missing'
            when
                matched.qty_sent is null
                and sender.last_business_date >= matched.received_date
                then 'transfer_out_missing'
            when
                matched.qty_sent is not null
                and matched.qty_received is not null
                and abs(matched.qty_received - matched.qty_sent) > {{ var('transfers_tolerance_qty') }}
                then 'transfer_qty_differs'
            when
                matched.qty_sent is not null
                and matched.received_date
                > {{ dbt.dateadd('day', var('transfers_transit_days'), 'matched.sent_date') }}
                then 'transfer_in_late'
        end as rule
    from matched
    left join coverage as receiver
        on matched.to_store_id = receiver.store_id
    left join coverage as sender
        on matched.from_store_id = sender.store_id

),

final as (

    select
        'transfers' as audit,
        judged.rule,
        'warning' as severity,
        case when judged.rule = 'transfer_out_missing' then judged.from_store_id else judged.to_store_id end
            as store_id,
        products.product_id,
        judged.gtin,
        'transfer' as document_type,
        judged.transfer_id as document_id,
        coalesce(judged.sent_date, judged.received_date) as business_date,
        case when judged.rule = 'transfer_out_missing' then judged.qty_received else judged.qty_sent end
            as expected,
        case
            when judged.rule = 'transfer_out_missing' then 0
            else coalesce(judged.qty_received, 0)
        end as actual,
        case
            when judged.rule = 'transfer_out_missing' then -judged.qty_received
            else coalesce(judged.qty_received, 0) - judged.qty_sent
        end as difference,
        case
            when judged.rule = 'transfer_out_missing' then -judged.qty_received
            else coalesce(judged.qty_received, 0) - judged.qty_sent
        end * products.cost_price as amount_cost,
        case judged.rule
            when 'transfer_in_missing' then
                coalesce(receiver_store.store_name, judged.to_store_id) || ': transfer '
                || judged.transfer_id || ' of ' || {{ format_qty('judged.qty_sent') }}
                || {{ units_of('products.unit') }} || {{ product_label('products.product_name', 'judged.gtin') }}
                || ' sent by ' || coalesce(sender_store.store_name, judged.from_store_id) || ' on '
                || cast(judged.sent_date as varchar)
                || ' has not been booked in. Check whether the goods arrived and book the transfer in.'
            when 'transfer_qty_differs' then
                coalesce(receiver_store.store_name, judged.to_store_id) || ': transfer '
                || judged.transfer_id || ' of ' || {{ product_label('products.product_name', 'judged.gtin') }}
                || ' was booked in with ' || {{ format_qty('judged.qty_received') }} || ' but '
                || coalesce(sender_store.store_name, judged.from_store_id) || ' sent '
                || {{ format_qty('judged.qty_sent') }}
                || '. Count what arrived and correct the transfer in (or ask the sender).'
            when 'transfer_out_missing' then
                coalesce(sender_store.store_name, judged.from_store_id) || ': '
                || coalesce(receiver_store.store_name, judged.to_store_id) || ' booked in transfer '
                || judged.transfer_id || ' (' || {{ format_qty('judged.qty_received') }}
                || {{ units_of('products.unit') }} || {{ product_label('products.product_name', 'judged.gtin') }}
                || ') on ' || cast(judged.received_date as varchar)
                || ' but this store never booked it out. Book the transfer out.'
            else
                coalesce(receiver_store.store_name, judged.to_store_id) || ': transfer '
                || judged.transfer_id || ' of ' || {{ product_label('products.product_name', 'judged.gtin') }}
                || ' sent on ' || cast(judged.sent_date as varchar) || ' was booked in only on '
                || cast(judged.received_date as varchar) || ', later than the allowed '
                || '{{ var("transfers_transit_days") }} days. Book transfers in on the day they arrive.'
        end as message
    from judged
    left join products
        on judged.gtin = products.gtin
    left join stores as receiver_store
        on judged.to_store_id = receiver_store.store_id
    left join stores as sender_store
        on judged.from_store_id = sender_store.store_id
    where judged.rule is not null

)

select * from final

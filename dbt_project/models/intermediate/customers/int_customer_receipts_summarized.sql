-- One row per receipt on a loyalty card: its customer (merges resolved), business date and net
-- amount. A purchase is a receipt with at least one sold line (qty > 0); a receipt that only
-- returns goods is no purchase, but its (negative) amount still counts in the net.

with

lines as (

    select * from {{ ref('int_customer_sales_lines_resolved') }}

),

final as (

    select
        customer_id,
        store_id,
        receipt_id,
        min(business_date) as business_date,
        sum(amount_net) as amount_net,
        sum(margin_net) as margin_net,
        max(case when qty > 0 then 1 else 0 end) = 1 as is_purchase
    from lines
    group by customer_id, store_id, receipt_id

)

select * from final

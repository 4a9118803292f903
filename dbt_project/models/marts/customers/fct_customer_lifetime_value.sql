-- Historical customer lifetime value: what each customer with a purchase has brought so far (all
-- history up to the latest business date sold), net of returns, in sales and in margin.
-- No predictive CLV: see _customers__models.yml for why.

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

receipts as (

    select * from {{ ref('int_customer_receipts_summarized') }}

),

as_of as (

    select max(business_date) as as_of_date from sales_lines

),

per_customer as (

    select
        customer_id,
        min(case when is_purchase then business_date end) as first_purchase_date,
        max(case when is_purchase then business_date end) as last_purchase_date,
        count(case when is_purchase then 1 end) as purchase_receipts,
        sum(amount_net) as amount_net,
        sum(margin_net) as margin_net
    from receipts
    group by customer_id

),

final as (

    select
        cast(per_customer.customer_id as varchar) as customer_id,
        cast(as_of.as_of_date as date) as as_of_date,
        cast(per_customer.first_purchase_date as date) as first_purchase_date,
        cast(per_customer.last_purchase_date as date) as last_purchase_date,
        cast(
            {{ dbt.datediff('per_customer.first_purchase_date', 'as_of.as_of_date', 'day') }} + 1
            as integer
        ) as tenure_days,
        cast(per_customer.purchase_receipts as integer) as purchase_receipts,
        cast(per_customer.amount_net as decimal(18, 4)) as historical_clv_net,
        cast(per_customer.margin_net as decimal(18, 4)) as historical_clv_margin,
        cast(
            per_customer.amount_net / cast(per_customer.purchase_receipts as decimal(18, 4))
            as decimal(18, 4)
        ) as avg_receipt_net,
        cast(
            per_customer.amount_net * cast(30 as decimal(18, 4))
            / cast({{ dbt.datediff('per_customer.first_purchase_date', 'as_of.as_of_date', 'day') }} + 1 as decimal(18, 4))
            as decimal(18, 4)
        ) as net_per_30_days
    from per_customer
    cross join as_of
    where per_customer.purchase_receipts > 0

)

select * from final

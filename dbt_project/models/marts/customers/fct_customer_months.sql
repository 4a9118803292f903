-- One row per customer and calendar month with at least one purchase: the customer's cohort (month
-- of the first purchase ever), the months since then, purchase receipts and net sales that month.

with

receipts as (

    select * from {{ ref('int_customer_receipts_summarized') }}

),

purchases as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'business_date') }} as date) as activity_month,
        store_id,
        receipt_id,
        amount_net
    from receipts
    where is_purchase

),

cohorts as (

    select
        customer_id,
        min(activity_month) as cohort_month
    from purchases
    group by customer_id

),

monthly as (

    select
        purchases.customer_id,
        purchases.activity_month,
        count(*) as purchase_receipts,
        sum(purchases.amount_net) as amount_net
    from purchases
    group by purchases.customer_id, purchases.activity_month

),

final as (

    select
        cast(monthly.customer_id as varchar) as customer_id,
        cast(monthly.activity_month as date) as activity_month,
        cast(cohorts.cohort_month as date) as cohort_month,
        cast({{ dbt.datediff('cohorts.cohort_month', 'monthly.activity_month', 'month') }} as integer)
            as months_since_first_purchase,
        cast(monthly.purchase_receipts as integer) as purchase_receipts,
        cast(monthly.amount_net as decimal(18, 4)) as amount_net
    from monthly
    inner join cohorts
        on monthly.customer_id = cohorts.customer_id

)

select * from final

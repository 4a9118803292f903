-- Monthly cohorts (customers by month of their first purchase) and their retention: per cohort and
-- month since the first purchase, how many of the cohort bought again that month. Months without
-- any buyer of a cohort are rows with 0 (the grid runs to the latest month with purchases).

with

customer_months as (

    select * from {{ ref('fct_customer_months') }}

),

cohort_sizes as (

    select
        cohort_month,
        count(distinct customer_id) as cohort_customers
    from customer_months
    where months_since_first_purchase = 0
    group by cohort_month

),

customer_purchases as (

    select
        customer_id,
        cohort_month,
        sum(purchase_receipts) as purchase_receipts
    from customer_months
    group by customer_id, cohort_month

),

cohort_repeaters as (

    select
        cohort_month,
        count(case when purchase_receipts >= 2 then 1 end) as repeat_customers
    from customer_purchases
    group by cohort_month

),

months as (

    select distinct activity_month from customer_months

),

grid as (

    select
        cohort_sizes.cohort_month,
        months.activity_month,
        cohort_sizes.cohort_customers
    from cohort_sizes
    inner join months
        on months.activity_month >= cohort_sizes.cohort_month

),

activity as (

    select
        cohort_month,
        activity_month,
        count(distinct customer_id) as active_customers,
        sum(purchase_receipts) as purchase_receipts,
        sum(amount_net) as amount_net
    from customer_months
    group by cohort_month, activity_month

),

final as (

    select
        cast(grid.cohort_month as date) as cohort_month,
        cast(grid.activity_month as date) as activity_month,
        cast({{ dbt.datediff('grid.cohort_month', 'grid.activity_month', 'month') }} as integer)
            as months_since_first_purchase,
        cast(grid.cohort_customers as integer) as cohort_customers,
        cast(coalesce(activity.active_customers, 0) as integer) as active_customers,
        cast(
            cast(coalesce(activity.active_customers, 0) as decimal(18, 6))
            / cast(grid.cohort_customers as decimal(18, 6))
            as decimal(9, 6)
        ) as retention_rate,
        cast(coalesce(activity.purchase_receipts, 0) as integer) as purchase_receipts,
        cast(coalesce(activity.amount_net, 0) as decimal(18, 4)) as amount_net,
        cast(cohort_repeaters.repeat_customers as integer) as cohort_repeat_customers,
        cast(
            cast(cohort_repeaters.repeat_customers as decimal(18, 6))
            / cast(grid.cohort_customers as decimal(18, 6))
            as decimal(9, 6)
        ) as cohort_repeat_rate
    from grid
    left join activity
        on
            grid.cohort_month = activity.cohort_month
            and grid.activity_month = activity.activity_month
    left join cohort_repeaters
        on grid.cohort_month = cohort_repeaters.cohort_month

)

select * from final

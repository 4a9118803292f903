-- Feedback and NPS per store, topic and month, next to that store's sales in the month.
-- NPS = 100 x (promoters - detractors) / responses. Counts add up over topics and months;
-- NPS does not (recompute it from the counts).

with

feedback as (

    select * from {{ ref('fct_customer_feedback') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

store_sales as (

    select
        store_id,
        cast({{ dbt.date_trunc('month', 'business_date') }} as date) as month_start_date,
        count(distinct receipt_id) as receipts,
        sum(amount_net) as amount_net
    from sales_lines
    group by 1, 2

),

scored as (

    select
        store_id,
        topic,
        cast({{ dbt.date_trunc('month', 'submitted_date') }} as date) as month_start_date,
        count(*) as responses,
        count(case when nps_category = 'promoter' then 1 end) as promoters,
        count(case when nps_category = 'passive' then 1 end) as passives,
        count(case when nps_category = 'detractor' then 1 end) as detractors,
        sum(score) as score_sum
    from feedback
    where score is not null and store_id is not null
    group by 1, 2, 3

),

final as (

    select
        cast(scored.store_id as varchar) as store_id,
        cast(scored.topic as varchar) as topic,
        cast(scored.month_start_date as date) as month_start_date,
        cast(scored.responses as integer) as responses,
        cast(scored.promoters as integer) as promoters,
        cast(scored.passives as integer) as passives,
        cast(scored.detractors as integer) as detractors,
        cast(
            cast(100 * (scored.promoters - scored.detractors) as decimal(18, 4))
            / cast(scored.responses as decimal(18, 4))
            as decimal(9, 4)
        ) as nps,
        cast(
            cast(scored.score_sum as decimal(18, 4)) / cast(scored.responses as decimal(18, 4))
            as decimal(9, 4)
        ) as avg_score,
        cast(coalesce(store_sales.receipts, 0) as integer) as store_receipts,
        cast(coalesce(store_sales.amount_net, 0) as decimal(18, 4)) as store_amount_net
    from scored
    left join store_sales
        on
            scored.store_id = store_sales.store_id
            and scored.month_start_date = store_sales.month_start_date

)

select * from final

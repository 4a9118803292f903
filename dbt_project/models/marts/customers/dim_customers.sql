-- Customer 360: every CRM contact without personal data (names, e-mail, phone and card are in
-- pii.dim_customer_pii), with the customer it counts as after CRM merges, and its purchases on
-- loyalty cards (a merged contact's card counts for the survivor), RFM segment, lifetime value,
-- top category, feedback and campaign responses.

with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

merges as (

    select * from {{ ref('int_customer_merges_resolved') }}

),

lifetime_value as (

    select * from {{ ref('fct_customer_lifetime_value') }}

),

rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

customer_months as (

    select * from {{ ref('fct_customer_months') }}

),

affinity as (

    select * from {{ ref('fct_customer_category_affinity') }}

),

feedback as (

    select * from {{ ref('fct_customer_feedback') }}

),

responses as (

    select * from {{ ref('stg_crm__campaign_responses') }}

),

cohorts as (

    select customer_id, min(cohort_month) as cohort_month
    from customer_months
    group by customer_id

),

top_categories as (

    select customer_id, category
    from affinity
    where category_rank = 1

),

feedback_per_customer as (

    select
        customer_id,
        count(*) as feedback_responses,
        avg(cast(score as decimal(18, 4))) as avg_feedback_score
    from feedback
    group by customer_id

),

responses_per_customer as (

    select
        coalesce(merges.customer_id, responses.contact_id) as customer_id,
        count(*) as campaign_responses,
        max(case when responses.response = 'unsubscribed' then 1 else 0 end) = 1 as has_unsubscribed
    from responses
    left join merges
        on responses.contact_id = merges.contact_id
    where not responses.is_archived
    group by 1

),

final as (

    select
        cast(contacts.contact_id as varchar) as customer_id,
        cast(case when merges.is_merged then merges.customer_id end as varchar)
            as merged_into_customer_id,
        cast(contacts.tier as varchar) as tier,
        cast(contacts.home_store_id as varchar) as home_store_id,
        cast(contacts.has_marketing_consent as boolean) as has_marketing_consent,
        cast(contacts.created_at as timestamp) as created_at,
        cast(contacts.is_archived as boolean) as is_archived,
        cast(lifetime_value.first_purchase_date as date) as first_purchase_date,
        cast(lifetime_value.last_purchase_date as date) as last_purchase_date,
        cast(cohorts.cohort_month as date) as cohort_month,
        cast(coalesce(lifetime_value.purchase_receipts, 0) as integer) as purchase_receipts,
        cast(coalesce(lifetime_value.purchase_receipts, 0) >= 2 as boolean) as is_repeat_customer,
        cast(lifetime_value.historical_clv_net as decimal(18, 4)) as historical_clv_net,
        cast(lifetime_value.historical_clv_margin as decimal(18, 4)) as historical_clv_margin,
        cast(rfm.rfm_segment as varchar) as rfm_segment,
        cast(rfm.rfm_cell as varchar) as rfm_cell,
        cast(top_categories.category as varchar) as top_category,
        cast(coalesce(feedback_per_customer.feedback_responses, 0) as integer) as feedback_responses,
        cast(feedback_per_customer.avg_feedback_score as decimal(9, 4)) as avg_feedback_score,
        cast(coalesce(responses_per_customer.campaign_responses, 0) as integer) as campaign_responses,
        cast(coalesce(responses_per_customer.has_unsubscribed, false) as boolean) as has_unsubscribed
    from contacts
    inner join merges
        on contacts.contact_id = merges.contact_id
    left join lifetime_value
        on contacts.contact_id = lifetime_value.customer_id
    left join rfm
        on contacts.contact_id = rfm.customer_id
    left join cohorts
        on contacts.contact_id = cohorts.customer_id
    left join top_categories
        on contacts.contact_id = top_categories.customer_id
    left join feedback_per_customer
        on contacts.contact_id = feedback_per_customer.customer_id
    left join responses_per_customer
        on contacts.contact_id = responses_per_customer.customer_id

)

select * from final

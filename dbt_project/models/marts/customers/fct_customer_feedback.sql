-- One row per CRM feedback: who (customer with merges resolved), which store and topic, the 0-10
-- score and its NPS class (promoter 9-10, passive 7-8, detractor 0-6), dated in the store's timezone.

with

feedback as (

    select * from {{ ref('stg_crm__feedback') }}

),

merges as (

    select * from {{ ref('int_customer_merges_resolved') }}

),

stores as (

    select * from {{ ref('stg_head_office__stores') }}

),

final as (

    select
        cast(feedback.feedback_id as varchar) as feedback_id,
        cast(coalesce(merges.customer_id, feedback.contact_id) as varchar) as customer_id,
        cast(feedback.store_id as varchar) as store_id,
        cast(feedback.topic as varchar) as topic,
        cast(feedback.score as integer) as score,
        cast(
            case
                when feedback.score >= 9 then 'promoter'
                when feedback.score >= 7 then 'passive'
                when feedback.score >= 0 then 'detractor'
            end as varchar
        ) as nps_category,
        cast(feedback.submitted_at as timestamp) as submitted_at,
        cast(
            cast({{ utc_to_local('feedback.submitted_at', "coalesce(stores.timezone, '" ~ var('source_timezone') ~ "')") }} as date)
            as date
        ) as submitted_date
    from feedback
    left join merges
        on feedback.contact_id = merges.contact_id
    left join stores
        on feedback.store_id = stores.store_id
    where not feedback.is_archived

)

select * from final

-- One row per CRM feedback: who (customer with merges resolved), which store and topic, the 0-10
-- score and its NPS class (promoter 9-10, passive 7-8, detractor 0-6), dated in the store's timezone.

with

feedback as (

    select * from {{ ref('stg_crm__feedback') }}

),

merges as (

    select * from {{ ref('int_customer_merges_resolved') }}

),

store_versions as (

    -- the store as head office had it on the (UTC) date, for its timezone
    select * from {{ versions_valid_by_date(ref('snap_head_office__stores'), 'store_id') }}

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
            cast({{ utc_to_local('feedback.submitted_at', "coalesce(store_versions.timezone, '" ~ var('source_timezone') ~ "')") }} as date)
            as date
        ) as submitted_date
    from feedback
    left join merges
        on feedback.contact_id = merges.contact_id
    left join store_versions
        on
            feedback.store_id = store_versions.store_id
            and {{ is_valid_on('store_versions', 'cast(feedback.submitted_at as date)') }}
    where not feedback.is_archived

)

select * from final

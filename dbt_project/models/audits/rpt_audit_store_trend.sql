-- Recurring findings per store as a trend: per store, audit, rule and business week (of the document
-- behind the finding), how many findings there were (open or since closed) and how many are still
-- open. A rule that found something at a store in var audits_recurring_min_weeks or more different
-- weeks is recurring there: fix the process, not only the number.

with

findings as (

    select * from {{ ref('fct_audit_findings') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

weekly as (

    select
        store_id,
        audit,
        rule,
        cast({{ dbt.date_trunc('week', 'business_date') }} as date) as business_week,
        count(*) as findings_count,
        count(case when status = 'open' then 1 end) as open_count,
        sum(abs(amount_cost)) as amount_cost_abs
    from findings
    where store_id is not null and business_date is not null
    group by store_id, audit, rule, cast({{ dbt.date_trunc('week', 'business_date') }} as date)

),

final as (

    select
        cast(weekly.store_id as varchar) as store_id,
        cast(stores.store_name as varchar) as store_name,
        cast(weekly.audit as varchar) as audit,
        cast(weekly.rule as varchar) as rule,
        cast(weekly.business_week as date) as business_week,
        cast(weekly.findings_count as bigint) as findings_count,
        cast(weekly.open_count as bigint) as open_count,
        cast(coalesce(weekly.amount_cost_abs, 0) as decimal(18, 4)) as amount_cost_abs,
        cast(count(*) over (partition by weekly.store_id, weekly.audit, weekly.rule) as bigint)
            as weeks_with_findings,
        count(*) over (partition by weekly.store_id, weekly.audit, weekly.rule)
        >= {{ var('audits_recurring_min_weeks') }} as is_recurring
    from weekly
    left join stores
        on weekly.store_id = stores.store_id

)

select * from final

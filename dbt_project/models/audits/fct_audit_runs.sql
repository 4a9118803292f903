{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}

-- Audit history: one row per audit per dbt run (append only, never rebuilt by --full-refresh): the
-- findings the run raised (open, with run_id = the run), how many of them are blocking (severity
-- error), first raised by this run, and closed by it (the sources no longer show them).

{%- set audits = audit_names() %}

with

findings as (

    select * from {{ ref('fct_audit_findings') }}

),

audits as (

    {% for audit in audits %}
    select '{{ audit }}' as audit
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        cast('{{ invocation_id }}' as varchar) as run_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_at,
        cast(audits.audit as varchar) as audit,
        cast(count(case when findings.status = 'open' then 1 end) as bigint) as findings_count,
        cast(count(case when findings.status = 'open' and findings.severity = 'error' then 1 end) as bigint)
            as error_count,
        cast(
            coalesce(sum(case when findings.status = 'open' then abs(findings.amount_cost) end), 0)
            as decimal(18, 4)
        ) as amount_cost_abs,
        cast(count(case when findings.first_seen_run_id = '{{ invocation_id }}' and findings.status = 'open' then 1 end) as bigint)
            as new_count,
        cast(count(case when findings.closed_run_id = '{{ invocation_id }}' then 1 end) as bigint) as closed_count
    from audits
    left join findings
        on
            audits.audit = findings.audit
            and (findings.run_id = '{{ invocation_id }}' or findings.closed_run_id = '{{ invocation_id }}')
    group by audits.audit

)

select * from final
{% if is_incremental() %}
where final.run_id not in (select loaded.run_id from {{ this }} as loaded)
{% endif %}

{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
    )
}}

-- Audit history: one row per audit per dbt run (append only), with the number of findings. The only
-- relation that grows when nothing changed upstream.

{%- set audits = ['stock_ledger'] %}

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
        cast(count(findings.finding_id) as bigint) as findings_count,
        cast(count(case when findings.severity = 'error' then 1 end) as bigint) as error_count,
        cast(coalesce(sum(abs(findings.amount_cost)), 0) as decimal(18, 4)) as amount_cost_abs
    from audits
    left join findings
        on audits.audit = findings.audit
    group by audits.audit

)

select * from final
{% if is_incremental() %}
where final.run_id not in (select loaded.run_id from {{ this }} as loaded)
{% endif %}

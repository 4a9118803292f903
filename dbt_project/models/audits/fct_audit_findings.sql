{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='finding_id',
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}

-- Every finding any audit ever raised, one row per finding, kept across runs (incremental merge,
-- never rebuilt by --full-refresh). finding_id hashes what the finding is about (audit, rule,
-- store, product, GTIN, document), so the same problem seen again is the same row:
--   - seen in this run: status open, run_id/run_at = this run (the last run that saw it), its
--     values refreshed; first_seen_run_id/first_seen_at stay from the run that first raised it
--     (a closed finding that comes back is reopened and counted in reopened_count);
--   - open before but no longer raised (the sources no longer show it): status closed,
--     closed_run_id/closed_at = this run, run_id/run_at still the last run that saw it.
-- So "this run's findings" are the open ones with run_id = this run. Identical data gives identical
-- rows except run_id and run_at. The list of audits is macros/audits.sql.

{%- set this_run_id = "cast('" ~ invocation_id ~ "' as varchar)" %}
{%- set this_run_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" %}
{%- set columns = audit_finding_columns() %}

with

{% for audit in audit_models() %}
{{ audit }} as (

    select * from {{ ref(audit) }}

),
{% endfor %}

unioned as (

    {% for audit in audit_models() %}
    select {{ columns | join(', ') }}
    from {{ audit }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

current_findings as (

    select
        cast(
            {{ dbt.hash("concat_ws('|', audit, rule, coalesce(store_id, ''), coalesce(product_id, ''), coalesce(gtin, ''), coalesce(document_type, ''), coalesce(document_id, ''))") }}
            as varchar
        ) as finding_id,
        cast(audit as varchar) as audit,
        cast(rule as varchar) as rule,
        {{ this_run_id }} as run_id,
        {{ this_run_at }} as run_at,
        cast(severity as varchar) as severity,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(document_type as varchar) as document_type,
        cast(document_id as varchar) as document_id,
        cast(business_date as date) as business_date,
        cast(expected as decimal(18, 3)) as expected,
        cast(actual as decimal(18, 3)) as actual,
        cast(difference as decimal(18, 3)) as difference,
        cast(round(amount_cost, 4) as decimal(18, 4)) as amount_cost,
        cast(message as varchar) as message
    from unioned

),

{% if is_incremental() %}
{#- a table written before the history columns existed reads them with defaults -#}
{%- set existing = none %}
{%- if this is not string %}{# a unit test's this is its fixture, already in today's shape #}
    {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- if not existing or 'status' in existing %}{% set existing = none %}{% endif %}
{%- endif %}
{%- set defaults = {
    'rule': "case when audit = 'stock_ledger' then 'reported_on_hand_differs' else 'unknown' end", 'business_date': 'cast(null as date)', 'status': "'open'",
    'first_seen_run_id': 'run_id', 'first_seen_at': 'run_at', 'reopened_count': '0',
    'closed_run_id': 'cast(null as varchar)', 'closed_at': 'cast(null as timestamp)',
} %}
previous as (

    select
        {% for column in ['finding_id', 'audit', 'rule', 'run_id', 'run_at', 'severity', 'store_id',
            'product_id', 'gtin', 'document_type', 'document_id', 'business_date', 'expected', 'actual',
            'difference', 'amount_cost', 'message', 'status', 'first_seen_run_id', 'first_seen_at',
            'reopened_count', 'closed_run_id', 'closed_at'] -%}
        {{ column if existing is none or column in existing else defaults[column] }} as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ this }}

),
{% endif %}

seen as (

    select
        current_findings.*,
        cast('open' as varchar) as status,
        {% if is_incremental() %}
        cast(coalesce(previous.first_seen_run_id, current_findings.run_id) as varchar) as first_seen_run_id,
        cast(coalesce(previous.first_seen_at, current_findings.run_at) as timestamp) as first_seen_at,
        cast(
            coalesce(previous.reopened_count, 0)
            + case when previous.status = 'closed' then 1 else 0 end
            as integer
        ) as reopened_count,
        {% else %}
        current_findings.run_id as first_seen_run_id,
        current_findings.run_at as first_seen_at,
        cast(0 as integer) as reopened_count,
        {% endif %}
        cast(null as varchar) as closed_run_id,
        cast(null as timestamp) as closed_at
    from current_findings
    {% if is_incremental() %}
    left join previous
        on current_findings.finding_id = previous.finding_id
    {% endif %}

),

{% if is_incremental() %}
closed as (

    -- open until now, not raised by this run: the sources no longer show it
    select
        previous.finding_id,
        previous.audit,
        previous.rule,
        previous.run_id,
        previous.run_at,
        previous.severity,
        previous.store_id,
        previous.product_id,
        previous.gtin,
        previous.document_type,
        previous.document_id,
        previous.business_date,
        previous.expected,
        previous.actual,
        previous.difference,
        previous.amount_cost,
        previous.message,
        cast('closed' as varchar) as status,
        cast(coalesce(previous.first_seen_run_id, previous.run_id) as varchar) as first_seen_run_id,
        cast(coalesce(previous.first_seen_at, previous.run_at) as timestamp) as first_seen_at,
        cast(coalesce(previous.reopened_count, 0) as integer) as reopened_count,
        {{ this_run_id }} as closed_run_id,
        {{ this_run_at }} as closed_at
    from previous
    left join current_findings
        on previous.finding_id = current_findings.finding_id
    where
        coalesce(previous.status, 'open') = 'open'
        and current_findings.finding_id is null

),
{% endif %}

final as (

    select * from seen
    {% if is_incremental() %}
    union all
    select * from closed
    {% endif %}

)

select * from final

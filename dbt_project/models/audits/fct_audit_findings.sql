-- Every finding of every audit of this run, in one shape. finding_id hashes what the finding is
-- about (audit, store, product, document), so identical data gives identical findings; only run_id
-- (dbt invocation_id) and run_at (run start) change from run to run.

{%- set audits = ['audit_stock_ledger'] %}

with

{% for audit in audits %}
{{ audit }} as (

    select * from {{ ref(audit) }}

),
{% endfor %}

unioned as (

    {% for audit in audits %}
    select
        audit,
        severity,
        store_id,
        product_id,
        gtin,
        document_type,
        document_id,
        expected,
        actual,
        difference,
        amount_cost,
        message
    from {{ audit }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', audit, store_id, coalesce(product_id, gtin), document_type, document_id)") }} as varchar)
            as finding_id,
        cast(audit as varchar) as audit,
        cast('{{ invocation_id }}' as varchar) as run_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as run_at,
        cast(severity as varchar) as severity,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(document_type as varchar) as document_type,
        cast(document_id as varchar) as document_id,
        cast(expected as decimal(18, 3)) as expected,
        cast(actual as decimal(18, 3)) as actual,
        cast(difference as decimal(18, 3)) as difference,
        cast(round(amount_cost, 4) as decimal(18, 4)) as amount_cost,
        cast(message as varchar) as message
    from unioned

)

select * from final

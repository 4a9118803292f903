{#- The consistency audits (models/audits/audit_<check>.sql): one list that fct_audit_findings
    unions and fct_audit_runs counts. Adding an audit = a model here plus its name in this list. -#}
{% macro audit_models() -%}
    {{ return([
        'audit_stock_ledger',
        'audit_transfers',
        'audit_purchasing',
        'audit_sales',
        'audit_loyalty',
        'audit_stocktakes',
        'audit_master_data',
        'audit_freshness',
        'audit_cross_store',
        'audit_warehouse_integrity',
    ]) }}
{%- endmacro %}


{#- Audit names as they appear in fct_audit_findings.audit (the model name without audit_). -#}
{% macro audit_names() -%}
    {%- set names = [] -%}
    {%- for model in audit_models() -%}
        {%- do names.append(model[6:]) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- The columns every audit model selects, in this order (fct_audit_findings casts them). -#}
{% macro audit_finding_columns() -%}
    {{ return([
        'audit', 'rule', 'severity', 'store_id', 'product_id', 'gtin', 'document_type',
        'document_id', 'business_date', 'expected', 'actual', 'difference', 'amount_cost', 'message',
    ]) }}
{%- endmacro %}


{#- True when the text is a GTIN-13 (13 digits) whose check digit is right: digits 1..12 weighted
    1, 3, 1, 3, ...; check = (10 - sum mod 10) mod 10. In-store weighed-item codes (prefix 20-29,
    weight or price inside) carry a right check digit too. Null text is null. -#}
{% macro gtin13_is_valid(column) -%}
    case
        when {{ column }} is null then null
        when not regexp_full_match({{ column }}, '[0-9]{13}') then false
        else (
            10 - (
                {%- for i in range(1, 13) %}
                {{ 3 if i % 2 == 0 else 1 }} * cast(substr({{ column }}, {{ i }}, 1) as integer){{ ' +' if not loop.last }}
                {%- endfor %}
            ) % 10
        ) % 10 = cast(substr({{ column }}, 13, 1) as integer)
    end
{%- endmacro %}


{#- Money as a person reads it: 2 decimals. -#}
{% macro format_money(column) -%}
    cast(cast(round({{ column }}, 2) as decimal(18, 2)) as varchar)
{%- endmacro %}


{#- "units of" or "kg of" for a product's unit. -#}
{% macro units_of(unit_column) -%}
    case when {{ unit_column }} = 'kg' then ' kg of ' else ' units of ' end
{%- endmacro %}


{#- A product as a manager reads it: its name, else the GTIN. -#}
{% macro product_label(name_column, gtin_column) -%}
    coalesce({{ name_column }}, 'unknown product ' || {{ gtin_column }})
{%- endmacro %}

{#- The date the stock and sales reports look back from: var reporting_as_of_date when set, else the
    latest value of `column` in `relation` (the latest business date the data holds), else (nothing
    sold yet) today. -#}
{% macro reporting_as_of_date(relation, column='business_date') -%}
    {%- if var('reporting_as_of_date', none) -%}
    cast('{{ var("reporting_as_of_date") }}' as date)
    {%- else -%}
    coalesce((select max({{ column }}) from {{ relation }}), cast({{ dbt.current_timestamp() }} as date))
    {%- endif -%}
{%- endmacro %}


{#- An 8-byte float on every engine (dbt.type_float() is a 4-byte float on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{#- a / b as a double, null when b is 0 or null (explicit casts: no engine-specific integer division). -#}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}

{#- Folder schemas (staging, intermediate, marts, audits, pii) are used as they are, without the
    target schema as prefix: dashboards and Dagster read marts.<model> in every environment. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

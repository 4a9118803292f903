{#- A UTC timestamp (without time zone) as the wall-clock time in `timezone` (an IANA name or a
    column holding one). AT TIME ZONE reads the same on DuckDB (icu) and PostgreSQL. -#}
{% macro utc_to_local(column, timezone) -%}
    (({{ column }} at time zone 'UTC') at time zone {{ timezone }})
{%- endmacro %}

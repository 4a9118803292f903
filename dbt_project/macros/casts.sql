{#- A timestamp the source gives in UTC (as timestamp or ISO text, with or without offset) as a
    UTC timestamp without time zone. -#}
{% macro to_utc_timestamp(column) -%}
    timezone('UTC', cast({{ column }} as timestamptz))
{%- endmacro %}


{#- Legacy exports: a dd/mm/yyyy date and an HH:MM:SS local time in the chain's timezone, as UTC. -#}
{% macro legacy_local_to_utc(date_column, time_column) -%}
    timezone('UTC', timezone(
        '{{ var("source_timezone") }}',
        strptime(trim({{ date_column }}) || ' ' || trim({{ time_column }}), '%d/%m/%Y %H:%M:%S')
    ))
{%- endmacro %}


{% macro legacy_date(column) -%}
    cast(strptime(trim({{ column }}), '%d/%m/%Y') as date)
{%- endmacro %}


{#- Text from a file (or a number) as a decimal; empty text is null. -#}
{% macro to_decimal(column, precision=18, scale=3) -%}
    cast(nullif(trim(cast({{ column }} as varchar)), '') as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}


{% macro to_text(column) -%}
    nullif(trim(cast({{ column }} as varchar)), '')
{%- endmacro %}


{#- A quantity as a person writes it: 12, 0.5, -1.25 (no trailing zeros). -#}
{% macro format_qty(column) -%}
    rtrim(rtrim(cast(cast({{ column }} as decimal(18, 3)) as varchar), '0'), '.')
{%- endmacro %}

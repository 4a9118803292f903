{#- The date range a partitioned run of the incremental marts replaces (docs: dbt_project/README.md,
    "Incremental marts"). Dagster's backfill of the daily partitions passes it as the vars
    partition_start_date (inclusive) and partition_end_date (exclusive), both YYYY-MM-DD; without
    them (the nightly build) a run rebuilds only what loads touched since the last run. -#}


{#- (start, end) as validated ISO dates, or none when the run has no window. -#}
{% macro partition_window() -%}
    {%- set start = var('partition_start_date', none) -%}
    {%- set end = var('partition_end_date', none) -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if start is none or end is none -%}
        {{ exceptions.raise_compiler_error('partition_start_date and partition_end_date go together') }}
    {%- endif -%}
    {#- parsing rejects anything but a date, so the values are safe to inline -#}
    {%- set start_date = modules.datetime.datetime.strptime(start | string, '%Y-%m-%d').date() -%}
    {%- set end_date = modules.datetime.datetime.strptime(end | string, '%Y-%m-%d').date() -%}
    {%- if end_date <= start_date -%}
        {{ exceptions.raise_compiler_error('partition_end_date must be after partition_start_date') }}
    {%- endif -%}
    {{ return((start_date.isoformat(), end_date.isoformat())) }}
{%- endmacro %}


{#- A predicate: `date_expr` falls in the run's window, widened by `widen_days` on both sides; `false`
    when the run has no window. -#}
{% macro in_partition_window(date_expr, widen_days=0) -%}
    {%- set window = partition_window() -%}
    {%- if window is none -%}
    false
    {%- else -%}
    ({{ date_expr }} >= cast({{ dbt.dateadd('day', -widen_days, "cast('" ~ window[0] ~ "' as date)") }} as date)
        and {{ date_expr }} < cast({{ dbt.dateadd('day', widen_days, "cast('" ~ window[1] ~ "' as date)") }} as date))
    {%- endif -%}
{%- endmacro %}

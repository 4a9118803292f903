{#- The versions of a dbt snapshot as date intervals, so that a fact joins the version valid at its
    date with `valid_from_date <= fact_date and (valid_to_date is null or fact_date < valid_to_date)`.
    A change keyed during a day (UTC) applies from the next day on (head office keys a price in the
    evening before it is valid); one keyed at midnight applies that day. The first recorded version
    of a key also covers every earlier date: the history starts with the first build. Of several
    versions that take effect on the same day, the last keyed one wins. -#}
{% macro versions_valid_by_date(snapshot, unique_key) -%}
    (
        select
            with_start.*,
            lead(with_start.valid_from_date) over (
                partition by with_start.{{ unique_key }} order by with_start.dbt_valid_from
            ) as valid_to_date
        from (
            select
                versions.*,
                case
                    when row_number() over (
                        partition by versions.{{ unique_key }} order by versions.dbt_valid_from
                    ) = 1
                        then cast('1900-01-01' as date)
                    when cast(cast(versions.dbt_valid_from as date) as timestamp) = versions.dbt_valid_from
                        then cast(versions.dbt_valid_from as date)
                    else cast({{ dbt.dateadd('day', 1, 'cast(versions.dbt_valid_from as date)') }} as date)
                end as valid_from_date
            from {{ snapshot }} as versions
        ) as with_start
    )
{%- endmacro %}


{#- The join condition: `version` is valid on `date_column`. -#}
{% macro is_valid_on(version, date_column) -%}
    {{ version }}.valid_from_date <= {{ date_column }}
    and ({{ version }}.valid_to_date is null or {{ date_column }} < {{ version }}.valid_to_date)
{%- endmacro %}

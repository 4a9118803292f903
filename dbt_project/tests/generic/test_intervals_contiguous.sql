{#- Validity intervals per partition neither overlap nor leave gaps: each row ends where the next
    one starts, only the last row is open (valid_to null) and no interval is empty or reversed. -#}
{% test intervals_contiguous(model, partition_by, valid_from='valid_from', valid_to='valid_to') %}

with

ordered as (

    select
        {{ partition_by | join(', ') }},
        {{ valid_from }} as interval_start,
        {{ valid_to }} as interval_end,
        lead({{ valid_from }}) over (
            partition by {{ partition_by | join(', ') }} order by {{ valid_from }}
        ) as next_start
    from {{ model }}

)

select * from ordered
where
    (interval_end is null and next_start is not null)
    or (interval_end is not null and next_start is null)
    or interval_end <> next_start
    or interval_end <= interval_start

{% endtest %}

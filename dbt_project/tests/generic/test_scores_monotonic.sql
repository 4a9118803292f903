{#- A score never goes down as the value it scores goes up: for any two rows, a higher value has
    at least the same score, and equal values have the same score (what percent_rank quintiles
    promise and NTILE does not). Failures are the pairs of rows that break it. -#}
{% test scores_monotonic(model, column_name, value_column) %}

with

per_value as (

    select
        {{ value_column }} as scored_value,
        min({{ column_name }}) as min_score,
        max({{ column_name }}) as max_score
    from {{ model }}
    group by {{ value_column }}

),

ordered as (

    select
        scored_value,
        min_score,
        max_score,
        lag(max_score) over (order by scored_value) as previous_max_score
    from per_value

)

select * from ordered
where min_score <> max_score or min_score < previous_max_score

{% endtest %}

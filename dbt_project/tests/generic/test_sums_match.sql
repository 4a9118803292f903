{#- Reconciliation: per group, the sum of a column in this model equals the sum of a column in
    another relation (within a tolerance). Used to prove the on-hand intervals carry every movement. -#}
{% test sums_match(model, column_name, compare_model, compare_column, group_by, tolerance=0.0005, where_clause=none, compare_where_clause=none) %}

with

left_side as (

    select {{ group_by | join(', ') }}, sum({{ column_name }}) as total
    from {{ model }}
    {% if where_clause %}where {{ where_clause }}{% endif %}
    group by {{ group_by | join(', ') }}

),

right_side as (

    select {{ group_by | join(', ') }}, sum({{ compare_column }}) as total
    from {{ compare_model }}
    {% if compare_where_clause %}where {{ compare_where_clause }}{% endif %}
    group by {{ group_by | join(', ') }}

)

select *
from left_side
full outer join right_side using ({{ group_by | join(', ') }})
where abs(coalesce(left_side.total, 0) - coalesce(right_side.total, 0)) > {{ tolerance }}

{% endtest %}

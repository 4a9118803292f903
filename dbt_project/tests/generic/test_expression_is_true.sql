{#- Every row satisfies the boolean SQL expression (rows where it is false are failures; null
    passes only when the expression handles it). -#}
{% test expression_is_true(model, expression, column_name=none, where_clause=none) %}

select * from {{ model }}
where not coalesce(({{ expression }}), false)
{% if where_clause %}and ({{ where_clause }}){% endif %}

{% endtest %}

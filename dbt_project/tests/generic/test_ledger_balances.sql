{#- Ledger identity per series (e.g. store x GTIN), in `order_by` order: the previous row's closing
    (0 before the first row) + the sum of the `components` = this row's closing, and, when an
    `opening` column is given, opening = the previous row's closing. Rows that break it fail. -#}
{% test ledger_balances(model, partition_by, order_by, closing, components, opening=none, tolerance=0.0005) %}

with

ordered as (

    select
        {{ partition_by | join(', ') }},
        {{ order_by }} as ordered_by,
        {% if opening %}{{ opening }}{% else %}cast(null as decimal(18, 3)){% endif %} as opening_value,
        {% for component in components %}coalesce({{ component }}, 0){{ ' + ' if not loop.last }}{% endfor %}
            as change_value,
        {{ closing }} as closing_value,
        coalesce(
            lag({{ closing }}) over (partition by {{ partition_by | join(', ') }} order by {{ order_by }}),
            0
        ) as previous_closing
    from {{ model }}

)

select * from ordered
where
    abs(previous_closing + change_value - closing_value) > {{ tolerance }}
    {% if opening %}or abs(opening_value - previous_closing) > {{ tolerance }}{% endif %}

{% endtest %}

{#- A 1-5 score by quintile of percent_rank over `order_by` (ascending: the highest values score
    5), equal values sharing a score: least(5, 1 + floor(5 x percent_rank)), with
    percent_rank = (rank - 1) / (n - 1), computed in integers so every engine gives the same score
    at the quintile boundaries (no floating point, no integer division). One row alone scores 1,
    as percent_rank is 0 there. -#}
{% macro quintile_score(order_by) -%}
    case
        when count(*) over () = 1 then 1
        else 1
        {%- for k in range(1, 5) %}
            + case
                when 5 * (rank() over (order by {{ order_by }}) - 1) >= {{ k }} * (count(*) over () - 1)
                    then 1
                else 0
            end
        {%- endfor %}
    end
{%- endmacro %}

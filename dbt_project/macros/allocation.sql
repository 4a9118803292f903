{#- Share a total booked per document and GTIN (goods received, units shipped) out over the
    document's lines of that GTIN in line order: each line takes up to its ordered quantity, the
    last line takes the rest (so the lines always add up to the total). Null total stays null. -#}
{% macro allocate_in_line_order(total, qty_ordered, qty_ordered_before, is_last_line) -%}
    case
        when {{ total }} is null then null
        when {{ is_last_line }}
            then {{ total }} - least({{ qty_ordered_before }}, {{ total }})
        else least({{ qty_ordered }}, greatest({{ total }} - {{ qty_ordered_before }}, 0))
    end
{%- endmacro %}

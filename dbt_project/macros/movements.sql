{#- Modern and legacy stores share one movement vocabulary (docs/source_contracts.md §2). -#}
{% macro movement_types() -%}
    {{ return(['goods_receipt', 'sale', 'return', 'transfer_out', 'transfer_in', 'adjustment',
               'stocktake_correction']) }}
{%- endmacro %}

{% macro document_types() -%}
    {{ return(['receipt', 'purchase_order', 'transfer', 'stocktake', 'adjustment']) }}
{%- endmacro %}

{% macro normalize_movement_type(column) -%}
    replace(lower({{ to_text(column) }}), ' ', '_')
{%- endmacro %}

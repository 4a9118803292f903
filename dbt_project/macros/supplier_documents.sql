{#- Supplier documents (shipping notices, price lists, order confirmations): a document is one
    file, and a re-sent document replaces all lines of the earlier one. From the typed rows of new
    landing files (`relation`), the lines of each document's latest file, only when that file is
    newer than the one loaded (the model's delete+insert on (supplier_id, document) swaps them in),
    one row per source line, keyed `line_key`. -#}
{% macro latest_document_lines(relation, document_key, line_key) -%}
    select
        {{ dbt.hash("concat_ws('|', supplier_id, " ~ document_key ~ ", cast(source_line as varchar))") }}
            as {{ line_key }},
        *
    from (
        select * from {{ relation }}
        qualify _batch_id = max(_batch_id) over (partition by supplier_id, {{ document_key }})
    ) as latest_file
    where {{ newer_than_loaded('latest_file', ['supplier_id', document_key], ['_batch_id']) }}
    qualify row_number() over (
        partition by supplier_id, {{ document_key }}, source_line order by _source_id
    ) = 1
{%- endmacro %}

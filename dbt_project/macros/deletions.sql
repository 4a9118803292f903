{#- Hard deletes at a modern store (docs/source_contracts.md, landing `<object>__deleted`): ingest's
    key reconciliation lands the keys the store system no longer has. Staging keeps them as one
    more version of the row: the last known columns (so downstream still knows the store and
    business date it belonged to), `updated_at` = when the deletion was detected, `is_deleted`
    true. A row the store writes again later has a newer `updated_at` and wins as usual. -#}


{#- The deletion keys of one store table, renamed like the table's staging model. -#}
{% macro landed_deletions(table_name, key_columns) -%}
    select
        _source_id as store_id,
        {% for key, data_type in key_columns -%}
        {%- if data_type == 'varchar' %}
        {{ to_text(key) }} as {{ key }},
        {%- else %}
        cast({{ key }} as {{ data_type }}) as {{ key }},
        {%- endif %}
        {%- endfor %}
        {{ to_utc_timestamp('_deleted_detected_at') }} as deleted_at,
        {{ landing_lineage_columns() }}
    from {{ landing_source('store', table_name ~ '__deleted') }} as src
    {{ only_new_landing_files() }}
{%- endmacro %}


{#- One deleted version per deleted key: the latest known version of the row (among the rows read
    in this run and, in an incremental run, the rows already loaded) with the deletion's time,
    batch and file, flagged is_deleted. -#}
{% macro deleted_versions(renamed, deletions, unique_key) -%}
    select
        prior.* replace (
            {{ deletions }}.deleted_at as updated_at,
            {{ deletions }}._source_id as _source_id,
            {{ deletions }}._batch_id as _batch_id,
            {{ deletions }}._loaded_at as _loaded_at,
            {{ deletions }}._landing_file as _landing_file,
            true as is_deleted
        )
    from {{ deletions }}
    inner join (
        select * from {{ renamed }}
        {%- if is_incremental() %}
        union all by name
        select * from {{ this }}
        {%- endif %}
    ) as prior
        on
            {% for key in unique_key -%}
            prior.{{ key }} = {{ deletions }}.{{ key }}{{ ' and' if not loop.last }}
            {% endfor %}
    qualify row_number() over (
        partition by {% for key in unique_key %}prior.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
        order by prior.updated_at desc, prior._batch_id desc
    ) = 1
{%- endmacro %}

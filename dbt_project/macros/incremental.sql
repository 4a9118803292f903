{#- Incremental marts reprocess what a load touched (docs: dbt_project/README.md, "Incremental marts").

    Each incremental mart carries `_loaded_at`, when the newest landed row behind it was loaded (UTC).
    The watermark of a store is the newest `_loaded_at` among the mart's rows of that store: loads of
    one store are serialised by ingest, so every row that lands later for that store has a later
    `_loaded_at` (a watermark per store, not one for the chain, because stores load in parallel). -#}


{#- A predicate: `loaded_at` is newer than the model's watermark for the row's store (the newest
    `watermark_column`, `_loaded_at` by default, among the model's rows of that store). The
    watermarks are read once, when the model is rendered, and inlined as literals, so the model's
    select and the incremental strategy (which renders the same SQL again before it changes the
    table) see the same ones. Outside an incremental run every row is new. -#}
{% macro loaded_after_watermark(loaded_at, store_id, watermark_column='_loaded_at') -%}
    {%- set existing_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
        if execute and is_incremental() else [] -%}
    {%- if not execute or not is_incremental() or watermark_column not in existing_columns -%}
    {#- a table built before it carried the watermark column is rebuilt whole (every partition is
        touched); so is a store whose rows have no watermark (the column was just added by
        on_schema_change, before the strategy renders this again) -#}
    true
    {%- else -%}
    {%- set marks = run_query(
        'select store_id, max(' ~ watermark_column ~ ') from ' ~ this ~ ' group by store_id order by store_id'
    ).rows | selectattr(1, 'ne', none) | list -%}
    {%- if marks | length == 0 -%}
    true
    {%- else -%}
    ({{ loaded_at }} > case {{ store_id }}
        {%- for row in marks %}
        when '{{ row[0] }}' then cast('{{ row[1] }}' as timestamp)
        {%- endfor %}
        else cast('1900-01-01 00:00:00' as timestamp)
    end)
    {%- endif %}
    {%- endif -%}
{%- endmacro %}


{#- Custom incremental strategy `replace_touched` (config `incremental_strategy='replace_touched'`).

    Partition mode (config `unique_key`: the partition columns, e.g. store_id, business_date): every
    row of the table in a partition the new rows cover, or that the macro named by config
    `touched_partitions_macro` lists (partitions whose rows may all be gone now, e.g. a store-day
    whose only receipt was voided), is deleted, then the new rows are inserted. The model selects
    every row of each touched partition, so a late correction replaces its old version exactly once.
    With config `partition_date_column` and a run window (macros/partition_window.sql), every row
    whose date falls in the window is deleted too: a backfill replaces its days whole, even a
    store-day that has no rows any more.

    Replace-from mode (config `replace_from_column`, e.g. valid_from; `unique_key` the series,
    e.g. store_id, gtin): per series, the rows from the earliest new `replace_from_column` on are
    deleted and the new rows inserted (a running balance recomputed from its first touched point). -#}
{% macro get_incremental_replace_touched_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set replace_from = config.get('replace_from_column') -%}
    {%- set touched_macro = config.get('touched_partitions_macro') -%}
    {%- set window_column = config.get('partition_date_column') -%}
    {%- if not keys -%}
        {{ exceptions.raise_compiler_error('replace_touched needs unique_key (the partition columns)') }}
    {%- endif -%}

    {%- if replace_from %}
    {#- The model re-emits the existing row its recomputation starts from; when its earliest new
        row is not an existing row of the series, nothing was carried and the series is new rows
        from its very start, so all of its old rows go. -#}
    delete from {{ target }}
    where exists (
        select 1
        from (
            select
                {% for key in keys -%}
                new_rows.{{ key }},
                {% endfor -%}
                min(new_rows.{{ replace_from }}) as replace_from
            from {{ source }} as new_rows
            group by {% for key in keys %}new_rows.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
        ) as touched
        where
            {% for key in keys -%}
            touched.{{ key }} = {{ target }}.{{ key }} and
            {% endfor -%}
            (
                {{ target }}.{{ replace_from }} >= touched.replace_from
                or not exists (
                    select 1 from {{ target }} as carried
                    where
                        {% for key in keys -%}
                        carried.{{ key }} = touched.{{ key }} and
                        {% endfor -%}
                        carried.{{ replace_from }} = touched.replace_from
                )
            )
    );
    {%- else %}
    delete from {{ target }}
    where exists (
        select 1
        from (
            select {{ keys | join(', ') }} from {{ source }}
            {%- if touched_macro %}
            union
            select {{ keys | join(', ') }} from ({{ context[touched_macro]() }}) as listed
            {%- endif %}
        ) as touched
        where
            {% for key in keys -%}
            touched.{{ key }} = {{ target }}.{{ key }}{{ ' and' if not loop.last }}
            {% endfor %}
    )
    {%- if window_column and partition_window() is not none %}
    or {{ in_partition_window(target ~ '.' ~ window_column) }}
    {%- endif %};
    {%- endif %}

    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ source }}
{%- endmacro %}

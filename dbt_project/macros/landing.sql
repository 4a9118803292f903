{#- Reading the landing Parquet (docs/source_contracts.md, "Landing"). -#}

{% macro data_dir() -%}
    {{ return(env_var('RETAILWH_DATA_DIR', '../data')) }}
{%- endmacro %}


{% macro landing_dir() -%}
    {{ return(data_dir() ~ '/landing') }}
{%- endmacro %}


{#- Load metadata that ingestion adds to every landed row; file sources add _source_file/_source_line. -#}
{% macro landing_metadata_columns() -%}
    {{ return([
        ('_source', 'varchar'), ('_object', 'varchar'), ('_source_id', 'varchar'),
        ('_batch_id', 'varchar'), ('_loaded_at', 'timestamp'),
        ('_source_file', 'varchar'), ('_source_line', 'bigint'), ('filename', 'varchar'),
    ]) }}
{%- endmacro %}


{#- The landing relation of one source object: source() (whose meta.external_location reads every
    landed batch), or, while nothing has landed yet for that object, an empty relation typed from the
    source's documented columns, so that a chain without legacy stores or suppliers still builds. -#}
{% macro landing_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name) | first -%}
    {#- a table's meta.landing_glob (relative to landing/) overrides the <source>/<object>/<id>/ layout;
        meta.data_path (relative to the data folder) names files outside the landing -#}
    {%- if node.meta.get('data_path') -%}
        {%- set pattern = data_dir() ~ '/' ~ node.meta.data_path -%}
    {%- else -%}
        {%- set glob = node.meta.get('landing_glob', source_name ~ '/' ~ table_name ~ '/*/*.parquet') -%}
        {%- set pattern = landing_dir() ~ '/' ~ glob -%}
    {%- endif -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
    {%- if found > 0 -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- set names = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- do names.append(name) -%}
        {%- do columns.append('cast(null as ' ~ (column.data_type or 'varchar') ~ ') as ' ~ adapter.quote(name)) -%}
    {%- endfor -%}
    {%- set metadata = [] if node.meta.get('data_path') else landing_metadata_columns() -%}
    {%- for name, data_type in metadata if name not in names -%}
        {%- do columns.append('cast(null as ' ~ data_type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {{ return('(select ' ~ columns | join(', ') ~ ' where false)') }}
{%- endmacro %}


{#- Incremental staging reads only landing files it has not seen yet (FACTS.md recipe). -#}
{% macro only_new_landing_files() -%}
    {%- if is_incremental() %}
    where filename not in (select distinct existing._landing_file from {{ this }} as existing)
    {%- endif -%}
{%- endmacro %}


{#- Incremental staging: a row from new files replaces the loaded version of its key only when it is
    newer (version_columns compared in order). Files whose rows were all superseded are read again
    (their names are gone from the table) but then change nothing. -#}
{% macro newer_than_loaded(alias, unique_key, version_columns) -%}
    {%- if is_incremental() -%}
    not exists (
        select 1
        from {{ this }} as loaded
        where
            {% for key in unique_key -%}
            loaded.{{ key }} = {{ alias }}.{{ key }} and
            {% endfor -%}
            (
            {%- for i in range(version_columns | length) %}
                {% if not loop.first %}or {% endif %}(
                {%- for j in range(i) -%}
                    loaded.{{ version_columns[j] }} = {{ alias }}.{{ version_columns[j] }} and {% endfor -%}
                loaded.{{ version_columns[i] }} {{ '>=' if loop.last else '>' }} {{ alias }}.{{ version_columns[i] }})
            {%- endfor %}
            )
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}


{#- Incremental staging: the newest version of each key among the rows read from `relation`, kept
    only when it is newer than the version already loaded. One key list and one version list serve
    the dedupe, the comparison and the model's unique_key. -#}
{% macro latest_versions(relation, unique_key, version_columns) -%}
    select * from (
        select * from {{ relation }}
        qualify row_number() over (
            partition by {{ unique_key | join(', ') }}
            order by {% for column in version_columns %}{{ column }} desc{{ ', ' if not loop.last }}{% endfor %}
        ) = 1
    ) as latest
    where {{ newer_than_loaded('latest', unique_key, version_columns) }}
{%- endmacro %}


{#- Columns every staging model carries from the landing. -#}
{% macro landing_lineage_columns() -%}
    _source_id,
    _batch_id,
    {{ to_utc_timestamp('_loaded_at') }} as _loaded_at,
    filename as _landing_file
{%- endmacro %}

with

quarantined as (

    select * from {{ ref('stg_quarantine__rows') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'batch_id', "'|'", "coalesce(source_file, '')", "'|'",
            "coalesce(cast(line_no as varchar), '')", "'|'", 'reason',
        ])) }} as quarantined_row_key,
        source_kind,
        source_object,
        source_id,
        batch_id,
        quarantined_at,
        source_file,
        line_no,
        is_whole_file,
        raw_masked,
        reason
    from quarantined

)

select * from final

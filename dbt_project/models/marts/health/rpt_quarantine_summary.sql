with

quarantined as (

    select * from {{ ref('stg_quarantine__rows') }}

),

final as (

    select
        source_kind,
        source_object,
        source_id,
        reason,
        cast(count(*) as bigint) as rows_quarantined,
        cast(count(*) filter (where is_whole_file) as bigint) as files_quarantined_whole,
        cast(count(distinct source_file) as bigint) as files_affected,
        min(quarantined_at) as first_quarantined_at,
        max(quarantined_at) as last_quarantined_at
    from quarantined
    group by source_kind, source_object, source_id, reason

)

select * from final

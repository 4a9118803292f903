with

source as (

    select * from {{ landing_source('crm', 'feedback') }} as src

),

renamed as (

    select
        {{ to_text('id') }} as feedback_id,
        {{ to_text('contact_id') }} as contact_id,
        {{ to_text('store_id') }} as store_id,
        lower({{ to_text('topic') }}) as topic,
        cast({{ to_text('score') }} as integer) as score,
        {{ to_utc_timestamp(to_text('submitted_at')) }} as submitted_at,
        coalesce(cast(archived as boolean), false) as is_archived,
        {{ to_utc_timestamp('coalesce(' ~ to_text('"updatedAt"') ~ ', ' ~ to_text('lastmodifieddate') ~ ')') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by feedback_id order by updated_at desc, _batch_id desc) = 1

)

select * from latest

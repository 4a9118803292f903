with

source as (

    select * from {{ landing_source('crm', 'campaigns') }} as src

),

renamed as (

    select
        {{ to_text('id') }} as campaign_id,
        {{ to_text('name') }} as campaign_name,
        lower({{ to_text('channel') }}) as channel,
        cast({{ to_text('start_date') }} as date) as start_date,
        cast({{ to_text('end_date') }} as date) as end_date,
        lower({{ to_text('segment') }}) as target_segment,
        coalesce(cast(archived as boolean), false) as is_archived,
        {{ to_utc_timestamp('coalesce(' ~ to_text('createdate') ~ ', ' ~ to_text('"createdAt"') ~ ')') }} as created_at,
        {{ to_utc_timestamp('coalesce(' ~ to_text('"updatedAt"') ~ ', ' ~ to_text('lastmodifieddate') ~ ')') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by campaign_id order by updated_at desc, _batch_id desc) = 1

)

select * from latest

with

source as (

    select * from {{ landing_source('crm', 'campaign_responses') }} as src

),

renamed as (

    select
        {{ to_text('id') }} as campaign_response_id,
        {{ to_text('campaign_id') }} as campaign_id,
        {{ to_text('contact_id') }} as contact_id,
        lower({{ to_text('response') }}) as response,
        {{ to_utc_timestamp(to_text('responded_at')) }} as responded_at,
        coalesce(cast(archived as boolean), false) as is_archived,
        {{ to_utc_timestamp('coalesce(' ~ to_text('"updatedAt"') ~ ', ' ~ to_text('lastmodifieddate') ~ ')') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (
        partition by campaign_response_id order by updated_at desc, _batch_id desc
    ) = 1

)

select * from latest

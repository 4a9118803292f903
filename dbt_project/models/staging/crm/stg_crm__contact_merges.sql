-- Merged CRM members: the surviving contact lists the ids it absorbed in hs_merged_object_ids
-- (';'-separated); the absorbed contacts are archived. One row per (survivor, absorbed contact),
-- from the latest version of each surviving contact.

with

source as (

    select * from {{ landing_source('crm', 'contacts') }} as src

),

renamed as (

    select
        {{ to_text('id') }} as contact_id,
        {{ to_text('hs_merged_object_ids') }} as merged_object_ids,
        {{ to_utc_timestamp('coalesce(' ~ to_text('"updatedAt"') ~ ', ' ~ to_text('lastmodifieddate') ~ ')') }} as updated_at,
        _batch_id
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by contact_id order by updated_at desc, _batch_id desc) = 1

),

merges as (

    select
        contact_id as surviving_contact_id,
        trim(unnest(string_split(merged_object_ids, ';'))) as merged_contact_id,
        updated_at
    from latest
    where merged_object_ids is not null

),

final as (

    select distinct
        surviving_contact_id,
        merged_contact_id,
        updated_at
    from merges
    where merged_contact_id <> ''

)

select * from final

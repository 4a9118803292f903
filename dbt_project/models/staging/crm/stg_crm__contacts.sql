with

source as (

    select * from {{ landing_source('crm', 'contacts') }} as src

),

renamed as (

    select
        {{ to_text('id') }} as contact_id,
        {{ to_text('firstname') }} as first_name,
        {{ to_text('lastname') }} as last_name,
        lower({{ to_text('email') }}) as email,
        {{ to_text('phone') }} as phone,
        {{ to_text('loyalty_card') }} as loyalty_card,
        lower({{ to_text('tier') }}) as tier,
        coalesce(cast({{ to_text('marketing_consent') }} as boolean), false) as has_marketing_consent,
        {{ to_text('home_store_id') }} as home_store_id,
        {{ to_text('hs_merged_object_ids') }} as merged_contact_ids,
        coalesce(cast(archived as boolean), false) as is_archived,
        {{ to_utc_timestamp('coalesce(' ~ to_text('createdate') ~ ', ' ~ to_text('"createdAt"') ~ ')') }} as created_at,
        {{ to_utc_timestamp('coalesce(' ~ to_text('"updatedAt"') ~ ', ' ~ to_text('lastmodifieddate') ~ ')') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by contact_id order by updated_at desc, _batch_id desc) = 1

)

select * from latest

with

source as (

    select * from {{ landing_source('head_office', 'stores') }} as src

),

renamed as (

    select
        {{ to_text('store_id') }} as store_id,
        {{ to_text('name') }} as store_name,
        {{ to_text('region') }} as region,
        {{ to_text('city') }} as city,
        {{ to_text('timezone') }} as timezone,
        lower({{ to_text('kind') }}) as store_kind,
        cast(opened_on as date) as opened_on,
        cast(size_sqm as integer) as size_sqm,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by store_id order by updated_at desc, _batch_id desc) = 1

)

select * from latest

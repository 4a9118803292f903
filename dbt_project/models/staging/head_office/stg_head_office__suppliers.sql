with

source as (

    select * from {{ landing_source('head_office', 'suppliers') }} as src

),

renamed as (

    select
        {{ to_text('supplier_id') }} as supplier_id,
        {{ to_text('name') }} as supplier_name,
        cast(lead_time_days as integer) as lead_time_days,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by supplier_id order by updated_at desc, _batch_id desc) = 1

)

select * from latest

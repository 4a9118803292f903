with

stores as (

    select * from {{ ref('stg_head_office__stores') }}

),

final as (

    select
        cast(store_id as varchar) as store_id,
        cast(store_name as varchar) as store_name,
        cast(region as varchar) as region,
        cast(city as varchar) as city,
        cast(store_kind as varchar) as store_kind,
        cast(opened_on as date) as opened_on,
        cast(timezone as varchar) as timezone,
        cast(size_sqm as integer) as size_sqm
    from stores

)

select * from final

with

movements as (

    select * from {{ ref('int_stock_movements_unioned') }}

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', source_system, store_id, movement_id)") }} as varchar) as movement_key,
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(movement_type as varchar) as movement_type,
        cast(qty as decimal(18, 3)) as qty,
        cast(moved_at as timestamp) as moved_at,
        cast(business_date as date) as business_date,
        cast(document_type as varchar) as document_type,
        cast(document_id as varchar) as document_id,
        cast(counterparty_store_id as varchar) as counterparty_store_id,
        cast(source_system as varchar) as source_system,
        cast(movement_id as varchar) as movement_id
    from movements

)

select * from final

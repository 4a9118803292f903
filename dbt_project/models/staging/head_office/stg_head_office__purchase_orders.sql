with

source as (

    select * from {{ landing_source('head_office', 'purchase_orders') }} as src

),

renamed as (

    select
        {{ to_text('po_id') }} as po_id,
        {{ to_text('supplier_id') }} as supplier_id,
        {{ to_text('store_id') }} as store_id,
        {{ to_utc_timestamp('ordered_at') }} as ordered_at,
        cast(requested_date as date) as requested_date,
        lower({{ to_text('status') }}) as po_status,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ landing_lineage_columns() }}
    from source

),

latest as (

    select * from renamed
    qualify row_number() over (partition by po_id order by updated_at desc, _batch_id desc) = 1

)

select * from latest

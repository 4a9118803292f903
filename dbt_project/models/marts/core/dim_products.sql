with

products as (

    select * from {{ ref('stg_head_office__products') }}

),

final as (

    select
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(product_name as varchar) as product_name,
        cast(category as varchar) as category,
        cast(unit as varchar) as unit,
        cast(case_pack as integer) as case_pack,
        cast(vat_rate as decimal(5, 4)) as vat_rate,
        cast(cost_price as decimal(12, 4)) as cost_price,
        cast(retail_price_gross as decimal(12, 2)) as retail_price_gross,
        cast(round(retail_price_gross / (1 + vat_rate), 4) as decimal(12, 4)) as retail_price_net,
        cast(supplier_id as varchar) as supplier_id
    from products

)

select * from final

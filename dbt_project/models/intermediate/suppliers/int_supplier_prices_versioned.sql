-- The supplier price list as validity intervals per supplier and GTIN: each price list line holds
-- from its valid_from until the next line of the same supplier and GTIN takes over (valid_to,
-- exclusive; null while current). Of two lines valid from the same day, the later list wins.

with

price_lines as (

    select * from {{ ref('stg_supplier__price_list_lines') }}

),

latest_per_day as (

    select * from price_lines
    qualify row_number() over (
        partition by supplier_id, gtin, valid_from
        order by _batch_id desc, price_list_id desc, source_line desc
    ) = 1

),

final as (

    select
        supplier_id,
        gtin,
        price_list_id,
        unit_cost,
        currency,
        valid_from,
        lead(valid_from) over (partition by supplier_id, gtin order by valid_from) as valid_to
    from latest_per_day

)

select * from final

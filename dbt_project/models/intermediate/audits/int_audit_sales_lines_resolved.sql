{{ config(materialized='table') }}

-- POS lines (modern and legacy) with the head-office product each GTIN stands for: the exact GTIN;
-- else, for a GTIN-13 with a wrong check digit, the product whose first 12 digits it shares (the
-- till misread the last digit); else, for an in-store weighed-item code (prefix 2, weight or price
-- inside), the product with the same item prefix (first 7 digits). Resolved once per distinct GTIN.
-- A table: the sales and master data audits both read every line.

with

sales_lines as (

    -- lines the store system deleted later are no longer what it says
    select * from {{ ref('int_sales_lines_unioned') }}
    where not is_deleted

),

products as (

    select * from {{ ref('stg_head_office__products') }}

),

scanned_gtins as (

    select
        gtin,
        any_value(product_id) as product_id,
        {{ gtin13_is_valid('gtin') }} as is_gtin_valid
    from sales_lines
    where gtin is not null
    group by gtin

),

by_body as (

    select
        substr(gtin, 1, 12) as gtin_body,
        product_id,
        gtin
    from products

),

by_weighed_prefix as (

    select
        substr(gtin, 1, 7) as item_prefix,
        any_value(product_id) as product_id,
        any_value(gtin) as gtin
    from products
    where gtin like '2%'
    group by substr(gtin, 1, 7)
    having count(*) = 1

),

resolved_gtins as (

    select
        scanned_gtins.gtin,
        scanned_gtins.is_gtin_valid,
        coalesce(
            scanned_gtins.product_id,
            case when not scanned_gtins.is_gtin_valid then by_body.product_id end,
            case when scanned_gtins.is_gtin_valid then by_weighed_prefix.product_id end
        ) as resolved_product_id,
        case
            when scanned_gtins.product_id is not null then scanned_gtins.gtin
            when not scanned_gtins.is_gtin_valid then by_body.gtin
            else by_weighed_prefix.gtin
        end as resolved_gtin
    from scanned_gtins
    left join by_body
        on
            scanned_gtins.product_id is null
            and substr(scanned_gtins.gtin, 1, 12) = by_body.gtin_body
    left join by_weighed_prefix
        on
            scanned_gtins.product_id is null
            and scanned_gtins.gtin like '2%'
            and substr(scanned_gtins.gtin, 1, 7) = by_weighed_prefix.item_prefix

),

final as (

    select
        sales_lines.*,
        resolved_gtins.is_gtin_valid,
        resolved_gtins.resolved_product_id,
        resolved_gtins.resolved_gtin
    from sales_lines
    left join resolved_gtins
        on sales_lines.gtin = resolved_gtins.gtin

)

select * from final

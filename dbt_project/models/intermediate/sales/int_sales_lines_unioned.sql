-- Modern receipt lines (with their receipt header) and legacy sales lines in one shape, with the
-- head-office product behind each GTIN. Voided receipts and rows the store system deleted stay
-- here (flagged); the mart drops them.

with

modern_lines as (

    select * from {{ ref('stg_store__receipt_lines') }}

),

modern_receipts as (

    select * from {{ ref('stg_store__receipts') }}

),

legacy_lines as (

    select * from {{ ref('stg_legacy_store__sales_lines') }}

),

products as (

    select * from {{ ref('stg_head_office__products') }}

),

modern as (

    select
        'modern' as source_system,
        modern_lines.store_id,
        modern_lines.receipt_id,
        modern_lines.line_no,
        modern_receipts.business_date,
        modern_receipts.created_at as sold_at,
        modern_lines.gtin,
        modern_lines.qty,
        modern_lines.unit_price_gross,
        modern_lines.discount_gross,
        modern_lines.line_total_gross,
        modern_lines.vat_rate,
        modern_receipts.loyalty_card,
        modern_receipts.receipt_status,
        modern_lines.is_deleted or modern_receipts.is_deleted as is_deleted,
        -- a void lands as a new receipt version: the line counts as loaded again
        greatest(modern_lines._loaded_at, modern_receipts._loaded_at) as _loaded_at
    from modern_lines
    -- a line whose header has not landed yet waits for it
    inner join modern_receipts
        on
            modern_lines.store_id = modern_receipts.store_id
            and modern_lines.receipt_id = modern_receipts.receipt_id

),

legacy as (

    select
        'legacy' as source_system,
        store_id,
        receipt_id,
        line_no,
        business_date,
        sold_at,
        gtin,
        qty,
        unit_price_gross,
        discount_gross,
        line_total_gross,
        -- the legacy export has no VAT column: head office's rate applies
        cast(null as decimal(5, 4)) as vat_rate,
        loyalty_card,
        'completed' as receipt_status,
        false as is_deleted,
        _loaded_at
    from legacy_lines

),

unioned as (

    select * from modern
    union all
    select * from legacy

),

final as (

    select
        unioned.source_system,
        unioned.store_id,
        unioned.receipt_id,
        unioned.line_no,
        unioned.business_date,
        unioned.sold_at,
        unioned.gtin,
        products.product_id,
        unioned.qty,
        unioned.unit_price_gross,
        unioned.discount_gross,
        unioned.line_total_gross,
        coalesce(unioned.vat_rate, products.vat_rate) as vat_rate,
        products.cost_price,
        unioned.loyalty_card,
        unioned.receipt_status,
        unioned.is_deleted,
        unioned._loaded_at
    from unioned
    left join products
        on unioned.gtin = products.gtin

)

select * from final

-- The on-hand each store system reports, per store and GTIN: the modern stores' stock_on_hand
-- table (document stock_on_hand), and for legacy stores each GTIN's latest daily stock file
-- (document type stock, id the file name).

with

modern_levels as (

    select * from {{ ref('stg_store__stock_levels') }}

),

legacy_levels as (

    select * from {{ ref('stg_legacy_store__stock_levels') }}

),

products as (

    select * from {{ ref('stg_head_office__products') }}

),

legacy_latest as (

    -- per GTIN its latest daily stock row: a cut-off last file leaves the missing GTINs at the
    -- previous day's file instead of reporting them as 0
    select * from legacy_levels
    qualify row_number() over (partition by store_id, gtin order by stock_date desc) = 1

),

unioned as (

    select
        'modern' as source_system,
        store_id,
        gtin,
        on_hand_qty as reported_on_hand_qty,
        reported_at,
        cast(null as date) as report_date,
        'stock_on_hand' as report_document_type,
        'stock_on_hand' as report_document_id
    from modern_levels

    union all

    select
        'legacy' as source_system,
        store_id,
        gtin,
        on_hand_qty as reported_on_hand_qty,
        cast(null as timestamp) as reported_at,
        stock_date as report_date,
        'stock' as report_document_type,
        -- the export file, e.g. S003_20261031_stock.csv
        regexp_extract(source_file, '[^/\\\\]+$') as report_document_id
    from legacy_latest

),

final as (

    select
        unioned.*,
        products.product_id
    from unioned
    left join products
        on unioned.gtin = products.gtin

)

select * from final

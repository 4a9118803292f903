{{ config(materialized='table') }}

-- What each store sent per business day and source object: POS receipts (modern headers, legacy
-- export lines), stock movements and daily stock reports. The freshness and volume audits and the
-- audits' data coverage per store read this (a table: several audits scan it).

with

receipts as (

    select * from {{ ref('stg_store__receipts') }}
    where not is_deleted

),

sales_lines as (

    select * from {{ ref('int_sales_lines_unioned') }}
    where not is_deleted

),

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

legacy_levels as (

    select * from {{ ref('stg_legacy_store__stock_levels') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

modern_receipts as (

    select
        store_id,
        'modern' as source_system,
        'receipts' as source_object,
        business_date,
        count(*) as rows_sent,
        count(*) as receipts_sent
    from receipts
    group by store_id, business_date

),

legacy_receipts as (

    select
        store_id,
        'legacy' as source_system,
        'sales' as source_object,
        business_date,
        count(*) as rows_sent,
        count(distinct receipt_id) as receipts_sent
    from sales_lines
    where source_system = 'legacy'
    group by store_id, business_date

),

movement_days as (

    select
        store_id,
        source_system,
        case when source_system = 'legacy' then 'moves' else 'stock_movements' end as source_object,
        business_date,
        count(*) as rows_sent,
        cast(null as bigint) as receipts_sent
    from movements
    group by store_id, source_system, business_date

),

stock_report_days as (

    select
        store_id,
        'legacy' as source_system,
        'stock' as source_object,
        stock_date as business_date,
        count(*) as rows_sent,
        cast(null as bigint) as receipts_sent
    from legacy_levels
    group by store_id, stock_date

),

unioned as (

    select * from modern_receipts
    union all
    select * from legacy_receipts
    union all
    select * from movement_days
    union all
    select * from stock_report_days

),

final as (

    select
        unioned.store_id,
        unioned.source_system,
        unioned.source_object,
        unioned.business_date,
        cast({{ dbt.date_trunc('week', 'unioned.business_date') }} as date) as business_week,
        dayofweek(unioned.business_date) as weekday,
        unioned.rows_sent,
        unioned.receipts_sent,
        stores.store_id is not null as is_known_store
    from unioned
    left join stores
        on unioned.store_id = stores.store_id

)

select * from final

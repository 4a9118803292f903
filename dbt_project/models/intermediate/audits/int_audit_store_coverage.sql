-- How far each store's data reaches: the first and last business day it sent sales or stock
-- movements, and the chain's latest business day (as_of_date) over all stores. Audits judge a
-- document only where the store's data covers the day it is due (a silent store is the freshness
-- audit's finding, not a missing transfer or delivery).

with

source_days as (

    select * from {{ ref('int_audit_source_days') }}

),

per_store as (

    select
        store_id,
        min(business_date) as first_business_date,
        max(business_date) as last_business_date
    from source_days
    where source_object in ('receipts', 'sales', 'stock_movements', 'moves')
    group by store_id

),

final as (

    select
        per_store.store_id,
        per_store.first_business_date,
        per_store.last_business_date,
        max(per_store.last_business_date) over () as as_of_date
    from per_store

)

select * from final

-- The last business day each store sent in one landing object: $glob is the object's Parquet files,
-- $business_date the expression of a row's business day (ingest's contracts guarantee it parses:
-- rows that do not are in quarantine, not here).
select
    _source_id as store_id,
    max(business_date) as last_business_date
from (
    select _source_id, {business_date} as business_date
    from read_parquet($glob, union_by_name = true)
)
group by _source_id

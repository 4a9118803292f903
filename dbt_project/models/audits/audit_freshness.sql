-- Freshness and volume audit, per store and source, on business days: the chain's latest business
-- day (as_of_date, over all stores) against the last day each store and each of its source objects
-- sent. The limits are var freshness_max_silent_days (per source kind: store, legacy_store), the same
-- config key (audits.freshness.max_silent_days) as the Dagster freshness checks read.
-- Rules:
--   store_silent         a store sent nothing for more days than its limit: one finding per missing
--                        business day (document = the day)
--   source_silent        one source object of a store that still sends others is behind its limit
--                        (e.g. the legacy stock export stopped)
--   receipt_volume_drop  a day with fewer receipts than var freshness_volume_drop_ratio x the
--                        store's usual volume: the median of the same weekday over the previous
--                        var freshness_volume_weeks weeks (at least var freshness_volume_min_weeks
--                        of them with receipts). Days whose whole sales file was quarantined are
--                        left to the sales audit.

{%- set limits = var('freshness_max_silent_days') %}

with

source_days as (

    select * from {{ ref('int_audit_source_days') }}

),

coverage as (

    select * from {{ ref('int_audit_store_coverage') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

quarantined as (

    select * from {{ ref('stg_quarantine__rows') }}

),

limits as (

    {% for kind, days in limits.items() %}
    select '{{ kind }}' as source_kind, {{ days | int }} as max_silent_days
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

store_limits as (

    -- a kind the var leaves out gets the store limit (else 1 day)
    select
        stores.store_id,
        stores.store_name,
        stores.store_kind,
        coalesce(limits.max_silent_days, store_limit.max_silent_days, 1) as max_silent_days
    from stores
    left join limits
        on limits.source_kind = case when stores.store_kind = 'legacy' then 'legacy_store' else 'store' end
    left join limits as store_limit
        on store_limit.source_kind = 'store'

),

chain_days as (

    select distinct business_date from source_days

),

silent_stores as (

    select
        coverage.store_id,
        coverage.last_business_date,
        coverage.as_of_date,
        store_limits.store_name,
        store_limits.max_silent_days
    from coverage
    inner join store_limits
        on coverage.store_id = store_limits.store_id
    where {{ dbt.datediff('coverage.last_business_date', 'coverage.as_of_date', 'day') }} > store_limits.max_silent_days

),

store_silent as (

    select
        'store_silent' as rule,
        silent_stores.store_id,
        'business_day' as document_type,
        cast(chain_days.business_date as varchar) as document_id,
        chain_days.business_date,
        cast(null as decimal(18, 3)) as expected,
        cast(null as decimal(18, 3)) as actual,
        cast(null as decimal(18, 3)) as difference,
        coalesce(silent_stores.store_name, silent_stores.store_id) || ': no data at all for '
        || cast(chain_days.business_date as varchar) || '; the store''s last data is from '
        || cast(silent_stores.last_business_date as varchar) || ' (allowed: '
        || cast(silent_stores.max_silent_days as varchar)
        || ' day(s) behind). Check the store''s connection or exports.' as message
    from silent_stores
    inner join chain_days
        on
            chain_days.business_date > silent_stores.last_business_date
            and chain_days.business_date <= silent_stores.as_of_date

),

object_last_days as (

    select
        source_days.store_id,
        source_days.source_system,
        source_days.source_object,
        max(source_days.business_date) as last_business_date
    from source_days
    group by source_days.store_id, source_days.source_system, source_days.source_object

),

source_silent as (

    select
        'source_silent' as rule,
        object_last_days.store_id,
        'source' as document_type,
        case when object_last_days.source_system = 'legacy' then 'legacy_store' else 'store' end
        || '/' || object_last_days.source_object as document_id,
        cast({{ dbt.dateadd('day', 1, 'object_last_days.last_business_date') }} as date) as business_date,
        cast(null as decimal(18, 3)) as expected,
        cast(null as decimal(18, 3)) as actual,
        cast(null as decimal(18, 3)) as difference,
        coalesce(store_limits.store_name, object_last_days.store_id) || ': its '
        || replace(object_last_days.source_object, '_', ' ') || ' stopped after '
        || cast(object_last_days.last_business_date as varchar) || ' while its other data runs to '
        || cast(coverage.last_business_date as varchar) || '. Check that export or table.' as message
    from object_last_days
    inner join coverage
        on object_last_days.store_id = coverage.store_id
    inner join store_limits
        on object_last_days.store_id = store_limits.store_id
    where
        {{ dbt.datediff('object_last_days.last_business_date', 'coverage.as_of_date', 'day') }}
        > store_limits.max_silent_days
        and {{ dbt.datediff('coverage.last_business_date', 'coverage.as_of_date', 'day') }}
        <= store_limits.max_silent_days

),

quarantined_sales_days as (

    select distinct
        source_id as store_id,
        cast(strptime(regexp_extract(source_file, '_([0-9]{8})_', 1), '%Y%m%d') as date) as business_date
    from quarantined
    where
        source_kind = 'legacy_store'
        and source_object = 'sales'
        and is_whole_file
        and regexp_matches(source_file, '_[0-9]{8}_')

),

store_days as (

    -- every day a store sent sales or movements, with the receipts it sent (0 when none)
    select
        store_id,
        business_date,
        dayofweek(business_date) as weekday,
        coalesce(sum(receipts_sent), 0) as receipts_sent
    from source_days
    where source_object in ('receipts', 'sales', 'stock_movements', 'moves')
    group by store_id, business_date

),

baselines as (

    select
        store_days.store_id,
        store_days.business_date,
        store_days.receipts_sent,
        median(history.receipts_sent) as usual_receipts,
        count(history.business_date) as history_weeks
    from store_days
    inner join store_days as history
        on
            store_days.store_id = history.store_id
            and history.weekday = store_days.weekday
            and history.business_date < store_days.business_date
            and history.business_date
            >= {{ dbt.dateadd('day', -7 * var('freshness_volume_weeks'), 'store_days.business_date') }}
            and history.receipts_sent > 0
    group by store_days.store_id, store_days.business_date, store_days.receipts_sent

),

volume_drop as (

    select
        'receipt_volume_drop' as rule,
        baselines.store_id,
        'business_day' as document_type,
        cast(baselines.business_date as varchar) as document_id,
        baselines.business_date,
        cast(baselines.usual_receipts as decimal(18, 3)) as expected,
        cast(baselines.receipts_sent as decimal(18, 3)) as actual,
        cast(baselines.receipts_sent - baselines.usual_receipts as decimal(18, 3)) as difference,
        coalesce(stores.store_name, baselines.store_id) || ': only ' || cast(baselines.receipts_sent as varchar)
        || ' receipts arrived for ' || cast(baselines.business_date as varchar) || ' ('
        || dayname(baselines.business_date) || '), against a usual '
        || cast(cast(round(baselines.usual_receipts, 0) as integer) as varchar) || ' on that weekday. '
        || 'Check whether the till sent the whole day.' as message
    from baselines
    left join stores
        on baselines.store_id = stores.store_id
    left join quarantined_sales_days
        on
            baselines.store_id = quarantined_sales_days.store_id
            and baselines.business_date = quarantined_sales_days.business_date
    where
        baselines.history_weeks >= {{ var('freshness_volume_min_weeks') }}
        and baselines.receipts_sent < {{ var('freshness_volume_drop_ratio') }} * baselines.usual_receipts
        and quarantined_sales_days.store_id is null

),

unioned as (

    select * from store_silent
    union all
    select * from source_silent
    union all
    select * from volume_drop

),

final as (

    select
        'freshness' as audit,
        rule,
        'warning' as severity,
        store_id,
        cast(null as varchar) as product_id,
        cast(null as varchar) as gtin,
        document_type,
        document_id,
        business_date,
        expected,
        actual,
        difference,
        cast(null as decimal(18, 4)) as amount_cost,
        message
    from unioned

)

select * from final

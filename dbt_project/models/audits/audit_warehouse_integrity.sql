-- Warehouse integrity audit: can the warehouse itself be trusted? Every finding here is blocking
-- (severity error): a snapshot with one should not be published. Business findings are the other
-- audits' and never block. Rules:
--   landing_keys_not_in_staging  per store and landed object, the distinct keys in the landing
--                                files differ from the rows staging holds (lost or doubled rows)
--   duplicate_key                a fact's key is not unique
--   unknown_store                a fact or purchase order names a store head office does not have
--   movement_unknown_product     a stock movement's GTIN is no head-office product
--   ledger_out_of_balance        the current on-hand interval differs from the sum of the movements
--
-- This model reads the landing files directly (landing_source), the one exception to "source()
-- only in staging": it exists to prove that staging holds every landed key, and reading the landing
-- through staging would prove nothing.

{%- set landed_objects = [
    {'source': 'store', 'object': 'receipts', 'staging': 'stg_store__receipts',
     'store': "coalesce(" ~ to_text('store_id') ~ ", _source_id)", 'key_columns': [to_text('receipt_id')]},
    {'source': 'store', 'object': 'receipt_lines', 'staging': 'stg_store__receipt_lines',
     'store': '_source_id', 'key_columns': [to_text('receipt_id'), 'cast(line_no as integer)']},
    {'source': 'store', 'object': 'stock_movements', 'staging': 'stg_store__stock_movements',
     'store': "coalesce(" ~ to_text('store_id') ~ ", _source_id)", 'key_columns': [to_text('movement_id')]},
    {'source': 'legacy_store', 'object': 'sales', 'staging': 'stg_legacy_store__sales_lines',
     'store': '_source_id', 'key_columns': [to_text('"小票号"'), 'cast(' ~ to_text('"行号"') ~ ' as integer)']},
    {'source': 'legacy_store', 'object': 'moves', 'staging': 'stg_legacy_store__stock_movements',
     'store': '_source_id', 'key_columns': [to_text('"单据号"')]},
    {'source': 'legacy_store', 'object': 'stock', 'staging': 'stg_legacy_store__stock_levels',
     'store': '_source_id', 'key_columns': [legacy_date('"日期"'), to_text('"条码"')]},
] %}

with

movements as (

    select * from {{ ref('fct_stock_movements') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

intervals as (

    select * from {{ ref('fct_stock_on_hand_intervals') }}

),

purchase_orders as (

    select * from {{ ref('stg_head_office__purchase_orders') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

{% for landed in landed_objects %}
landed_{{ landed.object }} as (

    select
        '{{ landed.source }}/{{ landed.object }}' as landed_object,
        {{ landed.store }} as store_id,
        count(distinct concat_ws('|'{% for key in landed.key_columns %}, cast({{ key }} as varchar){% endfor %})) as landed_keys
    from {{ landing_source(landed.source, landed.object) }} as src
    group by {{ landed.store }}

),

staged_{{ landed.object }} as (

    select
        '{{ landed.source }}/{{ landed.object }}' as landed_object,
        store_id,
        count(*) as staged_rows
    from {{ ref(landed.staging) }}
    group by store_id

),

{% endfor %}

landing_compared as (

    {% for landed in landed_objects %}
    select
        coalesce(landed_{{ landed.object }}.landed_object, staged_{{ landed.object }}.landed_object)
            as landed_object,
        coalesce(landed_{{ landed.object }}.store_id, staged_{{ landed.object }}.store_id) as store_id,
        coalesce(landed_{{ landed.object }}.landed_keys, 0) as landed_keys,
        coalesce(staged_{{ landed.object }}.staged_rows, 0) as staged_rows
    from landed_{{ landed.object }}
    full outer join staged_{{ landed.object }}
        on landed_{{ landed.object }}.store_id = staged_{{ landed.object }}.store_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

landing_findings as (

    select
        'landing_keys_not_in_staging' as rule,
        landing_compared.store_id,
        cast(null as varchar) as gtin,
        'landing_object' as document_type,
        landing_compared.landed_object || '/' || coalesce(landing_compared.store_id, '?') as document_id,
        cast(landing_compared.landed_keys as decimal(18, 3)) as expected,
        cast(landing_compared.staged_rows as decimal(18, 3)) as actual,
        cast(landing_compared.staged_rows - landing_compared.landed_keys as decimal(18, 3)) as difference,
        'the landing holds ' || cast(landing_compared.landed_keys as varchar) || ' distinct keys of '
        || landing_compared.landed_object || ' but staging holds ' || cast(landing_compared.staged_rows as varchar)
        || ' rows. Rebuild that staging model (dbt build --full-refresh --select it).' as what
    from landing_compared
    where landing_compared.landed_keys <> landing_compared.staged_rows

),

key_counts as (

    select 'fct_stock_movements' as relation, count(*) as key_rows, count(distinct movement_key) as keys
    from movements
    union all
    select 'fct_sales_lines', count(*), count(distinct sales_line_key)
    from sales_lines

),

duplicate_findings as (

    select
        'duplicate_key' as rule,
        cast(null as varchar) as store_id,
        cast(null as varchar) as gtin,
        'relation' as document_type,
        relation as document_id,
        cast(keys as decimal(18, 3)) as expected,
        cast(key_rows as decimal(18, 3)) as actual,
        cast(key_rows - keys as decimal(18, 3)) as difference,
        relation || ' has ' || cast(key_rows - keys as varchar) || ' rows with a duplicate key.' as what
    from key_counts
    where key_rows <> keys

),

store_references as (

    select distinct 'fct_stock_movements' as relation, store_id from movements
    union
    select distinct 'fct_sales_lines', store_id from sales_lines
    union
    select distinct 'purchase_orders', store_id from purchase_orders

),

unknown_store_findings as (

    select
        'unknown_store' as rule,
        cast(null as varchar) as store_id,
        cast(null as varchar) as gtin,
        'store' as document_type,
        coalesce(store_references.store_id, '(none)') as document_id,
        cast(null as decimal(18, 3)) as expected,
        cast(null as decimal(18, 3)) as actual,
        cast(null as decimal(18, 3)) as difference,
        store_references.relation || ' names store ' || coalesce(store_references.store_id, '(none)')
        || ', which head office does not have. Add the store to head office or fix the source.' as what
    from store_references
    left join stores
        on store_references.store_id = stores.store_id
    where stores.store_id is null

),

unknown_product_findings as (

    select
        'movement_unknown_product' as rule,
        movements.store_id,
        movements.gtin,
        'gtin' as document_type,
        movements.gtin as document_id,
        cast(null as decimal(18, 3)) as expected,
        sum(movements.qty) as actual,
        cast(null as decimal(18, 3)) as difference,
        cast(count(*) as varchar) || ' stock movements from ' || cast(min(movements.business_date) as varchar)
        || ' name GTIN ' || movements.gtin
        || ', which is no head-office product: the stock value is incomplete.' as what
    from movements
    where movements.product_id is null
    group by movements.store_id, movements.gtin

),

ledger as (

    select store_id, gtin, sum(qty) as movements_qty
    from movements
    group by store_id, gtin

),

ledger_findings as (

    select
        'ledger_out_of_balance' as rule,
        coalesce(ledger.store_id, intervals.store_id) as store_id,
        coalesce(ledger.gtin, intervals.gtin) as gtin,
        'stock_on_hand_intervals' as document_type,
        'current' as document_id,
        coalesce(ledger.movements_qty, 0) as expected,
        coalesce(intervals.on_hand_qty, 0) as actual,
        coalesce(intervals.on_hand_qty, 0) - coalesce(ledger.movements_qty, 0) as difference,
        'the warehouse''s current on-hand (' || {{ format_qty('coalesce(intervals.on_hand_qty, 0)') }}
        || ') differs from the sum of its own movements (' || {{ format_qty('coalesce(ledger.movements_qty, 0)') }}
        || '). Rebuild the stock marts.' as what
    from ledger
    full outer join (select * from intervals where is_current) as intervals
        on ledger.store_id = intervals.store_id and ledger.gtin = intervals.gtin
    where abs(coalesce(intervals.on_hand_qty, 0) - coalesce(ledger.movements_qty, 0)) > 0.0005

),

unioned as (

    select * from landing_findings
    union all
    select * from duplicate_findings
    union all
    select * from unknown_store_findings
    union all
    select * from unknown_product_findings
    union all
    select * from ledger_findings

),

final as (

    select
        'warehouse_integrity' as audit,
        unioned.rule,
        'error' as severity,
        stores.store_id,
        cast(null as varchar) as product_id,
        unioned.gtin,
        unioned.document_type,
        unioned.document_id,
        cast(null as date) as business_date,
        unioned.expected,
        unioned.actual,
        unioned.difference,
        cast(null as decimal(18, 4)) as amount_cost,
        'Warehouse: ' || unioned.what as message
    from unioned
    left join stores
        on unioned.store_id = stores.store_id

)

select * from final

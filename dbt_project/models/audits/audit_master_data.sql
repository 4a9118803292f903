-- Master data audit: GTINs on the tills and the shelf price against head office's price of the day.
-- Head office's price of a day: its current retail price for the days after that price was keyed
-- (products.updated_at; a price is keyed the evening before it is valid). Head office's earlier
-- prices are not loaded into the warehouse (its price history table is not ingested), so for the
-- days before, the prices the other stores charged stand in (same side of the change): a price is
-- right when another store charged it within var master_data_price_window_days days; else it is
-- wrong when other stores charged another price that same day, or when the nearest prices other
-- stores charged before and after that day are both other prices. With only one side known it is
-- not judged (a price change may lie between). Prices compare within var master_data_price_tolerance.
-- Rules:
--   invalid_gtin             a POS line's GTIN is not 13 digits or its check digit is wrong
--                            (in-store weighed-item codes with a right check digit are valid)
--   unknown_gtin             a valid GTIN head office does not know (nor as a weighed-item prefix)
--   head_office_invalid_gtin a head-office product whose GTIN is invalid
--   shelf_price_differs      a store sold a product at a price other than head office's of the day
--                            (one finding per store, product and wrong price; document = first receipt)

{%- set window_days = var('master_data_price_window_days') | int %}

with

sales_lines as (

    select * from {{ ref('int_audit_sales_lines_resolved') }}

),

products as (

    select * from {{ ref('stg_head_office__products') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

invalid_lines as (

    select
        'invalid_gtin' as rule,
        store_id,
        resolved_product_id as product_id,
        gtin,
        'receipt' as document_type,
        receipt_id as document_id,
        min(business_date) as business_date,
        cast(null as decimal(18, 3)) as expected,
        sum(qty) as actual,
        cast(null as decimal(18, 3)) as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        'receipt ' || receipt_id || ' has a line with barcode ' || gtin
        || ', which is not a valid GTIN (wrong check digit)'
        || coalesce('; it is probably ' || any_value(resolved_gtin), '')
        || '. Check the scanner and the item''s label.' as what
    from sales_lines
    where not is_gtin_valid
    group by store_id, receipt_id, gtin, resolved_product_id

),

unknown_lines as (

    select
        'unknown_gtin' as rule,
        store_id,
        cast(null as varchar) as product_id,
        gtin,
        'receipt' as document_type,
        min(receipt_id) as document_id,
        min(business_date) as business_date,
        cast(null as decimal(18, 3)) as expected,
        sum(qty) as actual,
        cast(null as decimal(18, 3)) as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        cast(count(*) as varchar) || ' POS line(s) from ' || cast(min(business_date) as varchar)
        || ' sold GTIN ' || gtin || ', which head office does not know (first on receipt '
        || min(receipt_id) || '). Ask head office to create the product or fix the till''s item.' as what
    from sales_lines
    where is_gtin_valid and resolved_product_id is null
    group by store_id, gtin

),

head_office_invalid as (

    select
        'head_office_invalid_gtin' as rule,
        cast(null as varchar) as store_id,
        product_id,
        gtin,
        'product' as document_type,
        product_id as document_id,
        cast(null as date) as business_date,
        cast(null as decimal(18, 3)) as expected,
        cast(null as decimal(18, 3)) as actual,
        cast(null as decimal(18, 3)) as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        'head office product ' || product_id || ' (' || coalesce(product_name, '') || ') has GTIN '
        || coalesce(gtin, '(none)') || ', which is not a valid GTIN-13. Correct it in head office.' as what
    from products
    where not coalesce({{ gtin13_is_valid('gtin') }}, false)

),

priced_lines as (

    select
        sales_lines.store_id,
        sales_lines.resolved_product_id as product_id,
        sales_lines.resolved_gtin as gtin,
        sales_lines.business_date,
        sales_lines.unit_price_gross,
        sales_lines.receipt_id,
        sales_lines.qty,
        products.retail_price_gross as head_office_price,
        cast({{ utc_to_local('products.updated_at', "'" ~ var('source_timezone') ~ "'") }} as date) as price_keyed_date
    from sales_lines
    inner join products
        on sales_lines.resolved_product_id = products.product_id
    where sales_lines.receipt_status = 'completed' and sales_lines.unit_price_gross is not null

),

store_day_prices as (

    -- one row per store, product, day and price; 'before' = on or before the day head office keyed
    -- its current price (its earlier price applied), 'current' = after it
    select
        store_id,
        product_id,
        gtin,
        business_date,
        unit_price_gross,
        any_value(head_office_price) as head_office_price,
        case when business_date > any_value(price_keyed_date) then 'current' else 'before' end
            as price_segment,
        count(*) as lines_sold,
        sum(qty) as qty_sold,
        min(receipt_id) as first_receipt_id
    from priced_lines
    group by store_id, product_id, gtin, business_date, unit_price_gross

),

before_change as (

    select * from store_day_prices
    where price_segment = 'before'

),

price_windows as (

    -- store-days that charged a price for a product within the window (before the change)
    select
        store_id,
        product_id,
        unit_price_gross,
        business_date,
        sum(count(*)) over (
            partition by product_id, unit_price_gross order by business_date
            range between interval '{{ window_days }} days' preceding and interval '{{ window_days }} days' following
        ) as store_days_at_price,
        count(*) over (
            partition by store_id, product_id, unit_price_gross order by business_date
            range between interval '{{ window_days }} days' preceding and interval '{{ window_days }} days' following
        ) as own_days_at_price
    from before_change
    group by store_id, product_id, unit_price_gross, business_date

),

not_corroborated as (

    -- no other store charged the price within the window
    select before_change.*
    from before_change
    inner join price_windows
        on
            before_change.store_id = price_windows.store_id
            and before_change.product_id = price_windows.product_id
            and before_change.unit_price_gross = price_windows.unit_price_gross
            and before_change.business_date = price_windows.business_date
    where price_windows.store_days_at_price - price_windows.own_days_at_price = 0

),

neighbours as (

    -- the nearest price another store charged before and after (same side of the change)
    select
        not_corroborated.store_id,
        not_corroborated.product_id,
        not_corroborated.unit_price_gross,
        not_corroborated.business_date,
        arg_max(others.unit_price_gross, others.business_date)
            filter (where others.business_date < not_corroborated.business_date) as previous_price,
        arg_min(others.unit_price_gross, others.business_date)
            filter (where others.business_date > not_corroborated.business_date) as next_price,
        mode(others.unit_price_gross)
            filter (where others.business_date = not_corroborated.business_date) as same_day_price
    from not_corroborated
    inner join before_change as others
        on
            not_corroborated.product_id = others.product_id
            and not_corroborated.store_id <> others.store_id
    group by
        not_corroborated.store_id,
        not_corroborated.product_id,
        not_corroborated.unit_price_gross,
        not_corroborated.business_date

),

mispriced as (

    select
        store_day_prices.*,
        true as is_head_office_price_of_day,
        store_day_prices.head_office_price as reference_price
    from store_day_prices
    where
        store_day_prices.price_segment = 'current'
        and abs(store_day_prices.unit_price_gross - store_day_prices.head_office_price)
        > {{ var('master_data_price_tolerance') }}

    union all

    select
        not_corroborated.*,
        false as is_head_office_price_of_day,
        coalesce(neighbours.same_day_price, neighbours.previous_price) as reference_price
    from not_corroborated
    inner join neighbours
        on
            not_corroborated.store_id = neighbours.store_id
            and not_corroborated.product_id = neighbours.product_id
            and not_corroborated.unit_price_gross = neighbours.unit_price_gross
            and not_corroborated.business_date = neighbours.business_date
    where
        -- other stores charged another price that day, or the nearest prices other stores charged
        -- before and after (both needed: a change may lie on either side) are both other prices
        neighbours.same_day_price is not null
        or (
            abs(not_corroborated.unit_price_gross - neighbours.previous_price) > {{ var('master_data_price_tolerance') }}
            and abs(not_corroborated.unit_price_gross - neighbours.next_price) > {{ var('master_data_price_tolerance') }}
        )

),

price_findings as (

    select
        'shelf_price_differs' as rule,
        store_id,
        product_id,
        gtin,
        'receipt' as document_type,
        min(first_receipt_id) as document_id,
        min(business_date) as business_date,
        cast(mode(reference_price) as decimal(18, 3)) as expected,
        cast(unit_price_gross as decimal(18, 3)) as actual,
        cast(unit_price_gross - mode(reference_price) as decimal(18, 3)) as difference,
        cast(sum(qty_sold) * (unit_price_gross - mode(reference_price)) as decimal(18, 4)) as amount_cost,
        'sold at ' || {{ format_money('unit_price_gross') }} || ' on '
        || cast(sum(lines_sold) as varchar) || ' line(s) from '
        || cast(min(business_date) as varchar) || ' to ' || cast(max(business_date) as varchar)
        || ' (first on receipt ' || min(first_receipt_id) || '), but '
        || case
            when bool_or(is_head_office_price_of_day) then 'head office''s price is '
            else 'the other stores charged '
        end
        || {{ format_money('mode(reference_price)') }}
        || '. Correct the shelf label and the till price.' as what
    from mispriced
    group by store_id, product_id, gtin, unit_price_gross

),

unioned as (

    select * from invalid_lines
    union all
    select * from unknown_lines
    union all
    select * from head_office_invalid
    union all
    select * from price_findings

),

final as (

    select
        'master_data' as audit,
        unioned.rule,
        'warning' as severity,
        unioned.store_id,
        unioned.product_id,
        unioned.gtin,
        unioned.document_type,
        unioned.document_id,
        unioned.business_date,
        unioned.expected,
        unioned.actual,
        unioned.difference,
        unioned.amount_cost,
        coalesce(stores.store_name, unioned.store_id, 'Head office') || ', '
        || coalesce(products.product_name, unioned.gtin) || ': ' || unioned.what as message
    from unioned
    left join products
        on unioned.product_id = products.product_id
    left join stores
        on unioned.store_id = stores.store_id

)

select * from final

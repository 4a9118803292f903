-- Master data audit: GTINs on the tills and the shelf price against head office's price of the day
-- (its price history, stg_head_office__product_prices: a price holds from valid_from until the next
-- one). A day before the product's first price in the history is judged against head office's
-- current price only after that price was keyed (products.updated_at), else not at all. Prices
-- compare within var master_data_price_tolerance.
-- Rules:
--   invalid_gtin             a POS line's GTIN is not 13 digits or its check digit is wrong
--                            (in-store weighed-item codes with a right check digit are valid)
--   unknown_gtin             a valid GTIN head office does not know (nor as a weighed-item prefix)
--   head_office_invalid_gtin a head-office product whose GTIN is invalid
--   shelf_price_differs      a store sold a product at a price other than head office's of the day
--                            (one finding per store, product and wrong price; document = first receipt)

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

prices as (

    select * from {{ ref('stg_head_office__product_prices') }}

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
        coalesce(
            prices.retail_price_gross,
            case
                when sales_lines.business_date
                    > cast({{ utc_to_local('products.updated_at', "'" ~ var('source_timezone') ~ "'") }} as date)
                    then products.retail_price_gross
            end
        ) as head_office_price
    from sales_lines
    inner join products
        on sales_lines.resolved_product_id = products.product_id
    left join prices
        on
            sales_lines.resolved_product_id = prices.product_id
            and sales_lines.business_date >= prices.valid_from
            and (sales_lines.business_date < prices.valid_to or prices.valid_to is null)
    where sales_lines.receipt_status = 'completed' and sales_lines.unit_price_gross is not null

),

mispriced as (

    -- one row per store, product, day and wrong price
    select
        store_id,
        product_id,
        gtin,
        business_date,
        unit_price_gross,
        head_office_price,
        count(*) as lines_sold,
        sum(qty) as qty_sold,
        min(receipt_id) as first_receipt_id
    from priced_lines
    where abs(unit_price_gross - head_office_price) > {{ var('master_data_price_tolerance') }}
    group by store_id, product_id, gtin, business_date, unit_price_gross, head_office_price

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
        cast(mode(head_office_price) as decimal(18, 3)) as expected,
        cast(unit_price_gross as decimal(18, 3)) as actual,
        cast(unit_price_gross - mode(head_office_price) as decimal(18, 3)) as difference,
        cast(sum(qty_sold * (unit_price_gross - head_office_price)) as decimal(18, 4)) as amount_cost,
        'sold at ' || {{ format_money('unit_price_gross') }} || ' on '
        || cast(sum(lines_sold) as varchar) || ' line(s) from '
        || cast(min(business_date) as varchar) || ' to ' || cast(max(business_date) as varchar)
        || ' (first on receipt ' || min(first_receipt_id) || '), but head office''s price '
        || case
            when count(distinct head_office_price) = 1 then 'is ' || {{ format_money('mode(head_office_price)') }}
            else 'was ' || {{ format_money('min(head_office_price)') }} || ' to '
                || {{ format_money('max(head_office_price)') }} || ' on those days'
        end
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

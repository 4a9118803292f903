-- Daily sales per store and GTIN (one row per store x GTIN x business date with a sales line):
-- units sold, returned and net, gross and net revenue, discounts, VAT, cost and net margin.

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

daily as (

    select
        store_id,
        gtin,
        max(product_id) as product_id,
        business_date,
        count(*) as lines_count,
        count(distinct receipt_id) as receipts_count,
        sum(case when qty > 0 then qty else 0 end) as units_sold_qty,
        sum(case when qty < 0 then -qty else 0 end) as units_returned_qty,
        sum(qty) as net_units_qty,
        sum(amount_gross) as amount_gross,
        sum(discount_gross) as discount_gross,
        sum(amount_net) as amount_net,
        sum(discount_net) as discount_net,
        sum(vat_amount) as vat_amount,
        sum(cost_amount) as cost_amount,
        sum(margin_net) as margin_net
    from sales_lines
    group by store_id, gtin, business_date

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', store_id, gtin, cast(business_date as varchar))") }} as varchar)
            as daily_sales_key,
        cast(store_id as varchar) as store_id,
        cast(business_date as date) as business_date,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(lines_count as integer) as lines_count,
        cast(receipts_count as integer) as receipts_count,
        cast(units_sold_qty as decimal(18, 3)) as units_sold_qty,
        cast(units_returned_qty as decimal(18, 3)) as units_returned_qty,
        cast(net_units_qty as decimal(18, 3)) as net_units_qty,
        cast(amount_gross as decimal(18, 2)) as amount_gross,
        cast(discount_gross as decimal(18, 2)) as discount_gross,
        cast(amount_net as decimal(18, 4)) as amount_net,
        cast(discount_net as decimal(18, 4)) as discount_net,
        cast(vat_amount as decimal(18, 4)) as vat_amount,
        cast(cost_amount as decimal(18, 4)) as cost_amount,
        cast(margin_net as decimal(18, 4)) as margin_net
    from daily

)

select * from final

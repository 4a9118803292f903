-- Daily sales per store (one row per store x business date with a sales line): receipts, units,
-- returns, discounts, gross and net revenue, cost, net margin and the mean net basket.

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

daily as (

    select
        store_id,
        business_date,
        count(distinct receipt_id) as receipts_count,
        count(distinct case when qty < 0 then receipt_id end) as return_receipts_count,
        count(*) as lines_count,
        sum(case when qty > 0 then qty else 0 end) as units_sold_qty,
        sum(case when qty < 0 then -qty else 0 end) as units_returned_qty,
        sum(qty) as net_units_qty,
        sum(amount_gross) as amount_gross,
        sum(case when qty < 0 then -amount_net else 0 end) as returns_amount_net,
        sum(discount_gross) as discount_gross,
        sum(amount_net) as amount_net,
        sum(discount_net) as discount_net,
        sum(vat_amount) as vat_amount,
        sum(cost_amount) as cost_amount,
        sum(margin_net) as margin_net
    from sales_lines
    group by store_id, business_date

),

final as (

    select
        cast(daily.store_id as varchar) as store_id,
        cast(stores.store_name as varchar) as store_name,
        cast(stores.region as varchar) as region,
        cast(daily.business_date as date) as business_date,
        cast(daily.receipts_count as integer) as receipts_count,
        cast(daily.return_receipts_count as integer) as return_receipts_count,
        cast(daily.lines_count as integer) as lines_count,
        cast(daily.units_sold_qty as decimal(18, 3)) as units_sold_qty,
        cast(daily.units_returned_qty as decimal(18, 3)) as units_returned_qty,
        cast(daily.net_units_qty as decimal(18, 3)) as net_units_qty,
        cast(daily.amount_gross as decimal(18, 2)) as amount_gross,
        cast(daily.returns_amount_net as decimal(18, 4)) as returns_amount_net,
        cast(daily.discount_gross as decimal(18, 2)) as discount_gross,
        cast(daily.amount_net as decimal(18, 4)) as amount_net,
        cast(daily.discount_net as decimal(18, 4)) as discount_net,
        cast(daily.vat_amount as decimal(18, 4)) as vat_amount,
        cast(daily.cost_amount as decimal(18, 4)) as cost_amount,
        cast(daily.margin_net as decimal(18, 4)) as margin_net,
        cast({{ safe_ratio('daily.margin_net', 'daily.amount_net') }} as {{ type_double() }}) as margin_rate,
        cast({{ safe_ratio('daily.amount_net', 'daily.receipts_count') }} as {{ type_double() }}) as basket_amount_net
    from daily
    left join stores
        on daily.store_id = stores.store_id

)

select * from final

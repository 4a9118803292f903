-- Sales lines of completed receipts, modern and legacy. Receipt amounts are gross (VAT included):
-- net = gross / (1 + vat_rate). Cost at head office's current net cost price. The loyalty card
-- number stays out: the line carries the CRM customer it belongs to (null when none matches).

with

sales_lines as (

    select * from {{ ref('int_sales_lines_unioned') }}

),

cards as (

    select * from {{ ref('int_loyalty_cards_mapped') }}

),

completed as (

    select * from sales_lines
    where receipt_status = 'completed'

),

priced as (

    select
        completed.*,
        round(completed.line_total_gross / (1 + completed.vat_rate), 4) as amount_net,
        round(completed.qty * completed.cost_price, 4) as cost_amount,
        cards.customer_id
    from completed
    left join cards
        on completed.loyalty_card = cards.loyalty_card

),

final as (

    select
        cast({{ dbt.hash("concat_ws('|', source_system, store_id, receipt_id, cast(line_no as varchar))") }} as varchar)
            as sales_line_key,
        cast(receipt_id as varchar) as receipt_id,
        cast(line_no as integer) as line_no,
        cast(store_id as varchar) as store_id,
        cast(business_date as date) as business_date,
        cast(sold_at as timestamp) as sold_at,
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(qty as decimal(18, 3)) as qty,
        cast(unit_price_gross as decimal(18, 2)) as unit_price_gross,
        cast(line_total_gross as decimal(18, 2)) as amount_gross,
        cast(discount_gross as decimal(18, 2)) as discount_gross,
        cast(amount_net as decimal(18, 4)) as amount_net,
        cast(line_total_gross - amount_net as decimal(18, 4)) as vat_amount,
        cast(vat_rate as decimal(5, 4)) as vat_rate,
        cast(cost_amount as decimal(18, 4)) as cost_amount,
        cast(amount_net - cost_amount as decimal(18, 4)) as margin_net,
        qty < 0 as is_return,
        loyalty_card is not null as has_loyalty_card,
        cast(customer_id as varchar) as customer_id,
        cast(source_system as varchar) as source_system
    from priced

)

select * from final

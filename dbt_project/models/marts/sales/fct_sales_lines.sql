{{
    config(
        materialized='incremental',
        incremental_strategy='replace_touched',
        unique_key=['store_id', 'business_date'],
        touched_partitions_macro='fct_sales_lines_touched_partitions',
        partition_date_column='business_date',
        on_schema_change='append_new_columns',
    )
}}

-- Sales lines of completed receipts, modern and legacy, returns included (negative qty). Receipt
-- amounts are gross (VAT included): net = gross / (1 + vat_rate), so revenue and margin are net.
-- Cost is the store's moving-average cost when the line was sold (head office's net cost price
-- when the store x GTIN has no cost history yet). The loyalty card number stays out: the line
-- carries the CRM customer it belongs to (null when none matches).
-- Incremental: every store x business date a load touched is rebuilt whole
-- (macros/sales_lines.sql), so a late void or correction lands exactly once; a run with a date
-- window (a backfill, macros/partition_window.sql) also replaces every business date in it.

with

sales_lines as (

    select * from {{ ref('int_sales_lines_unioned') }}

),

cards as (

    select * from {{ ref('int_loyalty_cards_mapped') }}

),

costs as (

    select * from {{ ref('fct_moving_average_costs') }}

),

movements as (

    -- every landed movement version, deletions included (macros/sales_lines.sql)
    select * from {{ ref('int_stock_movements_unioned') }}

),

movement_marks as (

    -- the newest stock movement of each store the costs were computed from (the re-costing
    -- watermark, macros/sales_lines.sql)
    select
        store_id,
        max(_loaded_at) as movements_loaded_at
    from movements
    group by store_id

),

{% if is_incremental() %}
touched as (

    {{ fct_sales_lines_touched_partitions() }}

),
{% endif %}

completed as (

    select sales_lines.*
    from sales_lines
    {% if is_incremental() %}
        inner join touched
            on
                sales_lines.store_id = touched.store_id
                and sales_lines.business_date = touched.business_date
    {% endif %}
    where
        sales_lines.receipt_status = 'completed'
        and not sales_lines.is_deleted

),

priced as (

    select
        completed.*,
        round(completed.line_total_gross / (1 + completed.vat_rate), 4) as amount_net,
        round(completed.discount_gross / (1 + completed.vat_rate), 4) as discount_net,
        coalesce(costs.moving_avg_cost, completed.cost_price) as unit_cost,
        case
            when costs.moving_avg_cost is not null then costs.cost_basis
            when completed.cost_price is not null then 'head_office_cost_price'
        end as cost_basis,
        cards.customer_id,
        movement_marks.movements_loaded_at
    from completed
    left join costs
        on
            completed.store_id = costs.store_id
            and completed.gtin = costs.gtin
            and completed.sold_at >= costs.valid_from
            and (completed.sold_at < costs.valid_to or costs.valid_to is null)
    left join cards
        on completed.loyalty_card = cards.loyalty_card
    left join movement_marks
        on completed.store_id = movement_marks.store_id

),

costed as (

    select
        priced.*,
        round(priced.qty * priced.unit_cost, 4) as cost_amount
    from priced

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
        cast(discount_net as decimal(18, 4)) as discount_net,
        cast(line_total_gross - amount_net as decimal(18, 4)) as vat_amount,
        cast(vat_rate as decimal(5, 4)) as vat_rate,
        cast(unit_cost as decimal(18, 6)) as unit_cost,
        cast(cost_basis as varchar) as cost_basis,
        cast(cost_amount as decimal(18, 4)) as cost_amount,
        cast(amount_net - cost_amount as decimal(18, 4)) as margin_net,
        qty < 0 as is_return,
        loyalty_card is not null as has_loyalty_card,
        cast(customer_id as varchar) as customer_id,
        cast(source_system as varchar) as source_system,
        cast(_loaded_at as timestamp) as _loaded_at,
        cast(movements_loaded_at as timestamp) as _movements_loaded_at
    from costed

)

select * from final

-- The weekly management report per store and ISO week (Monday to Sunday), from the marts: sales and
-- margin (rpt_daily_store_sales), stock value and turnover, stock-out days (fct_stock_ledger_daily,
-- valued at dim_products.cost_price), supplier reliability of the store's purchase order lines
-- (fct_purchase_order_lines by week of the requested date), and the audit findings whose document
-- falls in the week (rpt_audit_store_trend), each with the previous week's value as its trend.
-- Weeks run from the chain's first business week to the as-of date's (var reporting_as_of_date,
-- else the latest business date sold); the as-of week is partial (is_complete_week false).

with

daily_sales as (

    select * from {{ ref('rpt_daily_store_sales') }}

),

ledger as (

    select * from {{ ref('fct_stock_ledger_daily') }}

),

po_lines as (

    select * from {{ ref('fct_purchase_order_lines') }}

),

audit_trend as (

    select * from {{ ref('rpt_audit_store_trend') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

as_of as (

    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1, 'as_of_date') }} as date) as end_date
    from (select {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date) as reporting

),

weeks as (

    -- every week from the first sale to the as-of date, so a week without activity still shows
    select
        cast({{ dbt.date_trunc('week', 'week_days.business_date') }} as date) as week_start_date
    from (
        select distinct daily_sales.business_date
        from daily_sales
        cross join as_of
        where daily_sales.business_date <= as_of.as_of_date
    ) as week_days
    group by 1

),

store_weeks as (

    -- a store's weeks start with its first sale or movement
    select
        stores.store_id,
        stores.store_name,
        stores.region,
        weeks.week_start_date,
        cast({{ dbt.dateadd('day', 7, 'weeks.week_start_date') }} as date) as week_end_date,
        least(cast({{ dbt.dateadd('day', 7, 'weeks.week_start_date') }} as date), as_of.end_date)
            as counted_end_date
    from stores
    cross join weeks
    cross join as_of
    inner join (
        select store_id, min(business_date) as first_date from ledger group by store_id
        union all
        select store_id, min(business_date) from daily_sales group by store_id
    ) as first_days
        on stores.store_id = first_days.store_id
    group by
        stores.store_id, stores.store_name, stores.region, weeks.week_start_date, as_of.end_date
    having weeks.week_start_date >= cast({{ dbt.date_trunc('week', 'min(first_days.first_date)') }} as date)

),

weekly_sales as (

    select
        store_id,
        cast({{ dbt.date_trunc('week', 'business_date') }} as date) as week_start_date,
        count(*) as days_with_sales,
        sum(receipts_count) as receipts_count,
        sum(amount_net) as amount_net,
        sum(cost_amount) as cost_amount,
        sum(margin_net) as margin_net
    from daily_sales
    group by 1, 2

),

closing_ranges as (

    -- each ledger day's closing holds until the next movement day, clipped to the week and as-of
    select
        store_weeks.store_id,
        store_weeks.week_start_date,
        ledger.closing_qty,
        products.cost_price,
        {{ dbt.datediff(
            'greatest(ledger.business_date, store_weeks.week_start_date)',
            'least(coalesce(ledger.next_business_date, store_weeks.counted_end_date), store_weeks.counted_end_date)',
            'day'
        ) }} as days
    from ledger
    inner join store_weeks
        on
            ledger.store_id = store_weeks.store_id
            and ledger.business_date < store_weeks.counted_end_date
            and (ledger.next_business_date is null or ledger.next_business_date > store_weeks.week_start_date)
    left join products
        on ledger.product_id = products.product_id

),

weekly_stock as (

    select
        closing_ranges.store_id,
        closing_ranges.week_start_date,
        sum(case when closing_ranges.closing_qty > 0 then closing_ranges.days else 0 end) as in_stock_days,
        sum(case when closing_ranges.closing_qty <= 0 then closing_ranges.days else 0 end) as stockout_days,
        sum(
            case
                when closing_ranges.closing_qty > 0
                    then closing_ranges.closing_qty * closing_ranges.cost_price * closing_ranges.days
                else 0
            end
        ) as stock_value_cost_days
    from closing_ranges
    group by closing_ranges.store_id, closing_ranges.week_start_date

),

weekly_purchasing as (

    select
        store_id,
        cast({{ dbt.date_trunc('week', 'requested_date') }} as date) as week_start_date,
        count(case when is_evaluated then 1 end) as po_lines_evaluated,
        count(case when is_otif then 1 end) as po_lines_otif,
        sum(case when is_evaluated then qty_ordered end) as qty_ordered_evaluated,
        sum(case when is_evaluated then qty_filled end) as qty_filled_evaluated
    from po_lines
    group by 1, 2

),

weekly_audits as (

    select
        store_id,
        business_week as week_start_date,
        sum(findings_count) as findings_count,
        sum(open_count) as open_findings_count,
        sum(amount_cost_abs) as findings_amount_cost_abs,
        count(distinct case when is_recurring then audit || '/' || rule end) as recurring_rules_count
    from audit_trend
    group by 1, 2

),

joined as (

    select
        store_weeks.store_id,
        store_weeks.store_name,
        store_weeks.region,
        store_weeks.week_start_date,
        store_weeks.week_end_date = store_weeks.counted_end_date as is_complete_week,
        {{ dbt.datediff('store_weeks.week_start_date', 'store_weeks.counted_end_date', 'day') }} as days_counted,
        coalesce(weekly_sales.days_with_sales, 0) as days_with_sales,
        coalesce(weekly_sales.receipts_count, 0) as receipts_count,
        coalesce(weekly_sales.amount_net, 0) as amount_net,
        coalesce(weekly_sales.cost_amount, 0) as cost_amount,
        coalesce(weekly_sales.margin_net, 0) as margin_net,
        coalesce(weekly_stock.in_stock_days, 0) as in_stock_days,
        coalesce(weekly_stock.stockout_days, 0) as stockout_days,
        coalesce(weekly_stock.stock_value_cost_days, 0) as stock_value_cost_days,
        coalesce(weekly_purchasing.po_lines_evaluated, 0) as po_lines_evaluated,
        coalesce(weekly_purchasing.po_lines_otif, 0) as po_lines_otif,
        weekly_purchasing.qty_ordered_evaluated,
        weekly_purchasing.qty_filled_evaluated,
        coalesce(weekly_audits.findings_count, 0) as findings_count,
        coalesce(weekly_audits.open_findings_count, 0) as open_findings_count,
        coalesce(weekly_audits.findings_amount_cost_abs, 0) as findings_amount_cost_abs,
        coalesce(weekly_audits.recurring_rules_count, 0) as recurring_rules_count
    from store_weeks
    left join weekly_sales
        on store_weeks.store_id = weekly_sales.store_id and store_weeks.week_start_date = weekly_sales.week_start_date
    left join weekly_stock
        on store_weeks.store_id = weekly_stock.store_id and store_weeks.week_start_date = weekly_stock.week_start_date
    left join weekly_purchasing
        on
            store_weeks.store_id = weekly_purchasing.store_id
            and store_weeks.week_start_date = weekly_purchasing.week_start_date
    left join weekly_audits
        on store_weeks.store_id = weekly_audits.store_id and store_weeks.week_start_date = weekly_audits.week_start_date

),

rated as (

    select
        joined.*,
        {{ safe_ratio('margin_net', 'amount_net') }} as margin_rate,
        {{ safe_ratio('stock_value_cost_days', 'days_counted') }} as avg_stock_value_cost,
        {{ safe_ratio('cost_amount', safe_ratio('stock_value_cost_days', 'days_counted')) }} as stock_turnover,
        {{ safe_ratio('stockout_days', 'in_stock_days + stockout_days') }} as stockout_rate,
        {{ safe_ratio('po_lines_otif', 'po_lines_evaluated') }} as otif_rate,
        {{ safe_ratio('qty_filled_evaluated', 'qty_ordered_evaluated') }} as fill_rate
    from joined

),

final as (

    select
        cast(store_id as varchar) as store_id,
        cast(store_name as varchar) as store_name,
        cast(region as varchar) as region,
        cast(week_start_date as date) as week_start_date,
        cast(
            cast(extract(isoyear from week_start_date) as varchar) || '-W'
            || lpad(cast(extract(week from week_start_date) as varchar), 2, '0')
            as varchar
        ) as iso_week,
        cast(is_complete_week as boolean) as is_complete_week,
        cast(days_counted as integer) as days_counted,
        cast(days_with_sales as integer) as days_with_sales,
        cast(receipts_count as bigint) as receipts_count,
        cast(amount_net as decimal(18, 4)) as amount_net,
        cast(cost_amount as decimal(18, 4)) as cost_amount,
        cast(margin_net as decimal(18, 4)) as margin_net,
        cast(margin_rate as {{ type_double() }}) as margin_rate,
        cast(avg_stock_value_cost as {{ type_double() }}) as avg_stock_value_cost,
        cast(stock_turnover as {{ type_double() }}) as stock_turnover,
        cast(in_stock_days as bigint) as in_stock_days,
        cast(stockout_days as bigint) as stockout_days,
        cast(stockout_rate as {{ type_double() }}) as stockout_rate,
        cast(po_lines_evaluated as bigint) as po_lines_evaluated,
        cast(po_lines_otif as bigint) as po_lines_otif,
        cast(otif_rate as {{ type_double() }}) as otif_rate,
        cast(fill_rate as {{ type_double() }}) as fill_rate,
        cast(findings_count as bigint) as findings_count,
        cast(open_findings_count as bigint) as open_findings_count,
        cast(findings_amount_cost_abs as decimal(18, 4)) as findings_amount_cost_abs,
        cast(recurring_rules_count as bigint) as recurring_rules_count,
        cast(lag(amount_net) over (partition by store_id order by week_start_date) as decimal(18, 4))
            as amount_net_prev_week,
        cast(
            {{ safe_ratio(
                'amount_net - lag(amount_net) over (partition by store_id order by week_start_date)',
                'lag(amount_net) over (partition by store_id order by week_start_date)'
            ) }} as {{ type_double() }}
        ) as amount_net_change_rate,
        cast(lag(margin_rate) over (partition by store_id order by week_start_date) as {{ type_double() }})
            as margin_rate_prev_week,
        cast(lag(stockout_rate) over (partition by store_id order by week_start_date) as {{ type_double() }})
            as stockout_rate_prev_week,
        cast(lag(otif_rate) over (partition by store_id order by week_start_date) as {{ type_double() }})
            as otif_rate_prev_week,
        cast(lag(findings_count) over (partition by store_id order by week_start_date) as bigint)
            as findings_count_prev_week
    from rated

)

select * from final

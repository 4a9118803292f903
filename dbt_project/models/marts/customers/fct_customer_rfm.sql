-- RFM per customer (CRM merges resolved) as of var rfm_as_of_date (default: the latest business
-- date in fct_sales_lines). R = days since the last purchase, F = distinct purchase receipts,
-- M = net sales with returns subtracted; each scored 1-5 by quintile of percent_rank (equal values
-- share a score, unlike NTILE). Segments from R and F (rules in _customers__models.yml).

{%- set as_of_var = var('rfm_as_of_date', none) %}

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

receipts as (

    select * from {{ ref('int_customer_receipts_summarized') }}

),

as_of as (

    select
        {% if as_of_var %}
        cast('{{ as_of_var }}' as date) as as_of_date
        {% else %}
        max(business_date) as as_of_date
        {% endif %}
    from sales_lines

),

customer_totals as (

    select
        receipts.customer_id,
        as_of.as_of_date,
        max(case when receipts.is_purchase then receipts.business_date end) as last_purchase_date,
        count(
            distinct case
                when receipts.is_purchase then {{ dbt.concat(['receipts.store_id', "'|'", 'receipts.receipt_id']) }}
            end
        ) as frequency,
        sum(receipts.amount_net) as monetary_net
    from receipts
    cross join as_of
    where receipts.business_date <= as_of.as_of_date
    group by receipts.customer_id, as_of.as_of_date

),

purchasers as (

    select
        *,
        {{ dbt.datediff('last_purchase_date', 'as_of_date', 'day') }} as recency_days
    from customer_totals
    where last_purchase_date is not null

),

scored as (

    select
        *,
        {{ quintile_score('last_purchase_date') }} as r_score,
        {{ quintile_score('frequency') }} as f_score,
        {{ quintile_score('monetary_net') }} as m_score
    from purchasers

),

segmented as (

    select
        *,
        case
            when r_score >= 4 and f_score >= 4 then 'Champions'
            when r_score >= 3 and f_score >= 3 then 'Loyal'
            when r_score >= 4 and f_score = 1 then 'New'
            when r_score >= 3 then 'Potential loyalists'
            when r_score = 1 and f_score >= 4 then 'Can''t lose'
            when f_score >= 3 then 'At risk'
            when r_score = 2 then 'Hibernating'
            else 'Lost'
        end as rfm_segment
    from scored

),

final as (

    select
        cast(customer_id as varchar) as customer_id,
        cast(as_of_date as date) as as_of_date,
        cast(last_purchase_date as date) as last_purchase_date,
        cast(recency_days as integer) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary_net as decimal(18, 4)) as monetary_net,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        cast({{ dbt.concat(['cast(r_score as varchar)', 'cast(f_score as varchar)', 'cast(m_score as varchar)']) }} as varchar)
            as rfm_cell,
        cast(rfm_segment as varchar) as rfm_segment
    from segmented

)

select * from final

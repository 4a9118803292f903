-- RFM per customer as of var rfm_as_of_date (default: latest business date sold). Scores 1-5 from
-- percent_rank quintiles, so equal values share a score: score = least(5, 1 + floor(5 * percent_rank)).

{%- set as_of_var = var('rfm_as_of_date', none) %}

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

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

customer_sales as (

    select
        sales_lines.customer_id,
        as_of.as_of_date,
        max(sales_lines.business_date) as last_purchase_date,
        count(distinct sales_lines.store_id || '|' || sales_lines.receipt_id) as frequency,
        sum(sales_lines.amount_net) as monetary_net
    from sales_lines
    cross join as_of
    where
        sales_lines.customer_id is not null
        and sales_lines.business_date <= as_of.as_of_date
    group by sales_lines.customer_id, as_of.as_of_date

),

ranked as (

    select
        *,
        {{ dbt.datediff('last_purchase_date', 'as_of_date', 'day') }} as recency_days,
        percent_rank() over (order by last_purchase_date) as recency_rank,
        percent_rank() over (order by frequency) as frequency_rank,
        percent_rank() over (order by monetary_net) as monetary_rank
    from customer_sales

),

scored as (

    select
        *,
        least(5, 1 + floor(5 * recency_rank)) as r_score,
        least(5, 1 + floor(5 * frequency_rank)) as f_score,
        least(5, 1 + floor(5 * monetary_rank)) as m_score
    from ranked

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
        cast(recency_days as integer) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary_net as decimal(18, 4)) as monetary_net,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        cast(rfm_segment as varchar) as rfm_segment
    from segmented

)

select * from final

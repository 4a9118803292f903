-- Category affinity per customer: net sales per category (category valid on the business date),
-- the category's share of the customer's net sales, and the affinity index = that share / the
-- category's share of all loyalty-card net sales (> 1: buys the category more than card holders do).

with

lines as (

    select * from {{ ref('int_customer_sales_lines_resolved') }}

),

customer_categories as (

    select
        customer_id,
        category,
        count(distinct {{ dbt.concat(['store_id', "'|'", 'receipt_id']) }}) as receipts,
        sum(qty) as qty,
        sum(amount_net) as amount_net
    from lines
    group by customer_id, category

),

customer_totals as (

    select customer_id, sum(amount_net) as amount_net
    from customer_categories
    group by customer_id

),

category_totals as (

    select category, sum(amount_net) as amount_net
    from customer_categories
    group by category

),

all_cards as (

    select sum(amount_net) as amount_net from customer_categories

),

shares as (

    select
        customer_categories.*,
        case
            when customer_totals.amount_net > 0
                then cast(customer_categories.amount_net as decimal(18, 6))
                / cast(customer_totals.amount_net as decimal(18, 6))
        end as share_of_customer,
        case
            when all_cards.amount_net > 0
                then cast(category_totals.amount_net as decimal(18, 6))
                / cast(all_cards.amount_net as decimal(18, 6))
        end as share_of_all_cards
    from customer_categories
    inner join customer_totals
        on customer_categories.customer_id = customer_totals.customer_id
    inner join category_totals
        on customer_categories.category = category_totals.category
    cross join all_cards

),

final as (

    select
        cast(customer_id as varchar) as customer_id,
        cast(category as varchar) as category,
        cast(receipts as integer) as receipts,
        cast(qty as decimal(18, 3)) as qty,
        cast(amount_net as decimal(18, 4)) as amount_net,
        cast(share_of_customer as decimal(9, 6)) as share_of_customer,
        cast(share_of_all_cards as decimal(9, 6)) as share_of_all_cards,
        cast(share_of_customer / nullif(share_of_all_cards, 0) as decimal(18, 6)) as affinity_index,
        cast(
            row_number() over (partition by customer_id order by amount_net desc, category)
            as integer
        ) as category_rank
    from shares

)

select * from final

-- Sales lines on a loyalty card, attributed to the customer they count for (a card of a merged
-- contact counts for the surviving contact), with the product's category valid on the business date.

with

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

merges as (

    select * from {{ ref('int_customer_merges_resolved') }}

),

product_versions as (

    select * from {{ versions_valid_by_date(ref('snap_head_office__products'), 'product_id') }}

),

card_lines as (

    select * from sales_lines
    where customer_id is not null

),

final as (

    select
        card_lines.sales_line_key,
        coalesce(merges.customer_id, card_lines.customer_id) as customer_id,
        card_lines.customer_id as card_contact_id,
        card_lines.store_id,
        card_lines.receipt_id,
        card_lines.business_date,
        card_lines.product_id,
        coalesce(product_versions.category, 'unknown') as category,
        card_lines.qty,
        card_lines.amount_net,
        card_lines.margin_net,
        card_lines.is_return
    from card_lines
    left join merges
        on card_lines.customer_id = merges.contact_id
    left join product_versions
        on
            card_lines.product_id = product_versions.product_id
            and {{ is_valid_on('product_versions', 'card_lines.business_date') }}

)

select * from final

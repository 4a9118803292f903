-- Loyalty members without personal data (names, e-mail, phone and card are in pii.dim_customer_pii).

with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

sales_lines as (

    select * from {{ ref('fct_sales_lines') }}

),

purchases as (

    select
        customer_id,
        min(business_date) as first_purchase_date,
        max(business_date) as last_purchase_date
    from sales_lines
    where customer_id is not null
    group by customer_id

),

final as (

    select
        cast(contacts.contact_id as varchar) as customer_id,
        cast(contacts.tier as varchar) as tier,
        cast(contacts.home_store_id as varchar) as home_store_id,
        cast(contacts.has_marketing_consent as boolean) as has_marketing_consent,
        cast(contacts.created_at as timestamp) as created_at,
        cast(purchases.first_purchase_date as date) as first_purchase_date,
        cast(purchases.last_purchase_date as date) as last_purchase_date,
        cast(contacts.is_archived as boolean) as is_archived
    from contacts
    left join purchases
        on contacts.contact_id = purchases.customer_id

)

select * from final

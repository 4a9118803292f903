-- Personal data of the loyalty members, in the pii schema only (grant it to the roles that need it).

with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

final as (

    select
        cast(contact_id as varchar) as customer_id,
        cast(first_name as varchar) as first_name,
        cast(last_name as varchar) as last_name,
        cast(email as varchar) as email,
        cast(phone as varchar) as phone,
        cast(loyalty_card as varchar) as loyalty_card
    from contacts

)

select * from final

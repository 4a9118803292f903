-- Which CRM contact a loyalty card belongs to. When several contacts carry the same card (a merged
-- or re-issued member), the active one wins, then the most recently changed.

with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

final as (

    select
        loyalty_card,
        contact_id as customer_id
    from contacts
    where loyalty_card is not null
    qualify row_number() over (
        partition by loyalty_card order by is_archived asc, updated_at desc, contact_id desc
    ) = 1

)

select * from final

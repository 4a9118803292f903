-- Loyalty audit: every completed receipt paid with a loyalty card must name a card the CRM knows on
-- an active member. The card number itself never leaves staging (personal data): a finding names
-- the receipt and, for a merged member, the CRM contact ids. Only judged once the CRM has landed.
-- Rules:
--   unknown_loyalty_card     no CRM contact holds the card
--   card_of_merged_member    the card belongs to a contact the CRM merged into another (archived;
--                            the survivor lists it in hs_merged_object_ids; resolved by
--                            int_customer_merges_resolved): purchases are booked on the wrong member
--   card_of_archived_member  the card belongs to an archived contact that was not merged

with

sales_lines as (

    select * from {{ ref('int_sales_lines_unioned') }}
    where not is_deleted

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

merges as (

    select * from {{ ref('int_customer_merges_resolved') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

card_receipts as (

    select
        store_id,
        receipt_id,
        min(business_date) as business_date,
        max(loyalty_card) as loyalty_card,
        sum(line_total_gross) as receipt_total_gross
    from sales_lines
    where receipt_status = 'completed' and loyalty_card is not null
    group by store_id, receipt_id

),

card_holders as (

    select
        loyalty_card,
        bool_and(is_archived) as is_only_archived,
        min(case when not is_archived then contact_id end) as active_contact_id,
        min(contact_id) as any_contact_id
    from contacts
    where loyalty_card is not null
    group by loyalty_card

),

crm_loaded as (

    select count(*) > 0 as has_contacts from contacts

),

judged as (

    select
        card_receipts.*,
        card_holders.any_contact_id as contact_id,
        merges.customer_id as surviving_contact_id,
        case
            when card_holders.loyalty_card is null then 'unknown_loyalty_card'
            when card_holders.is_only_archived and merges.is_merged
                then 'card_of_merged_member'
            when card_holders.is_only_archived then 'card_of_archived_member'
        end as rule
    from card_receipts
    cross join crm_loaded
    left join card_holders
        on card_receipts.loyalty_card = card_holders.loyalty_card
    left join merges
        on card_holders.any_contact_id = merges.contact_id
    where crm_loaded.has_contacts

),

final as (

    select
        'loyalty' as audit,
        judged.rule,
        'warning' as severity,
        judged.store_id,
        cast(null as varchar) as product_id,
        cast(null as varchar) as gtin,
        'receipt' as document_type,
        judged.receipt_id as document_id,
        judged.business_date,
        cast(null as decimal(18, 3)) as expected,
        cast(null as decimal(18, 3)) as actual,
        cast(null as decimal(18, 3)) as difference,
        cast(null as decimal(18, 4)) as amount_cost,
        coalesce(stores.store_name, judged.store_id) || ': receipt ' || judged.receipt_id || ' of '
        || cast(judged.business_date as varchar) || ' ('
        || {{ format_money('judged.receipt_total_gross') }} || ') '
        || case judged.rule
            when 'unknown_loyalty_card' then
                'was paid with a loyalty card the CRM does not know. The purchase is credited to '
                || 'nobody: check the card at the till and register the member.'
            when 'card_of_merged_member' then
                'was paid with the card of CRM contact ' || judged.contact_id || ', which the CRM merged into '
                || 'contact ' || judged.surviving_contact_id || '. Replace the old card at the next visit.'
            else
                'was paid with the card of CRM contact ' || judged.contact_id
                || ', which the CRM has archived. Check the card and the member.'
        end as message
    from judged
    left join stores
        on judged.store_id = stores.store_id
    where judged.rule is not null

)

select * from final

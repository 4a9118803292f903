-- Every CRM contact with the customer it counts as: itself, or, for a contact the CRM merged into
-- another (listed in the survivor's merged_contact_ids and archived), the surviving contact.
-- Merges of merges are followed up to four levels.

with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

survivors as (

    select contact_id, is_archived, merged_contact_ids
    from contacts
    where merged_contact_ids is not null

),

direct_merges as (

    -- absorbed contact -> the contact that lists it; an active survivor wins over an archived one
    select
        absorbed.contact_id as absorbed_id,
        survivors.contact_id as survivor_id
    from contacts as absorbed
    inner join survivors
        on
            {{ dbt.concat(["';'", "replace(survivors.merged_contact_ids, ' ', '')", "';'"]) }}
            like {{ dbt.concat(["'%;'", "absorbed.contact_id", "';%'"]) }}
            and absorbed.contact_id <> survivors.contact_id
    qualify row_number() over (
        partition by absorbed.contact_id
        order by survivors.is_archived asc, survivors.contact_id desc
    ) = 1

),

resolved as (

    select
        contacts.contact_id,
        coalesce(level_4.survivor_id, level_3.survivor_id, level_2.survivor_id, level_1.survivor_id)
            as survivor_id
    from contacts
    left join direct_merges as level_1
        on contacts.contact_id = level_1.absorbed_id
    left join direct_merges as level_2
        on level_1.survivor_id = level_2.absorbed_id
    left join direct_merges as level_3
        on level_2.survivor_id = level_3.absorbed_id
    left join direct_merges as level_4
        on level_3.survivor_id = level_4.absorbed_id

),

final as (

    select
        contact_id,
        coalesce(survivor_id, contact_id) as customer_id,
        survivor_id is not null as is_merged
    from resolved

)

select * from final

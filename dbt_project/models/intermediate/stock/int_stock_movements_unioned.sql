-- Modern and legacy stock movements in one shape and one movement vocabulary, with the head-office
-- product behind each GTIN. Movements the store system deleted stay here, flagged is_deleted (their
-- landing tells the marts which store x date to rebuild); the marts leave them out.

with

modern_movements as (

    select * from {{ ref('stg_store__stock_movements') }}

),

legacy_movements as (

    select * from {{ ref('stg_legacy_store__stock_movements') }}

),

products as (

    select * from {{ ref('stg_head_office__products') }}

),

unioned as (

    {% for system, relation in [('modern', 'modern_movements'), ('legacy', 'legacy_movements')] %}
    select
        '{{ system }}' as source_system,
        store_id,
        movement_id,
        gtin,
        movement_type,
        qty,
        moved_at,
        business_date,
        document_type,
        document_id,
        counterparty_store_id,
        {% if system == 'modern' %}is_deleted{% else %}false as is_deleted{% endif %},
        _loaded_at
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        unioned.source_system,
        unioned.store_id,
        unioned.movement_id,
        unioned.gtin,
        products.product_id,
        unioned.movement_type,
        unioned.qty,
        unioned.moved_at,
        unioned.business_date,
        unioned.document_type,
        unioned.document_id,
        unioned.counterparty_store_id,
        unioned.is_deleted,
        unioned._loaded_at
    from unioned
    left join products
        on unioned.gtin = products.gtin

)

select * from final

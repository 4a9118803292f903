-- The series each store x product is forecast in: its own for A and B items (ABC per store), its
-- store x category for the rest, so the forecast runs on far fewer series at bench scale. A product
-- in a category series gets its share of that series' net units over the history window, which
-- splits the category's forecast back to products.

with

sales as (

    select * from {{ ref('fct_sales_lines') }}

),

as_of as (

    select {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date

),

classes as (

    select store_id, product_id, abc_class from {{ ref('rpt_abc_xyz_store_products') }}

),

products as (

    select product_id, category from {{ ref('dim_products') }}

),

window_units as (

    select
        sales.store_id,
        sales.product_id,
        sum(sales.qty) as net_units_qty
    from sales
    cross join as_of
    where
        sales.product_id is not null
        and sales.business_date <= as_of.as_of_date
        and sales.business_date > {{ dbt.dateadd('day', -var('forecast_history_days'), 'as_of.as_of_date') }}
    group by sales.store_id, sales.product_id

),

assigned as (

    select
        window_units.store_id,
        window_units.product_id,
        products.category,
        case when classes.abc_class in ('A', 'B') then 'product' else 'category' end as series_level,
        case when window_units.net_units_qty > 0 then window_units.net_units_qty else 0 end
            as units_for_share
    from window_units
    inner join products
        on window_units.product_id = products.product_id
    left join classes
        on window_units.store_id = classes.store_id
        and window_units.product_id = classes.product_id

),

final as (

    select
        cast(store_id as varchar) as store_id,
        cast(product_id as varchar) as product_id,
        cast(category as varchar) as category,
        cast(series_level as varchar) as series_level,
        cast(
            case
                when series_level = 'product' then {{ dbt.concat(["store_id", "'|P|'", "product_id"]) }}
                else {{ dbt.concat(["store_id", "'|C|'", "category"]) }}
            end as varchar
        ) as series_id,
        cast(round(
            case
                when series_level = 'product' then 1
                else coalesce(
                    {{ safe_ratio('units_for_share', 'sum(units_for_share) over (partition by store_id, category, series_level)') }},
                    {{ safe_ratio('1', 'count(*) over (partition by store_id, category, series_level)') }}
                )
            end, 9) as {{ type_double() }}
        ) as product_share
    from assigned

)

select * from final

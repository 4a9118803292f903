{#- ABC class from the share of net revenue of the items ranked before this one (highest revenue
    first): A while that share is below var abc_class_a_share (0.80), B below abc_class_b_share
    (0.95), else C; an item without positive revenue is C. The item that crosses 80 % is still A,
    so the A items carry at least 80 % of the revenue. -#}
{% macro abc_class(share_before, revenue) -%}
    case
        when {{ revenue }} <= 0 or {{ share_before }} is null then 'C'
        when {{ share_before }} < {{ var('abc_class_a_share') }} then 'A'
        when {{ share_before }} < {{ var('abc_class_b_share') }} then 'B'
        else 'C'
    end
{%- endmacro %}


{#- XYZ class from the coefficient of variation (population standard deviation / mean) of weekly
    net units: X below var xyz_class_x_max_cv (0.5), Y below xyz_class_y_max_cv (1.0), else Z; a
    mean of 0 (or below) is Z; null with fewer than var xyz_min_weeks_listed full weeks listed. -#}
{% macro xyz_class(weeks, mean, cv) -%}
    case
        when {{ weeks }} < {{ var('xyz_min_weeks_listed') }} then null
        when {{ mean }} <= 0 then 'Z'
        when {{ cv }} < {{ var('xyz_class_x_max_cv') }} then 'X'
        when {{ cv }} < {{ var('xyz_class_y_max_cv') }} then 'Y'
        else 'Z'
    end
{%- endmacro %}


{#- The body of the ABC/XYZ marts, per store and product (by_store) or per product chain-wide.
    Window: the var classification_window_weeks full weeks (Monday or not: weeks end on the as-of
    date) ending at the as-of date; week 0 is the latest. Listing date: the first stock movement of
    the product in the store (chain-wide: in any store), as head office keeps none. XYZ uses only
    the weeks fully after the listing date (at most the window), counting weeks without sales as 0,
    so mean and variance come from sums (no dense week grid). Sums are exact decimals, turned
    into doubles only afterwards, so the result does not depend on the order of summation. -#}
{% macro abc_xyz_classes(by_store) -%}
{%- set weeks = var('classification_window_weeks') -%}
{%- set store = 'store_id' if by_store else "cast('*' as varchar)" -%}

with

daily_sales as (

    select * from {{ ref('rpt_daily_store_product_sales') }}

),

ledger as (

    select * from {{ ref('fct_stock_ledger_daily') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

as_of as (

    select
        as_of_date,
        cast({{ dbt.dateadd('day', 1 - 7 * weeks, 'as_of_date') }} as date) as window_start_date
    from (select {{ reporting_as_of_date(ref('fct_sales_lines')) }} as as_of_date) as reporting

),

listed as (

    select
        {{ store }} as store_id,
        gtin,
        min(business_date) as listed_date
    from ledger
    group by {{ store }}, gtin

),

weekly as (

    select
        {{ store }} as store_id,
        daily_sales.gtin,
        cast(
            floor(
                cast({{ dbt.datediff('daily_sales.business_date', 'as_of.as_of_date', 'day') }} as {{ type_double() }}) / 7
            ) as integer
        ) as week_index,
        sum(daily_sales.net_units_qty) as net_units_qty,
        sum(daily_sales.amount_net) as amount_net
    from daily_sales
    cross join as_of
    where
        daily_sales.business_date >= as_of.window_start_date
        and daily_sales.business_date <= as_of.as_of_date
    group by
        {{ store }},
        daily_sales.gtin,
        cast(
            floor(
                cast({{ dbt.datediff('daily_sales.business_date', 'as_of.as_of_date', 'day') }} as {{ type_double() }}) / 7
            ) as integer
        )

),

items as (

    select
        listed.store_id,
        listed.gtin,
        products.product_id,
        products.product_name,
        products.category,
        listed.listed_date,
        as_of.as_of_date,
        as_of.window_start_date,
        least(
            {{ weeks }},
            cast(
                floor(
                    cast({{ dbt.datediff('listed.listed_date', 'as_of.as_of_date', 'day') }} + 1 as {{ type_double() }}) / 7
                ) as integer
            )
        ) as weeks_listed
    from listed
    cross join as_of
    inner join products
        on listed.gtin = products.gtin
    where listed.listed_date <= as_of.as_of_date

),

sums as (

    select
        items.store_id,
        items.gtin,
        coalesce(sum(weekly.amount_net), 0) as amount_net,
        coalesce(sum(weekly.net_units_qty), 0) as net_units_qty,
        coalesce(
            sum(
                case
                    when weekly.week_index < items.weeks_listed then weekly.net_units_qty
                end
            ),
            0
        ) as listed_units_sum,
        coalesce(
            sum(
                case
                    when weekly.week_index < items.weeks_listed
                        then weekly.net_units_qty * weekly.net_units_qty
                end
            ),
            0
        ) as listed_units_square_sum
    from items
    left join weekly
        on
            items.store_id = weekly.store_id
            and items.gtin = weekly.gtin
    group by items.store_id, items.gtin

),

moments as (

    select
        items.*,
        sums.amount_net,
        sums.net_units_qty,
        {{ safe_ratio('sums.listed_units_sum', 'items.weeks_listed') }} as weekly_mean_qty,
        {{ safe_ratio('sums.listed_units_square_sum', 'items.weeks_listed') }} as weekly_mean_square_qty
    from items
    inner join sums
        on
            items.store_id = sums.store_id
            and items.gtin = sums.gtin

),

spread as (

    select
        moments.*,
        sqrt(greatest(weekly_mean_square_qty - weekly_mean_qty * weekly_mean_qty, 0)) as weekly_stddev_qty
    from moments

),

ranked as (

    select
        spread.*,
        case
            when weekly_mean_qty > 0 then weekly_stddev_qty / weekly_mean_qty
        end as weekly_cv,
        coalesce(
            sum(greatest(amount_net, 0)) over (
                partition by store_id order by amount_net desc, gtin
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as revenue_before,
        sum(greatest(amount_net, 0)) over (partition by store_id) as revenue_total
    from spread

),

classified as (

    select
        ranked.*,
        {{ safe_ratio('revenue_before', 'revenue_total') }} as share_before,
        {{ safe_ratio('greatest(amount_net, 0)', 'revenue_total') }} as revenue_share
    from ranked

),

final as (

    select
        {% if by_store -%}
        cast({{ dbt.hash("concat_ws('|', store_id, gtin)") }} as varchar) as classification_key,
        cast(store_id as varchar) as store_id,
        {% endif -%}
        cast(product_id as varchar) as product_id,
        cast(gtin as varchar) as gtin,
        cast(product_name as varchar) as product_name,
        cast(category as varchar) as category,
        cast(listed_date as date) as listed_date,
        cast(weeks_listed as integer) as weeks_listed,
        cast(amount_net as decimal(18, 4)) as amount_net,
        cast(net_units_qty as decimal(18, 3)) as net_units_qty,
        cast(revenue_share as {{ type_double() }}) as revenue_share,
        cast(coalesce(share_before, 0) + coalesce(revenue_share, 0) as {{ type_double() }}) as cumulative_revenue_share,
        cast({{ abc_class('share_before', 'amount_net') }} as varchar) as abc_class,
        cast(weekly_mean_qty as {{ type_double() }}) as weekly_mean_qty,
        cast(weekly_stddev_qty as {{ type_double() }}) as weekly_stddev_qty,
        cast(weekly_cv as {{ type_double() }}) as weekly_cv,
        cast({{ xyz_class('weeks_listed', 'weekly_mean_qty', 'weekly_cv') }} as varchar) as xyz_class,
        cast(as_of_date as date) as as_of_date,
        cast(window_start_date as date) as window_start_date
    from classified

)

select * from final
{%- endmacro %}

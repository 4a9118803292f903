-- Year on year per store and business date against the same weekday 364 days back. A store is
-- like-for-like on a date when it was open on both dates (opened on or before the comparison date)
-- and has sales recorded on both; chain or period growth sums the like-for-like rows only.

with

daily as (

    select * from {{ ref('rpt_daily_store_sales') }}

),

stores as (

    select * from {{ ref('dim_stores') }}

),

compared as (

    select
        this_year.store_id,
        this_year.store_name,
        this_year.region,
        this_year.business_date,
        cast({{ dbt.dateadd('day', -364, 'this_year.business_date') }} as date) as comparison_date,
        this_year.receipts_count,
        this_year.net_units_qty,
        this_year.amount_net,
        this_year.margin_net,
        last_year.receipts_count as receipts_count_last_year,
        last_year.net_units_qty as net_units_qty_last_year,
        last_year.amount_net as amount_net_last_year,
        last_year.margin_net as margin_net_last_year,
        stores.opened_on
    from daily as this_year
    left join daily as last_year
        on
            this_year.store_id = last_year.store_id
            and last_year.business_date = {{ dbt.dateadd('day', -364, 'this_year.business_date') }}
    left join stores
        on this_year.store_id = stores.store_id

),

final as (

    select
        cast(store_id as varchar) as store_id,
        cast(store_name as varchar) as store_name,
        cast(region as varchar) as region,
        cast(business_date as date) as business_date,
        cast(comparison_date as date) as comparison_date,
        cast(receipts_count as integer) as receipts_count,
        cast(net_units_qty as decimal(18, 3)) as net_units_qty,
        cast(amount_net as decimal(18, 4)) as amount_net,
        cast(margin_net as decimal(18, 4)) as margin_net,
        cast(receipts_count_last_year as integer) as receipts_count_last_year,
        cast(net_units_qty_last_year as decimal(18, 3)) as net_units_qty_last_year,
        cast(amount_net_last_year as decimal(18, 4)) as amount_net_last_year,
        cast(margin_net_last_year as decimal(18, 4)) as margin_net_last_year,
        coalesce(opened_on <= comparison_date and amount_net_last_year is not null, false) as is_like_for_like,
        cast(
            case
                when opened_on <= comparison_date
                    then {{ safe_ratio('amount_net - amount_net_last_year', 'amount_net_last_year') }}
            end as {{ type_double() }}
        ) as amount_net_growth
    from compared

)

select * from final

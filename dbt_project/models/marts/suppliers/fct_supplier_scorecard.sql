-- Supplier scorecard per supplier and month of the requested delivery date, from
-- fct_purchase_order_lines. Rates count the lines that can be judged (received, or whose on-time
-- window has closed); the score weights its components with var supplier_scorecard_weights
-- (documented in _suppliers__models.yml).

{%- set weights = var('supplier_scorecard_weights') %}
{%- set components = [
    ('otif', 'otif_rate'),
    ('fill_rate', 'fill_rate'),
    ('lead_time', 'lead_time_adherence_rate'),
    ('quality', 'quality_rate'),
    ('price', 'price_adherence_rate'),
] %}

with

po_lines as (

    select * from {{ ref('fct_purchase_order_lines') }}

),

suppliers as (

    select * from {{ ref('stg_head_office__suppliers') }}

),

asn_lines as (

    select * from {{ ref('stg_supplier__asn_lines') }}

),

asn_suppliers as (

    select distinct supplier_id from asn_lines

),

monthly as (

    select
        supplier_id,
        cast({{ dbt.date_trunc('month', 'requested_date') }} as date) as month_start_date,
        count(*) as po_lines,
        count(case when is_evaluated then 1 end) as evaluated_lines,
        count(case when is_received then 1 end) as received_lines,
        count(case when is_on_time then 1 end) as on_time_lines,
        count(case when is_in_full then 1 end) as in_full_lines,
        count(case when is_otif then 1 end) as otif_lines,
        count(case when is_within_promised_lead_time then 1 end) as within_lead_time_lines,
        count(list_unit_cost) as priced_lines,
        count(case when po_unit_cost <= list_unit_cost then 1 end) as at_or_below_list_lines,
        sum(qty_ordered) as qty_ordered,
        sum(qty_shipped) as qty_shipped,
        sum(qty_received) as qty_received,
        sum(qty_rejected) as qty_rejected,
        sum(qty_accepted) as qty_accepted,
        sum(case when is_evaluated then qty_ordered end) as qty_ordered_evaluated,
        sum(case when is_evaluated then qty_filled end) as qty_filled_evaluated,
        avg(cast(lead_time_days as decimal(18, 4))) as avg_lead_time_days,
        avg(cast(promised_lead_time_days as decimal(18, 4))) as avg_promised_lead_time_days,
        sum(price_variance_amount) as price_variance_amount,
        sum(case when list_unit_cost is not null then list_unit_cost * qty_ordered end) as list_amount
    from po_lines
    group by 1, 2

),

rated as (

    select
        monthly.*,
        cast(otif_lines as decimal(18, 6)) / nullif(cast(evaluated_lines as decimal(18, 6)), 0) as otif_rate,
        cast(on_time_lines as decimal(18, 6)) / nullif(cast(evaluated_lines as decimal(18, 6)), 0) as on_time_rate,
        cast(in_full_lines as decimal(18, 6)) / nullif(cast(evaluated_lines as decimal(18, 6)), 0) as in_full_rate,
        cast(qty_filled_evaluated as decimal(18, 6)) / nullif(cast(qty_ordered_evaluated as decimal(18, 6)), 0) as fill_rate,
        cast(within_lead_time_lines as decimal(18, 6)) / nullif(cast(received_lines as decimal(18, 6)), 0)
            as lead_time_adherence_rate,
        case
            when qty_received > 0
                then 1 - cast(qty_rejected as decimal(18, 6)) / cast(qty_received as decimal(18, 6))
        end as quality_rate,
        cast(at_or_below_list_lines as decimal(18, 6)) / nullif(cast(priced_lines as decimal(18, 6)), 0)
            as price_adherence_rate
    from monthly

),

scored as (

    select
        rated.*,
        -- a month with no line to judge yet has no score (a price list alone says little)
        case when evaluated_lines > 0 then 100 * (
            {%- for key, column in components %}
            coalesce({{ column }} * cast({{ weights[key] }} as decimal(18, 6)), 0){{ ' +' if not loop.last }}
            {%- endfor %}
        ) / nullif(
            {%- for key, column in components %}
            case when {{ column }} is not null then cast({{ weights[key] }} as decimal(18, 6)) else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        , 0) end as score
    from rated

),

final as (

    select
        cast(scored.supplier_id as varchar) as supplier_id,
        cast(scored.month_start_date as date) as month_start_date,
        cast(suppliers.supplier_name as varchar) as supplier_name,
        cast(asn_suppliers.supplier_id is not null as boolean) as has_asn_feed,
        cast(scored.po_lines as bigint) as po_lines,
        cast(scored.evaluated_lines as bigint) as evaluated_lines,
        cast(scored.received_lines as bigint) as received_lines,
        cast(scored.on_time_lines as bigint) as on_time_lines,
        cast(scored.in_full_lines as bigint) as in_full_lines,
        cast(scored.otif_lines as bigint) as otif_lines,
        cast(scored.qty_ordered as decimal(18, 3)) as qty_ordered,
        -- null for a supplier that sends no shipping notices (nothing to compare), not 0
        cast(case when asn_suppliers.supplier_id is not null then coalesce(scored.qty_shipped, 0) end as decimal(18, 3))
            as qty_shipped,
        cast(scored.qty_received as decimal(18, 3)) as qty_received,
        cast(scored.qty_rejected as decimal(18, 3)) as qty_rejected,
        cast(scored.qty_accepted as decimal(18, 3)) as qty_accepted,
        cast(round(scored.on_time_rate, 6) as double) as on_time_rate,
        cast(round(scored.in_full_rate, 6) as double) as in_full_rate,
        cast(round(scored.otif_rate, 6) as double) as otif_rate,
        cast(round(scored.fill_rate, 6) as double) as fill_rate,
        cast(round(1 - scored.quality_rate, 6) as double) as rejected_rate,
        cast(round(scored.avg_lead_time_days, 4) as double) as avg_lead_time_days,
        cast(round(scored.avg_promised_lead_time_days, 4) as double) as promised_lead_time_days,
        cast(round(scored.lead_time_adherence_rate, 6) as double) as lead_time_adherence_rate,
        cast(round(scored.price_adherence_rate, 6) as double) as price_adherence_rate,
        cast(scored.price_variance_amount as decimal(18, 4)) as price_variance_amount,
        cast(round(scored.price_variance_amount / nullif(scored.list_amount, 0), 6) as double) as price_variance_pct,
        cast(round(scored.score, 6) as double) as score
    from scored
    left join suppliers
        on scored.supplier_id = suppliers.supplier_id
    left join asn_suppliers
        on scored.supplier_id = asn_suppliers.supplier_id

)

select * from final

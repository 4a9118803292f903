{#- The store x business date partitions of fct_sales_lines that a run rebuilds (its select and
    the replace_touched strategy render this same SQL):
    - every partition with a receipt, receipt line or legacy sales line loaded since the last run
      (a void is a new receipt version, so its partition is rebuilt and its lines drop out);
    - every partition of a store from the earliest business date of its stock movements loaded
      since the last run on (watermark _movements_loaded_at: a store's movements land after its
      receipts, so they have their own): they move the moving-average cost of later sales;
    - in a run with a date window (a backfill), every partition in it. -#}
{% macro fct_sales_lines_touched_partitions() -%}
    select
        new_lines.store_id,
        new_lines.business_date
    from {{ ref('int_sales_lines_unioned') }} as new_lines
    where {{ loaded_after_watermark('new_lines._loaded_at', 'new_lines.store_id') }}

    union

    select
        recosted_lines.store_id,
        recosted_lines.business_date
    from {{ ref('int_sales_lines_unioned') }} as recosted_lines
    inner join (
        select
            new_movements.store_id,
            min(new_movements.business_date) as recost_from_date
        from {{ ref('int_stock_movements_unioned') }} as new_movements
        where {{ loaded_after_watermark('new_movements._loaded_at', 'new_movements.store_id', '_movements_loaded_at') }}
        group by new_movements.store_id
    ) as recost
        on
            recosted_lines.store_id = recost.store_id
            and recosted_lines.business_date >= recost.recost_from_date
    {%- if partition_window() is not none %}

    union

    select
        window_lines.store_id,
        window_lines.business_date
    from {{ ref('int_sales_lines_unioned') }} as window_lines
    where {{ in_partition_window('window_lines.business_date') }}
    {%- endif %}
{%- endmacro %}

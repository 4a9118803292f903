-- The forecast's accuracy over every backtested series and window, per method: WAPE and bias from
-- the summed errors, MASE as the mean of the series' MASE (series with a flat history left out).

select
    cast(method as varchar) as method,
    cast(count(*) as integer) as series,
    cast(round({{ safe_ratio('sum(abs_error_qty)', 'sum(actual_qty)') }}, 9) as {{ type_double() }}) as wape,
    cast(round(avg(mase), 9) as {{ type_double() }}) as mase,
    cast(round({{ safe_ratio('sum(error_qty)', 'sum(actual_qty)') }}, 9) as {{ type_double() }}) as bias
from {{ ref('stg_forecast__forecast_accuracy') }}
group by method

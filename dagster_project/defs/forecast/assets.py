"""Demand forecast as a Dagster asset (statsforecast), between dbt's demand history and the
replenishment marts: dbt reads its Parquet output as the ``forecast`` source.

Not a dbt Python model, so the same dbt project builds on engines that cannot run those.
"""

import dagster as dg

from dagster_project.lib.instance import WAREHOUSE_POOL
from retailwh import settings
from retailwh.forecast import BASELINE_COLUMN, MODEL_COLUMN, ForecastSettings
from retailwh.forecast_run import run_forecast

DEMAND_HISTORY = dg.AssetKey(["intermediate", "int_demand_history"])
FORECAST = dg.AssetKey(["forecast", "demand_forecast"])
ACCURACY = dg.AssetKey(["forecast", "forecast_accuracy"])
BEATS_BASELINE = "beats_seasonal_naive"


@dg.multi_asset(
    name="demand_forecast",
    pool=WAREHOUSE_POOL,
    specs=[
        dg.AssetSpec(
            FORECAST,
            deps=[DEMAND_HISTORY],
            group_name="marts_replenishment",
            kinds={"python", "parquet"},
            description="Daily demand for the next horizon_days per series (store x product "
            "for A and B items, store x category for the rest).",
        ),
        dg.AssetSpec(
            ACCURACY,
            deps=[DEMAND_HISTORY],
            group_name="marts_replenishment",
            kinds={"python", "parquet"},
            description="WAPE, MASE and bias per series over rolling holdout windows, for the "
            "model and the seasonal-naive baseline.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            BEATS_BASELINE,
            asset=ACCURACY,
            description="Overall WAPE and MASE of the model below the seasonal-naive baseline's.",
        )
    ],
)
def demand_forecast(context: dg.AssetExecutionContext):
    config = ForecastSettings.from_config(settings.warehouse_settings().get("forecast"))
    run = run_forecast(settings.warehouse_path(), settings.forecast_dir(), config)
    figures = {
        f"{method}_{metric}": run.figure(method, metric)
        for method in (MODEL_COLUMN, BASELINE_COLUMN)
        for metric in ("wape", "mase", "bias")
    }
    context.log.info(f"forecast {run.series} series in {run.stores} stores; {figures}")
    yield dg.MaterializeResult(
        asset_key=FORECAST,
        metadata={"series": run.series, "stores": run.stores, "horizon_days": config.horizon_days},
    )
    yield dg.MaterializeResult(
        asset_key=ACCURACY,
        metadata={
            "series_backtested": run.series_backtested,
            "holdout_windows": config.holdout_windows,
            **figures,
        },
    )
    beats = (
        figures[f"{MODEL_COLUMN}_wape"] < figures[f"{BASELINE_COLUMN}_wape"]
        and figures[f"{MODEL_COLUMN}_mase"] < figures[f"{BASELINE_COLUMN}_mase"]
    )
    yield dg.AssetCheckResult(
        asset_key=ACCURACY,
        check_name=BEATS_BASELINE,
        passed=bool(beats),
        severity=dg.AssetCheckSeverity.WARN,
        metadata=figures,
    )

"""Run the demand forecast over the warehouse, one store at a time, into Parquet files dbt reads.

Reads ``intermediate.int_demand_history`` (built by dbt) through a short read-only connection per
store, so memory stays one store's series at bench scale. Writes, each under a temporary name and
then renamed so dbt never reads half a file:

* ``<forecast_dir>/demand_forecast.parquet``: series, date, forecast and baseline;
* ``<forecast_dir>/forecast_accuracy.parquet``: per series and method, WAPE, MASE, bias and the
  sums behind them (the overall figures are computed from these sums in dbt).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from retailwh.forecast import (
    ForecastSettings,
    backtest,
    eligible,
    forecast,
    overall,
    summarize,
)

HISTORY_RELATION = "intermediate.int_demand_history"
FORECAST_FILE = "demand_forecast.parquet"
ACCURACY_FILE = "forecast_accuracy.parquet"

FORECAST_SCHEMA = pa.schema(
    [
        ("series_id", pa.string()),
        ("forecast_date", pa.date32()),
        ("forecast_qty", pa.float64()),
        ("seasonal_naive_qty", pa.float64()),
    ]
)
ACCURACY_SCHEMA = pa.schema(
    [
        ("series_id", pa.string()),
        ("method", pa.string()),
        ("windows", pa.int64()),
        ("actual_qty", pa.float64()),
        ("abs_error_qty", pa.float64()),
        ("error_qty", pa.float64()),
        ("wape", pa.float64()),
        ("mase", pa.float64()),
        ("bias", pa.float64()),
    ]
)


@dataclass(frozen=True)
class ForecastRun:
    series: int
    series_backtested: int
    stores: int
    overall: pd.DataFrame  # one row per method: wape, mase, bias

    def figure(self, method: str, metric: str) -> float:
        row = self.overall[self.overall["method"] == method]
        return float(row[metric].iloc[0]) if not row.empty else float("nan")


def _stores(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"select distinct store_id from {HISTORY_RELATION} order by store_id"
        ).fetchall()
    return [r[0] for r in rows]


def _history(warehouse: Path, store_id: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"""
            select series_id as unique_id, cast(business_date as timestamp) as ds,
                   cast(demand_qty as double) as y
            from {HISTORY_RELATION}
            where store_id = ?
            order by series_id, business_date
            """,
            [store_id],
        ).df()


def _forecast_table(frame: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "series_id": frame["unique_id"].astype(str),
            "forecast_date": pd.to_datetime(frame["ds"]).dt.date,
            "forecast_qty": frame["model"].astype(float).clip(lower=0),
            "seasonal_naive_qty": frame["seasonal_naive"].astype(float).clip(lower=0),
        },
        schema=FORECAST_SCHEMA,
    )


def _accuracy_table(per_series: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "series_id": per_series["unique_id"].astype(str),
            "method": per_series["method"].astype(str),
            "windows": per_series["windows"].astype("int64"),
            "actual_qty": per_series["actual"].astype(float),
            "abs_error_qty": per_series["abs_error"].astype(float),
            "error_qty": per_series["error"].astype(float),
            "wape": per_series["wape"].astype(float),
            "mase": per_series["mase"].astype(float),
            "bias": per_series["bias"].astype(float),
        },
        schema=ACCURACY_SCHEMA,
    )


def _publish(tmp: Path, final: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)


def run_forecast(warehouse: Path, out_dir: Path, settings: ForecastSettings) -> ForecastRun:
    """Forecast every series of the demand history and backtest those with enough history."""
    out_dir.mkdir(parents=True, exist_ok=True)
    forecast_tmp = out_dir / f"{FORECAST_FILE}.tmp"
    accuracy_tmp = out_dir / f"{ACCURACY_FILE}.tmp"
    all_errors: list[pd.DataFrame] = []
    series = backtested = 0
    stores = _stores(warehouse)
    with (
        pq.ParquetWriter(forecast_tmp, FORECAST_SCHEMA) as forecast_out,
        pq.ParquetWriter(accuracy_tmp, ACCURACY_SCHEMA) as accuracy_out,
    ):
        for store_id in stores:
            history = _history(warehouse, store_id)
            if history.empty:
                continue
            # the model needs window_weeks full seasons; shorter series use dbt's fallback
            days = history.groupby("unique_id")["ds"].transform("size")
            usable = history[days >= settings.season_length * settings.window_weeks]
            series += usable["unique_id"].nunique()
            forecast_out.write_table(_forecast_table(forecast(usable, settings)))
            testable = history[history["unique_id"].isin(eligible(history, settings))]
            if testable.empty:
                continue
            backtested += testable["unique_id"].nunique()
            errors = backtest(testable, settings)
            all_errors.append(errors)
            accuracy_out.write_table(_accuracy_table(summarize(errors)))
    _publish(forecast_tmp, out_dir / FORECAST_FILE)
    _publish(accuracy_tmp, out_dir / ACCURACY_FILE)
    return ForecastRun(
        series=series,
        series_backtested=backtested,
        stores=len(stores),
        overall=overall(pd.concat(all_errors)) if all_errors else pd.DataFrame(columns=["method"]),
    )

"""Demand forecast and its measured accuracy, with statsforecast.

Input is the demand history dbt prepares (``intermediate.int_demand_history``): one row per series
and business date, dense (days without a sale are 0), demand on stock-out days already replaced by
dbt, so the model does not learn that an empty shelf means no demand. Output:

* ``forecast``: the next ``horizon`` days per series (``unique_id``, ``ds``, ``forecast``);
* ``accuracy``: per series, over ``holdout_windows`` rolling windows of ``horizon`` days each, the
  model and the seasonal-naive baseline (m = ``season_length``) side by side: WAPE, MASE and bias.

Definitions (also in dbt_project/models/marts/replenishment/_replenishment__models.yml):
WAPE = sum|y - yhat| / sum y; bias = sum(yhat - y) / sum y; MASE = mean|y - yhat| over the window /
mean|y_t - y_(t-m)| over the training part before that window's cutoff (in-sample seasonal naive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from statsforecast import StatsForecast

MODEL_COLUMN = "model"
BASELINE_COLUMN = "seasonal_naive"


@dataclass(frozen=True)
class ForecastSettings:
    """``forecast`` in config/warehouse.yml; every field has the default shown here."""

    horizon_days: int = 28
    season_length: int = 7
    # the model averages the same weekday over this many past weeks
    window_weeks: int = 4
    holdout_windows: int = 4

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> ForecastSettings:
        known = {k: int(v) for k, v in (config or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def min_history_days(self) -> int:
        """Days a series needs for every holdout window to have a model and a MASE scale."""
        return self.horizon_days * self.holdout_windows + self.season_length * self.window_weeks


def _models(settings: ForecastSettings) -> list[Any]:
    # statsforecast compiles with numba on import (~4 s): imported when a forecast runs, not when
    # the Dagster code location loads
    from statsforecast.models import SeasonalNaive, SeasonalWindowAverage

    model = SeasonalWindowAverage(
        season_length=settings.season_length,
        window_size=settings.window_weeks,
        alias=MODEL_COLUMN,
    )
    baseline = SeasonalNaive(season_length=settings.season_length, alias=BASELINE_COLUMN)
    return [model, baseline]


def _engine(settings: ForecastSettings) -> StatsForecast:
    from statsforecast import StatsForecast

    return StatsForecast(models=_models(settings), freq="D", n_jobs=1)


def eligible(history: pd.DataFrame, settings: ForecastSettings) -> pd.Series:
    """Series ids with enough history for the backtest (the rest are left to the fallback)."""
    days = history.groupby("unique_id", observed=True)["ds"].count()
    return days.index[days >= settings.min_history_days].to_series()


def forecast(history: pd.DataFrame, settings: ForecastSettings) -> pd.DataFrame:
    """The next ``horizon_days`` of demand per series: ``unique_id``, ``ds``, ``forecast``,
    ``seasonal_naive``."""
    if history.empty:
        return pd.DataFrame(columns=["unique_id", "ds", MODEL_COLUMN, BASELINE_COLUMN])
    out = _engine(settings).forecast(df=history, h=settings.horizon_days)
    return out.reset_index(drop=True) if "unique_id" in out.columns else out.reset_index()


def _mase_scale(history: pd.DataFrame, cutoffs: pd.DataFrame, season_length: int) -> pd.Series:
    """mean |y_t - y_(t-m)| over each series' history up to each cutoff, by (unique_id, cutoff)."""
    frame = history.sort_values(["unique_id", "ds"]).copy()
    frame["naive_error"] = (
        frame["y"] - frame.groupby("unique_id", observed=True)["y"].shift(season_length)
    ).abs()
    joined = frame.merge(cutoffs, on="unique_id")
    joined = joined[joined["ds"] <= joined["cutoff"]]
    return joined.groupby(["unique_id", "cutoff"], observed=True)["naive_error"].mean()


def backtest(history: pd.DataFrame, settings: ForecastSettings) -> pd.DataFrame:
    """Rolling-origin evaluation: one row per series, window and method with its error sums.

    Columns: ``unique_id``, ``cutoff``, ``method`` (``model`` / ``seasonal_naive``), ``actual``
    (sum y), ``abs_error``, ``error`` (sum yhat - y), ``days``, ``mase_scale``.
    """
    if history.empty:
        return pd.DataFrame(
            columns=[
                "unique_id",
                "cutoff",
                "method",
                "actual",
                "abs_error",
                "error",
                "days",
                "mase_scale",
            ]
        )
    cv = _engine(settings).cross_validation(
        df=history,
        h=settings.horizon_days,
        step_size=settings.horizon_days,
        n_windows=settings.holdout_windows,
    )
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    long = cv.melt(
        id_vars=["unique_id", "ds", "cutoff", "y"],
        value_vars=[MODEL_COLUMN, BASELINE_COLUMN],
        var_name="method",
        value_name="yhat",
    )
    long["err"] = long["yhat"] - long["y"]
    long["abs_err"] = long["err"].abs()
    sums = (
        long.groupby(["unique_id", "cutoff", "method"], observed=True)
        .agg(
            actual=("y", "sum"),
            abs_error=("abs_err", "sum"),
            error=("err", "sum"),
            days=("y", "size"),
        )
        .reset_index()
    )
    cutoffs = sums[["unique_id", "cutoff"]].drop_duplicates()
    scale = _mase_scale(history, cutoffs, settings.season_length).rename("mase_scale")
    return sums.merge(scale.reset_index(), on=["unique_id", "cutoff"], how="left")


def summarize(errors: pd.DataFrame) -> pd.DataFrame:
    """Per series and method over all windows: WAPE, MASE, bias (null where undefined)."""
    frame = errors.copy()
    scaled = frame["mase_scale"] > 0
    frame["window_mase"] = np.where(
        scaled, frame["abs_error"] / frame["days"] / frame["mase_scale"].where(scaled), np.nan
    )
    per = (
        frame.groupby(["unique_id", "method"], observed=True)
        .agg(
            actual=("actual", "sum"),
            abs_error=("abs_error", "sum"),
            error=("error", "sum"),
            mase=("window_mase", "mean"),
            windows=("cutoff", "nunique"),
        )
        .reset_index()
    )
    has_demand = per["actual"] > 0
    per["wape"] = np.where(has_demand, per["abs_error"] / per["actual"].where(has_demand), np.nan)
    per["bias"] = np.where(has_demand, per["error"] / per["actual"].where(has_demand), np.nan)
    return per


def overall(errors: pd.DataFrame) -> pd.DataFrame:
    """One row per method: WAPE and bias over every series and window, MASE as the mean of the
    series' MASE (series with a zero scale left out)."""
    per = summarize(errors)
    rows = []
    for method, part in per.groupby("method"):
        actual = part["actual"].sum()
        rows.append(
            {
                "method": method,
                "series": int(part["unique_id"].nunique()),
                "wape": float(part["abs_error"].sum() / actual) if actual > 0 else np.nan,
                "mase": float(part["mase"].mean()),
                "bias": float(part["error"].sum() / actual) if actual > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)

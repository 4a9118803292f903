"""The forecast's accuracy figures against hand-computed values, and its backtest windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retailwh.forecast import ForecastSettings, backtest, forecast, overall, summarize

SETTINGS = ForecastSettings(horizon_days=7, season_length=7, window_weeks=2, holdout_windows=2)


def _history(values: dict[str, list[float]], start: str = "2026-01-05") -> pd.DataFrame:
    frames = [
        pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(ys)), "y": ys})
        for uid, ys in values.items()
    ]
    return pd.concat(frames, ignore_index=True)


def test_summary_figures_match_hand_computation():
    # two windows of one series: actual 10 and 30, forecast errors +2/-4 (abs 2+4) and +6 (abs 6)
    errors = pd.DataFrame(
        {
            "unique_id": ["a", "a"],
            "cutoff": pd.to_datetime(["2026-01-01", "2026-01-08"]),
            "method": ["model", "model"],
            "actual": [10.0, 30.0],
            "abs_error": [6.0, 6.0],
            "error": [-2.0, 6.0],
            "days": [3, 3],
            "mase_scale": [1.0, 4.0],
        }
    )
    row = summarize(errors).iloc[0]
    assert row["wape"] == pytest.approx(12 / 40)
    assert row["bias"] == pytest.approx(4 / 40)
    # window MASE: (6/3)/1 = 2 and (6/3)/4 = 0.5; the series' MASE is their mean
    assert row["mase"] == pytest.approx(1.25)
    assert row["windows"] == 2


def test_zero_demand_and_flat_history_leave_figures_undefined_not_zero():
    errors = pd.DataFrame(
        {
            "unique_id": ["z"],
            "cutoff": pd.to_datetime(["2026-01-01"]),
            "method": ["model"],
            "actual": [0.0],
            "abs_error": [1.0],
            "error": [1.0],
            "days": [7],
            "mase_scale": [0.0],
        }
    )
    row = summarize(errors).iloc[0]
    assert np.isnan(row["wape"]) and np.isnan(row["bias"]) and np.isnan(row["mase"])


def test_backtest_uses_rolling_windows_of_the_horizon_with_their_actuals():
    weekly = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    ys = weekly * 5 + [2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 9.0]  # 42 days, the last week differs
    errors = backtest(_history({"a": ys}), SETTINGS)
    model = errors[errors["method"] == "model"].sort_values("cutoff")
    # 42 days from 2026-01-05 end on 02-15: the two 7-day windows start after 02-01 and 02-08
    assert list(model["cutoff"].dt.date.astype(str)) == ["2026-02-01", "2026-02-08"]
    assert list(model["actual"]) == [sum(weekly), sum(ys[-7:])]
    # the last window: the model (mean of the two earlier same weekdays) forecasts `weekly`,
    # so its errors are the week's differences: -1 on day one, -2 on day seven
    assert model["error"].iloc[1] == pytest.approx(-3.0)
    assert model["abs_error"].iloc[1] == pytest.approx(3.0)
    # MASE scale before the last cutoff: |y_t - y_(t-7)| is 0 for every day with a week behind it
    assert model["mase_scale"].iloc[1] == pytest.approx(0.0)


def test_forecast_repeats_the_weekly_profile_and_overall_prefers_the_better_method():
    rng = np.random.default_rng(3)
    profile = np.array([1, 1, 1.2, 1.3, 1.8, 2.2, 0.5])
    days = 140
    values = {
        f"s{i}": list(rng.poisson(3 * np.tile(profile, days // 7)).astype(float)) for i in range(20)
    }
    history = _history(values)
    settings = ForecastSettings()
    out = forecast(history, settings)
    assert len(out) == 20 * settings.horizon_days
    assert (out["model"] >= 0).all()
    table = overall(backtest(history, settings)).set_index("method")
    # averaging four weeks of Poisson noise is closer than last week alone
    assert table.loc["model", "wape"] < table.loc["seasonal_naive", "wape"]
    assert table.loc["model", "mase"] < table.loc["seasonal_naive", "mase"]

"""Forecast accuracy on a chain the forecast was not developed on.

    uv run python bench/forecast_eval.py [--preset demo] [--seed 2027]      (or: make forecast-eval)

Simulates the chain (promotions and stock-outs on, as every preset has them) under
``data/forecast_eval/<preset>-<seed>``, lands it, builds the demand history with dbt, runs the
forecast and prints WAPE, MASE and bias of the model and of the seasonal-naive baseline over the
rolling holdout windows, with the number of series. Exit code 1 when the model does not beat the
baseline on both WAPE and MASE. Development used seed 42 (the ``ci`` and ``demo`` default).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()

    data = PROJECT_ROOT / "data" / "forecast_eval" / f"{args.preset}-{args.seed}"
    os.environ["RETAILWH_DATA_DIR"] = str(data)
    os.environ["RETAILWH_SOURCES_CONFIG"] = str(data / "sources" / "sources.yml")

    from ingest.run import load_all
    from retailwh import settings
    from retailwh.forecast import ForecastSettings
    from retailwh.forecast_run import run_forecast
    from simulator.crm.server import make_server
    from simulator.generate import simulate

    started = time.perf_counter()
    if not (data / "sources" / "sources.yml").is_file():
        simulate(args.preset, args.seed, data / "sources")
    server = make_server(data / "sources" / "crm" / "crm.sqlite", port=0, token="eval-token")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["RETAILWH_CRM_BASE_URL"] = f"http://127.0.0.1:{server.server_address[1]}"
    os.environ["RETAILWH_CRM_TOKEN"] = "eval-token"
    load_all()
    server.shutdown()
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [
            str(dbt),
            "build",
            "--profiles-dir",
            ".",
            "--select",
            "+int_demand_history",
            "--exclude",
            "test_type:data",
            "--target-path",
            str(data / "dbt_target"),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        check=True,
        env={**os.environ, **settings.dbt_env()},
    )
    config = ForecastSettings.from_config(settings.warehouse_settings().get("forecast"))
    run = run_forecast(settings.warehouse_path(), settings.forecast_dir(), config)
    print(
        f"\nforecast evaluation: preset {args.preset}, seed {args.seed}, "
        f"{run.series} series forecast, {run.series_backtested} backtested, "
        f"{config.holdout_windows} holdout windows of {config.horizon_days} days "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print(run.overall.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    model = run.overall.set_index("method")
    beats = (
        model.loc["model", "wape"] < model.loc["seasonal_naive", "wape"]
        and model.loc["model", "mase"] < model.loc["seasonal_naive", "mase"]
    )
    print("model beats seasonal naive on WAPE and MASE:", "yes" if beats else "NO")
    return 0 if beats else 1


if __name__ == "__main__":
    sys.exit(main())

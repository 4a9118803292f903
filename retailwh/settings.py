"""Where the warehouse keeps its files, read from the environment with documented defaults.

Every function reads the environment when called (never at import time), so tests can point the
whole product at a temporary folder with ``monkeypatch.setenv``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def data_dir() -> Path:
    """Root of all generated data (sources, landing, warehouse, serving)."""
    return Path(os.environ.get("RETAILWH_DATA_DIR", PROJECT_ROOT / "data")).resolve()


def sources_config_path() -> Path:
    """The chain's source configuration (which stores, suppliers, CRM)."""
    default = data_dir() / "sources" / "sources.yml"
    return Path(os.environ.get("RETAILWH_SOURCES_CONFIG", default)).resolve()


def landing_dir() -> Path:
    return data_dir() / "landing"


def warehouse_path() -> Path:
    """The DuckDB file that only dbt writes."""
    return data_dir() / "warehouse" / "warehouse.duckdb"


def forecast_dir() -> Path:
    """Demand forecast and its accuracy, written by the forecast asset, read by dbt."""
    return data_dir() / "forecast"


def ops_dir() -> Path:
    """Operational records beside the warehouse: pipeline runs and alerts."""
    return data_dir() / "ops"


def serving_dir() -> Path:
    """Published, audited snapshots that the dashboards read."""
    return data_dir() / "serving"


def dagster_instance_config_path() -> Path:
    """The Dagster instance settings (concurrency pools) ``make demo`` puts in ``$DAGSTER_HOME``."""
    return Path(os.environ.get("RETAILWH_DAGSTER_CONFIG", PROJECT_ROOT / "config" / "dagster.yaml"))


def settings_path() -> Path:
    return Path(os.environ.get("RETAILWH_SETTINGS", PROJECT_ROOT / "config" / "warehouse.yml"))


@cache
def _load_settings(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def warehouse_settings() -> dict[str, Any]:
    """Tolerances, schedules and retention from ``config/warehouse.yml``."""
    return _load_settings(settings_path())


def dbt_env() -> dict[str, str]:
    """Environment that dbt needs to find the landing files and the warehouse."""
    return {
        "RETAILWH_DATA_DIR": str(data_dir()),
    }


# audits.freshness.max_silent_days when config/warehouse.yml has none (dbt_project.yml's default)
DEFAULT_MAX_SILENT_DAYS = {"store": 1, "legacy_store": 2}


def freshness_max_silent_days(config: dict[str, Any] | None = None) -> dict[str, int]:
    """``audits.freshness.max_silent_days``: per source kind, the business days a store may be
    behind the chain's latest business day. The one definition: Dagster's freshness checks read
    it here, dbt's freshness audit gets the same mapping as the var ``freshness_max_silent_days``
    (dagster_project/lib/dbt_cli.py)."""
    config = warehouse_settings() if config is None else config
    section = (config.get("audits") or {}).get("freshness") or {}
    limits = section.get("max_silent_days") or DEFAULT_MAX_SILENT_DAYS
    return {kind: int(days) for kind, days in limits.items()}


def max_silent_days(kind: str, limits: dict[str, int]) -> int:
    """The limit of one source kind; a kind the mapping leaves out gets the store limit, else 1
    (as the freshness audit reads the var)."""
    return limits.get(kind, limits.get("store", 1))

"""The Dagster instance the product runs on: its config file and the warehouse pool.

DuckDB lets one process write a file at a time (a second one fails on the file lock), so every step
that opens the warehouse (both dbt assets, the forecast, the publish) holds a slot of the pool
``warehouse``, limited to 1 (config/dagster.yaml ``concurrency.pools.default_limit``). Landing
loads take no slot: store and CRM syncs never wait for the nightly build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

WAREHOUSE_POOL = "warehouse"


def prepare_dagster_home(home: Path, config: Path) -> int:
    """Put the instance config into ``home`` and set the warehouse pool's limit; returns it.

    The pool is created here, before any run: on a fresh instance, runs that start together each
    find no pool yet and could all start (seen here with 3 runs started at once).
    """
    import dagster as dg

    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(config, home / "dagster.yaml")
    settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    limit = int(settings["concurrency"]["pools"]["default_limit"])
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.event_log_storage.set_concurrency_slots(WAREHOUSE_POOL, limit)
    return limit

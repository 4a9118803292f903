"""How Dagster starts dbt: the venv's executable and the warehouse's environment."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from retailwh import settings


def dbt_executable() -> Path:
    """The ``dbt`` installed next to this interpreter (the venv may not be on PATH)."""
    return Path(sys.executable).parent / "dbt"


def dbt_environment() -> dict[str, str]:
    """Variables dbt must see: the data dir from settings, and PATH with the venv's bin first."""
    path = os.environ.get("PATH", "")
    bin_dir = str(dbt_executable().parent)
    if bin_dir not in path.split(os.pathsep):
        path = os.pathsep.join([bin_dir, path]) if path else bin_dir
    # Dagster runs the dbt models in more than one invocation when a non-dbt asset (the forecast)
    # sits between them; a test runs in the invocation that built every model it reads
    # (`buildable`), not in the first one that built any of them (dbt's default `eager`).
    return {**settings.dbt_env(), "PATH": path, "DBT_INDIRECT_SELECTION": "buildable"}


@contextmanager
def dbt_environ() -> Iterator[None]:
    """Set :func:`dbt_environment` in ``os.environ`` while dbt is started, then restore it.

    dagster-dbt passes ``os.environ`` to the dbt process and offers no other way to add variables.
    """
    wanted = dbt_environment()
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def model_folders(dbt_resource_props: Mapping[str, Any]) -> list[str]:
    """Folders between the project and the node: ``fqn = [project, *folders, name]``."""
    fqn = dbt_resource_props.get("fqn") or []
    return list(fqn[1:-1])


# config/warehouse.yml sections whose keys are dbt vars: section -> prefix of the var names
VAR_SECTIONS = {"marts": "", "customers": "", "replenishment": "", "suppliers": "supplier_"}


def dbt_vars(warehouse_settings: Mapping[str, Any]) -> dict[str, Any]:
    """dbt ``--vars`` from config/warehouse.yml (only the keys that are set there).

    ``marts``, ``customers`` and ``replenishment`` keys are vars of the same name,
    ``suppliers.<key>`` is ``supplier_<key>``. The audits' tolerances and limits:
    ``audits.<section>.<key>`` becomes the var ``<section>_<key>``
    (``audits.stock_ledger.tolerance_qty`` -> ``stock_ledger_tolerance_qty``; a mapping such as
    ``audits.freshness.max_silent_days`` stays one var), a key directly under ``audits`` becomes
    ``audits_<key>``. dbt_project.yml declares every one with its default.
    """
    variables: dict[str, Any] = {}
    for section, prefix in VAR_SECTIONS.items():
        for key, value in (warehouse_settings.get(section) or {}).items():
            if value is not None:
                variables[f"{prefix}{key}"] = value
    for section, values in (warehouse_settings.get("audits") or {}).items():
        if isinstance(values, Mapping):
            for key, value in values.items():
                if value is not None:
                    variables[f"{section}_{key}"] = value
        elif values is not None:
            variables[f"audits_{section}"] = values
    return variables


def partition_window_vars(start: date, end: date) -> dict[str, str]:
    """The dbt vars of a date window: business dates ``start`` (inclusive) to ``end``
    (exclusive), which the incremental marts replace (dbt_project/macros/partition_window.sql)."""
    if end <= start:
        raise ValueError(f"empty partition window: {start} to {end}")
    return {"partition_start_date": start.isoformat(), "partition_end_date": end.isoformat()}


def dbt_build_args(
    warehouse_settings: Mapping[str, Any], window: tuple[date, date] | None = None
) -> list[str]:
    """``dbt build`` with the warehouse settings, and the date window of a partitioned run, passed
    as vars."""
    variables = dbt_vars(warehouse_settings)
    if window is not None:
        variables.update(partition_window_vars(*window))
    return ["build", "--vars", json.dumps(variables, sort_keys=True)] if variables else ["build"]

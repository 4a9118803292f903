"""The code location as a reviewed list: every asset, check, job, schedule and sensor it defines.

A change to the graph shows up as a diff of definitions_snapshot.txt. Regenerate it with
``RETAILWH_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/dagster_project/test_definitions_snapshot.py``
and commit the new file with the change that caused it.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from dagster_project.defs.schedules import SCHEDULES
from retailwh import settings

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.txt")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from dagster_project.definitions import defs

    return defs


def describe(defs: dg.Definitions) -> str:
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitioned = " [daily]" if node.partitions_def is not None else ""
        kind = "external" if node.is_external else "asset"
        lines.append(f"{kind} {key.to_user_string()}{partitioned}")
    # dbt tests are many and follow the dbt project: only Python checks are listed by name
    checks = sorted(graph.asset_check_keys, key=lambda k: k.to_user_string())
    dbt_checks = [
        k for k in checks if not k.name.startswith(("sources_", "rows_", "stores_", "beats_"))
    ]
    lines += [f"check {k.to_user_string()}" for k in checks if k not in dbt_checks]
    lines.append(f"dbt checks {len(dbt_checks)}")
    repo = defs.get_repository_def()
    lines += [
        f"job {job.name}"
        for job in sorted(repo.get_all_jobs(), key=lambda j: j.name)
        if not job.name.startswith("__")
    ]
    lines += [
        f"schedule {s.name} -> {s.job_name}"
        for s in sorted(repo.schedule_defs, key=lambda s: s.name)
    ]
    lines += [f"sensor {s.name}" for s in sorted(repo.sensor_defs, key=lambda s: s.name)]
    return "\n".join(lines) + "\n"


def test_definitions_match_the_committed_snapshot(defs: dg.Definitions) -> None:
    text = describe(defs)
    if os.environ.get("RETAILWH_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")


def test_the_snapshot_names_the_partitioned_facts_and_checks() -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    assert "asset marts/fct_sales_lines [daily]\n" in text
    assert "asset marts/dim_stores\n" in text
    assert "check landing/legacy_store/sales:stores_fresh\n" in text
    assert "check landing/store/receipts:stores_fresh\n" in text


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_every_schedule_evaluates_to_one_run_of_its_job(defs: dg.Definitions, name: str) -> None:
    schedule = defs.resolve_schedule_def(name)
    tz = ZoneInfo(settings.warehouse_settings()["timezone"])
    # both as context managers: the schedule context enters the instance, and leaving it set
    # breaks every later dg.materialize in the session
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=datetime(2026, 10, 31, 5, 0, tzinfo=tz),
            repository_def=defs.get_repository_def(),
        ) as context,
    ):
        data = schedule.evaluate_tick(context)
    assert data.skip_message is None
    [request] = data.run_requests
    assert request.tags["dagster/schedule_name"] == name
    # the nightly build runs for the last complete day (and rebuilds what loads touched)
    expected = "2026-10-30" if name == "daily_build" else None
    assert request.partition_key == expected
    job = defs.resolve_job_def(schedule.job_name)
    assert job.asset_layer.executable_asset_keys


def test_the_code_location_loads_without_the_heavy_imports() -> None:
    """Definitions load in a fresh interpreter (what `dagster dev` and every run worker do)
    without importing statsforecast, which compiles with numba for ~4 s: the forecast imports it
    when it runs. The load time itself is measured for the README, not asserted."""
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dagster_project.definitions; print('statsforecast' in sys.modules)",
        ],
        check=True,
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "False"

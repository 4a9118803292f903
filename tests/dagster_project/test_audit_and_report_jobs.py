"""The business audits job and the report assets: what they select, when their schedules tick."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

# Dagster's own tick arithmetic (what the daemon runs), so the ticks below are the real ones.
from dagster._utils.schedules import cron_string_iterator

from dagster_project.defs.dbt.project import dbt_project
from dagster_project.defs.schedules import build_schedules
from retailwh import settings

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from dagster_project.definitions import defs

    return defs


def _ticks(schedule: dg.ScheduleDefinition, after: datetime, count: int) -> list[datetime]:
    ticks = cron_string_iterator(
        after.timestamp(), schedule.cron_schedule, schedule.execution_timezone
    )
    return [next(ticks).astimezone(BERLIN) for _ in range(count)]


def test_business_audits_select_the_audit_models_and_publish(defs: dg.Definitions) -> None:
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    audit_models = {
        ("audits", node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "audits"
    }
    assert {("audits", "audit_warehouse_integrity"), ("audits", "fct_audit_runs")} <= audit_models

    job = defs.resolve_job_def("business_audits")
    executed = {tuple(key.path) for key in job.asset_layer.executable_asset_keys}

    assert executed == audit_models | {("serving", "snapshot")}


def test_each_report_job_runs_its_report_alone(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for job_name, key in (
        ("store_reports", ["reports", "store_reports"]),
        ("weekly_management_report", ["reports", "weekly_management_report"]),
    ):
        job = defs.resolve_job_def(job_name)
        assert job.asset_layer.executable_asset_keys == {dg.AssetKey(key)}
        assert graph.get(dg.AssetKey(key)).parent_keys == {dg.AssetKey(["serving", "snapshot"])}


@pytest.mark.parametrize(
    ("name", "job", "after", "expected"),
    [
        (
            "business_audits",
            "business_audits",
            datetime(2026, 11, 24, 12, 0, tzinfo=BERLIN),
            [
                datetime(2026, 11, 24, 13, 0, tzinfo=BERLIN),
                datetime(2026, 11, 24, 17, 0, tzinfo=BERLIN),
                datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN),
            ],
        ),
        (
            "store_reports",
            "store_reports",
            datetime(2026, 11, 25, 12, 0, tzinfo=BERLIN),
            [
                datetime(2026, 11, 30, 6, 0, tzinfo=BERLIN),
                datetime(2026, 12, 7, 6, 0, tzinfo=BERLIN),
            ],
        ),
        (
            "weekly_management_report",
            "weekly_management_report",
            datetime(2026, 11, 25, 12, 0, tzinfo=BERLIN),
            [
                datetime(2026, 11, 30, 6, 30, tzinfo=BERLIN),
                datetime(2026, 12, 7, 6, 30, tzinfo=BERLIN),
            ],
        ),
    ],
)
def test_schedules_tick_from_the_config(
    defs: dg.Definitions, name: str, job: str, after: datetime, expected: list[datetime]
) -> None:
    schedule = defs.resolve_schedule_def(name)
    assert schedule.cron_schedule == settings.warehouse_settings()["schedules"][name]
    assert schedule.job_name == job
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert _ticks(schedule, after, len(expected)) == expected

    with dg.build_schedule_context(scheduled_execution_time=expected[0]) as context:
        data = schedule.evaluate_tick(context)
    # one run of the schedule's own job (job_name None means the schedule's), tagged with it
    assert [(r.job_name, r.tags) for r in data.run_requests or []] == [
        (None, {"dagster/schedule_name": name})
    ]


def test_a_changed_config_moves_the_business_audits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "warehouse.yml"
    config.write_text(
        'schedules:\n  business_audits: "15 */2 * * *"\ntimezone: UTC\n', encoding="utf-8"
    )
    monkeypatch.setenv("RETAILWH_SETTINGS", str(config))

    schedule = next(s for s in build_schedules() if s.name == "business_audits")

    assert (schedule.cron_schedule, schedule.execution_timezone) == ("15 */2 * * *", "UTC")
    utc = ZoneInfo("UTC")
    ticks = cron_string_iterator(
        datetime(2026, 11, 24, 3, 0, tzinfo=utc).timestamp(),
        schedule.cron_schedule,
        schedule.execution_timezone,
    )
    assert [next(ticks) for _ in range(2)] == [
        datetime(2026, 11, 24, 4, 15, tzinfo=utc),
        datetime(2026, 11, 24, 6, 15, tzinfo=utc),
    ]
    # the report schedules fall back to their documented defaults
    reports = next(s for s in build_schedules() if s.name == "weekly_management_report")
    assert reports.cron_schedule == "30 6 * * 1"

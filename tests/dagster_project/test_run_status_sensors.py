"""Run-status sensors write finished runs, and alerts for failed ones, to the pipeline log."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.defs.sensors.run_status import record_run_failures, record_run_successes
from retailwh.pipeline_log import recent_alerts, recent_runs


@pytest.fixture(autouse=True)
def _data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(tmp_path))


@dg.op
def breaks() -> None:
    raise ValueError("store S003 unreachable")


@dg.op
def works() -> int:
    return 1


@dg.job
def failing_job() -> None:
    breaks()


@dg.job
def passing_job() -> None:
    works()


def test_a_failed_run_is_recorded_with_an_alert_naming_the_step_and_error():
    instance = dg.DagsterInstance.ephemeral()
    result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="record_run_failures",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    record_run_failures(context)
    runs = recent_runs()
    assert [(r["run_id"], r["job_name"], r["status"]) for r in runs] == [
        (result.run_id, "failing_job", "failure")
    ]
    (alert,) = recent_alerts()
    assert alert["run_id"] == result.run_id
    assert "breaks" in alert["message"] and "store S003 unreachable" in alert["message"]


def test_a_successful_run_is_recorded_without_an_alert():
    instance = dg.DagsterInstance.ephemeral()
    result = passing_job.execute_in_process(instance=instance)
    context = dg.build_run_status_sensor_context(
        sensor_name="record_run_successes",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_success_event(),
    )
    record_run_successes(context)
    assert [r["status"] for r in recent_runs()] == ["success"]
    assert recent_alerts() == []

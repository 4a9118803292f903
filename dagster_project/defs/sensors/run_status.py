"""Record every finished run, and an alert for every failed one, in the pipeline log that the
data-health page shows (retailwh/pipeline_log.py)."""

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from retailwh.pipeline_log import RunRecord, now, record_run


def _root_message(error: SerializableErrorInfo) -> str:
    """The innermost cause: the store's or the model's own error, not Dagster's wrapper."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _error_text(context: dg.RunFailureSensorContext) -> str:
    failures = [
        (event.step_key, event.event_specific_data.error)
        for event in context.get_step_failure_events()
        if event.event_specific_data and event.event_specific_data.error
    ]
    if failures:
        return "; ".join(f"{step}: {_root_message(error)}" for step, error in failures)
    return context.failure_event.message or "run failed"


@dg.run_failure_sensor(
    name="record_run_failures",
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes each failed run and an alert with its errors to the pipeline log.",
)
def record_run_failures(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    record_run(RunRecord(run.run_id, run.job_name, "failure", now(), _error_text(context)))


@dg.run_status_sensor(
    name="record_run_successes",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes each successful run to the pipeline log.",
)
def record_run_successes(context: dg.RunStatusSensorContext) -> None:
    run = context.dagster_run
    record_run(RunRecord(run.run_id, run.job_name, "success", now()))

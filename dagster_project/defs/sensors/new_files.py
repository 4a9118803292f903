"""Start a file ingest when a new legacy export or supplier file arrives (not for a duplicate)."""

import hashlib

import dagster as dg

from dagster_project.defs.jobs import file_ingest
from ingest.config import load_sources_config
from ingest.landing import Landing
from ingest.pending import pending_files
from retailwh import settings


@dg.sensor(
    name="new_source_files",
    job=file_ingest,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A new file in a legacy store's export folder or a supplier's folder starts "
    "file_ingest; a file whose content was already loaded under another name does not.",
)
def new_source_files(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    pending = pending_files(load_sources_config(), Landing(settings.landing_dir()))
    if not pending:
        return dg.SensorResult(skip_reason="no new files")
    # one run per set of new contents: ticks that see the same files do not start it again
    run_key = hashlib.sha256("".join(sorted(p.sha256 for p in pending)).encode()).hexdigest()
    names = ", ".join(f"{p.source_id}/{p.path.name}" for p in pending[:5])
    more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
    context.log.info(f"{len(pending)} new files: {names}{more}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, tags={"new_files": str(len(pending))})]
    )

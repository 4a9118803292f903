"""Pipeline runs and alerts, recorded by Dagster's run-status sensors, read by the data-health page.

A small SQLite file (``<data>/ops/pipeline_log.sqlite``) beside the warehouse rather than a table in
it: the warehouse has one writer (dbt) and a failed run must be recordable while a build holds it.
Readers open it read-only for one query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from retailwh import settings

LOG_NAME = "pipeline_log.sqlite"
RunStatus = Literal["success", "failure"]

_SCHEMA = """
create table if not exists runs (
    run_id text primary key,
    job_name text not null,
    status text not null,
    finished_at text not null,
    message text
);
create table if not exists alerts (
    alert_id integer primary key autoincrement,
    raised_at text not null,
    job_name text not null,
    run_id text not null,
    severity text not null,
    message text not null
);
"""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    job_name: str
    status: RunStatus
    finished_at: datetime
    message: str | None = None


def log_path() -> Path:
    return settings.ops_dir() / LOG_NAME


@contextmanager
def _writer(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    try:
        con.executescript(_SCHEMA)
        with con:
            yield con
    finally:
        con.close()


def record_run(run: RunRecord, path: Path | None = None) -> None:
    """Record a finished run; a failure also raises an alert with the run's error."""
    with _writer(path or log_path()) as con:
        con.execute(
            "insert or replace into runs values (?, ?, ?, ?, ?)",
            (run.run_id, run.job_name, run.status, run.finished_at.isoformat(), run.message),
        )
        if run.status == "failure":
            con.execute(
                "insert into alerts (raised_at, job_name, run_id, severity, message)"
                " values (?, ?, ?, 'error', ?)",
                (
                    run.finished_at.isoformat(),
                    run.job_name,
                    run.run_id,
                    run.message or "run failed",
                ),
            )


def _read(sql: str, limit: int, path: Path | None) -> list[dict]:
    path = path or log_path()
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, (limit,)).fetchall()]
    finally:
        con.close()


def recent_runs(limit: int = 20, path: Path | None = None) -> list[dict]:
    return _read("select * from runs order by finished_at desc limit ?", limit, path)


def recent_alerts(limit: int = 20, path: Path | None = None) -> list[dict]:
    return _read("select * from alerts order by raised_at desc, alert_id desc limit ?", limit, path)


def now() -> datetime:
    return datetime.now(UTC)

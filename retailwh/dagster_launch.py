"""Start a Dagster job from outside Dagster, through its GraphQL API (the dashboards' "run now").

The dashboards never import the pipelines; they ask the running Dagster webserver to launch a job,
as a person would in its UI. Where that webserver listens:

| variable | default |
|---|---|
| ``RETAILWH_DAGSTER_HOST`` | ``127.0.0.1`` |
| ``RETAILWH_DAGSTER_PORT`` | ``3000`` (where ``dagster dev`` and ``make demo`` serve) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

import requests

BUSINESS_AUDITS_JOB = "business_audits"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
# A button press must answer quickly; a launch itself takes well under a second.
TIMEOUT_SECONDS = 10
LAUNCHED_BY_TAG = "retailwh/launched_by"


class JobLauncher(Protocol):
    """What :func:`launch_job` needs of ``dagster_graphql.DagsterGraphQLClient``."""

    def submit_job_execution(self, job_name: str, *, tags: dict[str, Any] | None = None) -> str: ...


@dataclass(frozen=True)
class LaunchResult:
    job_name: str
    dagster_url: str
    run_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.run_id is not None

    @property
    def run_url(self) -> str | None:
        return f"{self.dagster_url}/runs/{self.run_id}" if self.run_id else None


def dagster_host() -> str:
    return os.environ.get("RETAILWH_DAGSTER_HOST", DEFAULT_HOST)


def dagster_port() -> int:
    return int(os.environ.get("RETAILWH_DAGSTER_PORT", DEFAULT_PORT))


def dagster_url() -> str:
    return f"http://{dagster_host()}:{dagster_port()}"


def graphql_client() -> JobLauncher:
    """A client for the configured webserver (imported here: dagster is slow to import)."""
    from dagster_graphql import DagsterGraphQLClient

    return DagsterGraphQLClient(dagster_host(), port_number=dagster_port(), timeout=TIMEOUT_SECONDS)


def launch_job(
    job_name: str,
    client: JobLauncher | None = None,
    launched_by: str = "dashboards",
) -> LaunchResult:
    """Submit ``job_name``; the result holds the run id, or an error a person can act on."""
    from dagster_graphql import DagsterGraphQLClientError

    url = dagster_url()
    try:
        client = client or graphql_client()
        run_id = client.submit_job_execution(job_name, tags={LAUNCHED_BY_TAG: launched_by})
    except DagsterGraphQLClientError as exc:
        if _caused_by(exc, requests.exceptions.Timeout):
            error = f"Dagster at {url} did not answer within {TIMEOUT_SECONDS} s; try again."
        elif _caused_by(exc, requests.exceptions.ConnectionError, ConnectionError):
            error = (
                f"Dagster is not reachable at {url} (RETAILWH_DAGSTER_HOST / "
                "RETAILWH_DAGSTER_PORT). Start it (`make demo`, or `dagster dev -m "
                "dagster_project.definitions`) and try again."
            )
        else:
            detail = " ".join(str(arg) for arg in exc.args if arg) or type(exc).__name__
            error = f"Dagster at {url} did not start {job_name}: {detail}"
        return LaunchResult(job_name=job_name, dagster_url=url, error=error)
    return LaunchResult(job_name=job_name, dagster_url=url, run_id=run_id)


def _caused_by(exc: BaseException, *kinds: type[BaseException]) -> bool:
    """The client wraps transport errors (in gql's, in requests'): look down the chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False

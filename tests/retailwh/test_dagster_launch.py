"""Launching a Dagster job through its GraphQL API: the run id, or an error a person can act on."""

from __future__ import annotations

import socket

import pytest
from dagster_graphql import DagsterGraphQLClientError

from retailwh.dagster_launch import (
    BUSINESS_AUDITS_JOB,
    LAUNCHED_BY_TAG,
    dagster_url,
    launch_job,
)


class FakeClient:
    """Records what was submitted; answers with a run id or raises what it was given."""

    def __init__(self, run_id: str | None = None, error: Exception | None = None):
        self.run_id, self.error = run_id, error
        self.submitted: list[tuple[str, dict]] = []

    def submit_job_execution(self, job_name: str, *, tags: dict | None = None) -> str:
        self.submitted.append((job_name, tags or {}))
        if self.error is not None:
            raise self.error
        assert self.run_id is not None
        return self.run_id


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETAILWH_DAGSTER_HOST", raising=False)
    monkeypatch.delenv("RETAILWH_DAGSTER_PORT", raising=False)
    assert dagster_url() == "http://127.0.0.1:3000"
    monkeypatch.setenv("RETAILWH_DAGSTER_HOST", "dagster.internal")
    monkeypatch.setenv("RETAILWH_DAGSTER_PORT", "3333")
    assert dagster_url() == "http://dagster.internal:3333"


def test_a_launch_returns_the_run_id_and_its_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETAILWH_DAGSTER_PORT", "3111")
    client = FakeClient(run_id="8f3c2a")

    result = launch_job(BUSINESS_AUDITS_JOB, client=client)

    assert client.submitted == [("business_audits", {LAUNCHED_BY_TAG: "dashboards"})]
    assert result.ok and result.error is None
    assert result.run_id == "8f3c2a"
    assert result.run_url == "http://127.0.0.1:3111/runs/8f3c2a"


def test_an_error_from_dagster_is_passed_on() -> None:
    client = FakeClient(
        error=DagsterGraphQLClientError(
            "JobNotFoundError", "No jobs with the name `business_audits` exist"
        )
    )

    result = launch_job(BUSINESS_AUDITS_JOB, client=client)

    assert not result.ok and result.run_url is None
    assert result.error == (
        "Dagster at http://127.0.0.1:3000 did not start business_audits: JobNotFoundError "
        "No jobs with the name `business_audits` exist"
    )


def test_dagster_not_running_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    monkeypatch.setenv("RETAILWH_DAGSTER_PORT", str(port))

    result = launch_job(BUSINESS_AUDITS_JOB)  # the real GraphQL client

    assert not result.ok
    assert result.error is not None
    assert result.error.startswith(f"Dagster is not reachable at http://127.0.0.1:{port} ")

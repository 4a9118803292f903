"""Fixtures for the ingest tests; helpers live in ``ingest_fixtures``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.landing import Landing


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    return Landing(tmp_path / "landing")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'S001.sqlite'}"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the product at the test's folder; no CRM overrides leak in from the shell."""
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(tmp_path / "data"))
    for name in ("RETAILWH_SOURCES_CONFIG", "RETAILWH_CRM_BASE_URL", "RETAILWH_CRM_TOKEN"):
        monkeypatch.delenv(name, raising=False)

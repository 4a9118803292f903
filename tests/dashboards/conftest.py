"""Fixtures for the dashboard tests: an empty data dir, or one with the tiny warehouse published."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving_fixtures import publish_tiny_serving


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data dir that the whole product points at."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data))
    return data


@pytest.fixture
def tiny_serving(data_dir: Path) -> Path:
    """A data dir with the tiny warehouse published; returns the serving dir."""
    publish_tiny_serving(data_dir)
    return data_dir / "serving"

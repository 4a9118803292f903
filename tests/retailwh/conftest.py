"""Fixtures for the publish tests: a data dir the product points at, with a small warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from publish_fixtures import make_warehouse


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data))
    return data


@pytest.fixture
def warehouse(data_dir: Path) -> Path:
    return make_warehouse(data_dir / "warehouse" / "warehouse.duckdb")

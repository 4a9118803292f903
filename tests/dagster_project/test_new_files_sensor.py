"""The file sensor starts an ingest for a new supplier or legacy file, not for a duplicate."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.sensors.new_files import new_source_files
from ingest.config import load_sources_config
from ingest.run import load_source_kind
from retailwh import settings

PRICE_LIST = "gtin;supplier_sku;unit_cost;valid_from\n4006381333931;A-1;1.20;2026-01-01\n"


@pytest.fixture
def supplier_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "suppliers" / "SUP01"
    folder.mkdir(parents=True)
    config = tmp_path / "sources.yml"
    config.write_text(
        "chain: test\n"
        "head_office:\n"
        f'  url: "sqlite:///{tmp_path / "head_office.sqlite"}"\n'
        "suppliers:\n"
        f'  - {{supplier_id: SUP01, path: "{folder}", format: csv}}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("RETAILWH_SOURCES_CONFIG", str(config))
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(tmp_path / "data"))
    return folder


def _tick() -> dg.SensorResult:
    return new_source_files(dg.build_sensor_context())


def test_fires_on_a_new_file_and_not_again_once_it_is_loaded(supplier_folder: Path) -> None:
    assert _tick().skip_reason.skip_message == "no new files"
    (supplier_folder / "price_list_20260101.csv").write_text(PRICE_LIST, encoding="utf-8")
    first = _tick()
    assert len(first.run_requests) == 1
    # a tick that sees the same file asks for the same run (Dagster runs a run_key once)
    assert _tick().run_requests[0].run_key == first.run_requests[0].run_key

    load_source_kind("supplier", load_sources_config(), settings.landing_dir())
    assert _tick().skip_reason is not None


def test_a_duplicate_delivery_under_a_new_name_does_not_fire(supplier_folder: Path) -> None:
    original = supplier_folder / "price_list_20260101.csv"
    original.write_text(PRICE_LIST, encoding="utf-8")
    load_source_kind("supplier", load_sources_config(), settings.landing_dir())
    shutil.copy(original, supplier_folder / "price_list_20260102.csv")
    assert _tick().skip_reason is not None
    (supplier_folder / "price_list_20260103.csv").write_text(
        PRICE_LIST.replace("1.20", "1.25"), encoding="utf-8"
    )
    result = _tick()
    assert len(result.run_requests) == 1
    assert result.run_requests[0].tags["new_files"] == "1"

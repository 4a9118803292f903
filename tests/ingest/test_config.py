from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ingest.config import LegacyStore, ModernStore, load_sources_config

SOURCES_YML = """\
chain: ci
timezone: Europe/Berlin
head_office:
  url: "sqlite:///{here}/head_office.sqlite"
stores:
  - {store_id: S001, kind: modern, url: "sqlite:///{here}/stores/S001.sqlite"}
  - {store_id: S002, kind: modern, url: "postgresql+psycopg://u@db/stores", schema: s002,
     lookback_seconds: 120}
  - {store_id: S003, kind: legacy, path: "{here}/legacy/S003", encoding: gbk}
suppliers:
  - {supplier_id: SUP01, path: "{here}/suppliers/SUP01", format: csv}
crm:
  base_url: "http://127.0.0.1:8765"
  token_env: RETAILWH_CRM_TOKEN
"""


@pytest.fixture
def sources_yml(tmp_path: Path) -> Path:
    path = tmp_path / "sources" / "sources.yml"
    path.parent.mkdir()
    path.write_text(SOURCES_YML, encoding="utf-8")
    return path


def test_load_sources_config_expands_here(sources_yml):
    here = sources_yml.parent.resolve()
    config = load_sources_config(sources_yml)
    assert (config.chain, config.timezone) == ("ci", "Europe/Berlin")
    assert config.head_office.url == f"sqlite:///{here}/head_office.sqlite"
    s001, s002, s003 = config.stores
    assert isinstance(s001, ModernStore) and s001.url == f"sqlite:///{here}/stores/S001.sqlite"
    assert (s002.db_schema, s002.lookback_seconds, s001.lookback_seconds) == ("s002", 120, 600)
    assert isinstance(s003, LegacyStore)
    assert (s003.path, s003.encoding) == (here / "legacy" / "S003", "gbk")
    assert [s.store_id for s in config.modern_stores] == ["S001", "S002"]
    assert [s.store_id for s in config.legacy_stores] == ["S003"]
    assert config.suppliers[0].path == here / "suppliers" / "SUP01"
    assert (config.crm.base_url, config.crm.token_env) == (
        "http://127.0.0.1:8765",
        "RETAILWH_CRM_TOKEN",
    )


def test_default_path_and_crm_url_override_from_env(sources_yml, monkeypatch):
    monkeypatch.setenv("RETAILWH_SOURCES_CONFIG", str(sources_yml))
    monkeypatch.setenv("RETAILWH_CRM_BASE_URL", "http://127.0.0.1:40123")
    assert load_sources_config().crm.base_url == "http://127.0.0.1:40123"


def test_modern_store_needs_a_url(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(
        "chain: x\nhead_office: {url: 'sqlite://'}\nstores: [{store_id: S1, kind: modern}]\n"
    )
    with pytest.raises(ValidationError):
        load_sources_config(path)

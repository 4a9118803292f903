"""A failed source is tried again alone, with exponential backoff; the others land once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dagster_project.lib.source_retries import RetrySettings, load_with_retries, sources_subset
from ingest.config import SourcesConfig


@dataclass
class Result:
    source_id: str
    error: str | None = None


def _config() -> SourcesConfig:
    return SourcesConfig.model_validate(
        {
            "chain": "t",
            "head_office": {"url": "sqlite:///ho.sqlite"},
            "stores": [
                {"store_id": "S001", "kind": "modern", "url": "sqlite:///s1.sqlite"},
                {"store_id": "S002", "kind": "modern", "url": "sqlite:///s2.sqlite"},
                {"store_id": "S003", "kind": "legacy", "path": "/tmp/S003"},
            ],
        }
    )


def test_settings_default_and_double_the_delay() -> None:
    retry = RetrySettings.from_config({"source_retries": 3, "retry_backoff_seconds": 0.5})
    assert [retry.delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert RetrySettings.from_config(None) == RetrySettings(retries=2, backoff_seconds=2.0)
    with pytest.raises(ValueError):
        RetrySettings.from_config({"source_retries": -1})


def test_subset_keeps_only_the_failed_stores() -> None:
    subset = sources_subset(_config(), "store", ["S002"])
    assert [s.store_id for s in subset.stores] == ["S002"]
    assert sources_subset(_config(), "crm", ["crm"]) == _config()


def test_a_store_that_recovers_is_kept_and_the_others_load_once() -> None:
    calls: list[list[str]] = []
    waits: list[float] = []

    def load(config: SourcesConfig) -> list[Result]:
        ids = [s.store_id for s in config.modern_stores]
        calls.append(ids)
        fails = len(calls) < 3  # S002 fails twice, then answers
        return [Result(i, "connection refused" if i == "S002" and fails else None) for i in ids]

    results, retries = load_with_retries(
        load, _config(), "store", RetrySettings(3, 1.5), sleep=waits.append
    )
    assert calls == [["S001", "S002"], ["S002"], ["S002"]]
    assert waits == [1.5, 3.0]
    assert retries == 2
    assert sorted((r.source_id, r.error) for r in results) == [("S001", None), ("S002", None)]


def test_a_store_that_stays_down_reports_its_last_error() -> None:
    waits: list[float] = []

    def load(config: SourcesConfig) -> list[Result]:
        return [
            Result(s.store_id, "file is not a database" if s.store_id == "S002" else None)
            for s in config.modern_stores
        ]

    results, retries = load_with_retries(
        load, _config(), "store", RetrySettings(2, 1.0), sleep=waits.append
    )
    assert retries == 2 and waits == [1.0, 2.0]
    assert [(r.source_id, r.error) for r in results] == [
        ("S001", None),
        ("S002", "file is not a database"),
    ]

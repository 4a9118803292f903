"""Retry the sources of a kind that failed, with backoff, keeping what the others landed.

A store that drops its connection mid-load is read again from its last committed cursor (ingest
commits each batch with the cursor it advances), so a retry never lands a row twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagster_project.lib.landing import LoadResultLike
from ingest.config import SourcesConfig

DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_SECONDS = 2.0


@dataclass(frozen=True)
class RetrySettings:
    """``ingest.source_retries`` and ``ingest.retry_backoff_seconds`` of config/warehouse.yml: a
    failed source is tried again up to ``retries`` times, after backoff, 2x backoff, 4x ..."""

    retries: int = DEFAULT_RETRIES
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> RetrySettings:
        section = section or {}
        retries = int(section.get("source_retries", DEFAULT_RETRIES))
        backoff = float(section.get("retry_backoff_seconds", DEFAULT_BACKOFF_SECONDS))
        if retries < 0 or backoff < 0:
            raise ValueError("ingest.source_retries and retry_backoff_seconds must be >= 0")
        return cls(retries=retries, backoff_seconds=backoff)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        return self.backoff_seconds * 2 ** (attempt - 1)


def sources_subset(config: SourcesConfig, kind: str, source_ids: Collection[str]) -> SourcesConfig:
    """The configuration with only the named sources of ``kind`` (head office and CRM are one
    source each, so their configuration stays as it is)."""
    if kind in ("store", "legacy_store"):
        return config.model_copy(
            update={"stores": [s for s in config.stores if s.store_id in source_ids]}
        )
    if kind == "supplier":
        return config.model_copy(
            update={"suppliers": [s for s in config.suppliers if s.supplier_id in source_ids]}
        )
    return config


def load_with_retries(
    load: Callable[[SourcesConfig], Sequence[LoadResultLike]],
    config: SourcesConfig,
    kind: str,
    retry: RetrySettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, float, list[str]], None] | None = None,
) -> tuple[list[LoadResultLike], int]:
    """Run ``load`` (one kind's load over a configuration), then again for the sources whose
    results carry an error, up to ``retry.retries`` times with backoff.

    Returns every result that landed something or succeeded, plus the errors of the last attempt
    of each source that never succeeded, and the number of retries made.
    """
    kept: list[LoadResultLike] = []
    attempt_config = config
    retries = 0
    while True:
        results = list(load(attempt_config))
        failed = sorted({r.source_id for r in results if r.error})
        kept += [r for r in results if not r.error]
        if not failed or retries >= retry.retries:
            kept += [r for r in results if r.error]
            return kept, retries
        retries += 1
        delay = retry.delay(retries)
        if on_retry is not None:
            on_retry(retries, delay, failed)
        sleep(delay)
        attempt_config = sources_subset(config, kind, failed)

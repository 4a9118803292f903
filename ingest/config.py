"""The chain's source configuration (``sources.yml``, docs/source_contracts.md) as pydantic models.

``{here}`` in any string value is replaced by the folder that holds the file. The environment
variable ``RETAILWH_CRM_BASE_URL``, when set, overrides ``crm.base_url`` (tests and the demo serve
the CRM on a port chosen at run time).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from retailwh import settings

CRM_BASE_URL_ENV = "RETAILWH_CRM_BASE_URL"


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class SqlSource(_Model):
    """Settings shared by the relational sources (head office, modern stores)."""

    url: str
    # PostgreSQL schema / MariaDB database that holds the tables, when not the connection default.
    db_schema: str | None = Field(default=None, alias="schema")
    # Re-read rows whose updated_at is at most this much older than the high-water mark, to catch
    # rows committed late with an older timestamp. Rows already landed are dropped, so a longer
    # lookback costs reading time, never duplicates.
    lookback_seconds: float = Field(default=600.0, ge=0)
    # rows fetched per read, and rows per committed batch (each batch commits with its cursor, so
    # a killed load of a large table resumes after the last committed batch)
    chunk_rows: int = Field(default=50_000, gt=0)
    batch_rows: int = Field(default=500_000, gt=0)
    # key reconciliation (deletes) every this many loads that landed rows; 0 = only on demand
    reconcile_every: int = Field(default=24, ge=0)


class HeadOffice(SqlSource):
    pass


class ModernStore(SqlSource):
    store_id: str
    kind: Literal["modern"]


class LegacyStore(_Model):
    store_id: str
    kind: Literal["legacy"]
    path: Path
    encoding: str = "gbk"


Store = Annotated[ModernStore | LegacyStore, Field(discriminator="kind")]


class Supplier(_Model):
    supplier_id: str
    path: Path
    format: Literal["csv", "jsonl", "xlsx", "edifact"] = "csv"
    encoding: str = "utf-8"


class Crm(_Model):
    base_url: str
    token_env: str = "RETAILWH_CRM_TOKEN"
    page_size: int = Field(default=100, gt=0, le=200)
    # pages committed together as one batch (and one cursor step)
    pages_per_batch: int = Field(default=20, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=6, gt=0)
    objects: tuple[str, ...] = ("contacts", "feedback", "campaigns", "campaign_responses")
    # requests per second the client allows itself (the CRM's published limit); None: no pacing
    rate_limit_per_s: float | None = Field(default=None, gt=0)


class SourcesConfig(_Model):
    chain: str
    timezone: str = "UTC"
    head_office: HeadOffice
    stores: list[Store] = Field(default_factory=list)
    suppliers: list[Supplier] = Field(default_factory=list)
    crm: Crm | None = None
    # sources of one kind loaded in parallel (threads; each source and object is its own scope)
    load_workers: int = Field(default_factory=lambda: min(os.cpu_count() or 1, 4), gt=0)

    @property
    def modern_stores(self) -> list[ModernStore]:
        return [s for s in self.stores if isinstance(s, ModernStore)]

    @property
    def legacy_stores(self) -> list[LegacyStore]:
        return [s for s in self.stores if isinstance(s, LegacyStore)]


def _expand_here(value: Any, here: str) -> Any:
    if isinstance(value, str):
        return value.replace("{here}", here)
    if isinstance(value, list):
        return [_expand_here(v, here) for v in value]
    if isinstance(value, dict):
        return {k: _expand_here(v, here) for k, v in value.items()}
    return value


def load_sources_config(path: Path | None = None) -> SourcesConfig:
    """Read ``sources.yml`` (default: ``retailwh.settings.sources_config_path()``)."""
    path = Path(path) if path is not None else settings.sources_config_path()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = _expand_here(raw, str(path.resolve().parent))
    base_url = os.environ.get(CRM_BASE_URL_ENV)
    if base_url and raw.get("crm") is not None:
        raw["crm"] = {**raw["crm"], "base_url": base_url}
    return SourcesConfig.model_validate(raw)

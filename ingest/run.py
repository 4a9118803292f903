"""Entry points: load one kind of source, or everything, from the source configuration.

A failing store, file or supplier is reported in its own LoadResult (``error``) and does not stop
the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, get_args

from sqlalchemy.engine import make_url

from ingest.config import ModernStore, SourcesConfig, load_sources_config
from ingest.contracts import HEAD_OFFICE_TABLES, STORE_TABLES
from ingest.landing import Landing
from ingest.result import LoadResult
from ingest.sources.crm import load_crm
from ingest.sources.legacy_files import load_legacy_store
from ingest.sources.sql_tables import load_sql_source
from ingest.sources.supplier_files import load_supplier
from retailwh import settings

__all__ = ["LoadResult", "SourceKind", "SOURCE_KINDS", "load_all", "load_source_kind"]

log = logging.getLogger(__name__)

SourceKind = Literal["head_office", "store", "legacy_store", "supplier", "crm"]
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)


def load_source_kind(
    kind: SourceKind, config: SourcesConfig, landing: Path, *, reconcile: bool = False
) -> list[LoadResult]:
    """Land what is new in every configured source of one kind (the kind is the landing source).

    ``reconcile``: run the key reconciliation (deletes) of every relational table now, whatever
    its ``reconcile_every``."""
    store = Landing(landing)
    results: list[LoadResult] = []
    if kind == "head_office":
        ho = config.head_office
        results += load_sql_source(
            source="head_office",
            source_id="head_office",
            url=ho.url,
            tables=HEAD_OFFICE_TABLES,
            landing=store,
            db_schema=ho.db_schema,
            lookback_seconds=ho.lookback_seconds,
            chunk_rows=ho.chunk_rows,
            batch_rows=ho.batch_rows,
            reconcile_every=ho.reconcile_every,
            reconcile=reconcile,
        )
    elif kind == "store":
        stores = config.modern_stores
        tasks = _store_tasks(stores)
        done = _parallel(
            config.load_workers,
            [
                lambda s=stores[s], t=t: load_sql_source(
                    source="store",
                    source_id=s.store_id,
                    url=s.url,
                    tables=[STORE_TABLES[i] for i in t],
                    landing=store,
                    db_schema=s.db_schema,
                    lookback_seconds=s.lookback_seconds,
                    chunk_rows=s.chunk_rows,
                    batch_rows=s.batch_rows,
                    reconcile_every=s.reconcile_every,
                    reconcile=reconcile,
                )
                for s, t in tasks
            ],
            flatten=False,
        )
        by_task = dict(zip(tasks, done, strict=True))
        results += [r for task in sorted(by_task) for r in by_task[task]]
    elif kind == "legacy_store":
        results += _parallel(
            config.load_workers,
            [lambda s=s: load_legacy_store(s, store) for s in config.legacy_stores],
        )
    elif kind == "supplier":
        results += _parallel(
            config.load_workers,
            [lambda s=s: load_supplier(s, store) for s in config.suppliers],
        )
    elif kind == "crm":
        if config.crm is not None:
            results += load_crm(config.crm, store)
    else:
        raise ValueError(f"unknown source kind {kind!r}; expected one of {SOURCE_KINDS}")
    for r in results:
        log.info(
            "%s/%s/%s: %d rows, %d quarantined, %d files skipped%s",
            r.source,
            r.object,
            r.source_id,
            r.rows_loaded,
            r.rows_quarantined,
            r.files_skipped,
            f", ERROR {r.error}" if r.error else "",
        )
    return results


# the store tables with the most rows per store, largest first
_LARGEST_STORE_TABLES = ("stock_movements", "receipt_lines", "receipts")


def _store_tasks(stores: list[ModernStore]) -> list[tuple[int, tuple[int, ...]]]:
    """(store index, table indices) per load task. A SQLite store (a local file) is one task per
    table, the largest tables of every store first: one task per store left the last store's
    tables running alone at the end, a core idle. A database server is one task (an
    unreachable server then fails once, not once per table)."""
    rank = {name: i for i, name in enumerate(_LARGEST_STORE_TABLES)}
    order = sorted(
        range(len(STORE_TABLES)), key=lambda i: rank.get(STORE_TABLES[i].name, len(rank))
    )
    local = [i for i, s in enumerate(stores) if _is_sqlite(s.url)]
    servers = [(i, tuple(range(len(STORE_TABLES)))) for i in range(len(stores)) if i not in local]
    return servers + [(i, (t,)) for t in order for i in local]


def _is_sqlite(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "sqlite"
    except Exception:  # a malformed URL: load_sql_source reports it, once
        return False


def _parallel(
    workers: int, loads: list[Callable[[], list[LoadResult]]], flatten: bool = True
) -> list[Any]:
    """Run the loads on ``workers`` threads (Arrow, SQLite and file reads release the GIL);
    results in the loads' order (``flatten=False``: one list per load)."""
    if workers <= 1 or len(loads) <= 1:
        done = [load() for load in loads]
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="ingest") as pool:
            done = list(pool.map(lambda load: load(), loads))
    return [r for rs in done for r in rs] if flatten else done


def load_all(config_path: Path | None = None, landing: Path | None = None) -> list[LoadResult]:
    """Load every source kind in turn (config and landing default to ``retailwh.settings``)."""
    config = load_sources_config(config_path)
    landing = Path(landing) if landing is not None else settings.landing_dir()
    results: list[LoadResult] = []
    for kind in SOURCE_KINDS:
        results += load_source_kind(kind, config, landing)
    return results

"""The one writer for modern store databases: any SQLAlchemy URL, tables from ``schema``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from simulator.sqlio import fill_sqlite, in_schema, recreate_and_fill
from simulator.stores.frames import store_index, store_tables
from simulator.stores.schema import TABLES, metadata


def sqlite_file(url: str) -> Path | None:
    """The file behind a ``sqlite:///...`` URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def write_store(url: str, frames: Mapping[str, Any], schema: str | None = None) -> dict[str, int]:
    """Drop, recreate and fill one store's five tables at ``url`` (optionally in ``schema``);
    ``frames``: pandas or Arrow tables, or functions building them (one at a time)."""
    path = sqlite_file(url)
    if path is not None and schema is None:
        counts = fill_sqlite(path, metadata, frames)
    else:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                counts = recreate_and_fill(conn, metadata, dict(frames), schema=schema)
        finally:
            engine.dispose()
    return {t.name: counts[t.name] for t in TABLES}


def drop_store(url: str, schema: str | None = None) -> None:
    """Drop the five store tables at ``url`` (optionally in ``schema``)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            in_schema(metadata, schema).drop_all(conn)
    finally:
        engine.dispose()


def write_store_to_url(
    preset: str, seed: int, store_id: str, url: str, schema: str | None = None
) -> dict[str, int]:
    """Simulate ``preset``/``seed`` and write modern store ``store_id`` to ``url``; row counts."""
    from simulator.prepared import cached_chain

    prepared = cached_chain(preset, seed)
    chain = prepared.chain
    kinds = dict(zip(chain.store_ids, chain.catalog.stores["kind"], strict=True))
    if kinds.get(store_id) != "modern":
        raise ValueError(f"{store_id!r} is not a modern store of preset {preset!r}: {kinds}")
    rec = prepared.record(store_index(chain, store_id))
    return write_store(url, store_tables(chain, rec), schema=schema)

"""Read-only access to the current serving snapshot (never the warehouse dbt writes).

Each query opens a short read-only connection to the snapshot file and closes it. Results are
cached per snapshot version, so a new publish shows up on the next rerun without a restart, and
old versions age out of the cache.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from retailwh.publish import BlockedStatus, blocked_status
from retailwh.serving import Snapshot, current_snapshot

CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 256


def snapshot() -> Snapshot | None:
    """The snapshot ``serving/current.json`` points at now (a small file read per rerun)."""
    return current_snapshot()


def publish_blocked() -> BlockedStatus | None:
    """Why and since when publishing is blocked (None: the last publish went through).

    Read per rerun like ``current.json``: a small file, and it must never be stale.
    """
    return blocked_status()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _query(version: str, path: str, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    # `version` is not used in the body: it is part of the cache key.
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()


def run_query(snap: Snapshot, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run ``sql`` with bound ``$name`` parameters against ``snap``."""
    return _query(snap.version, str(snap.path), sql, params or {})

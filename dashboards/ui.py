"""Small layout helpers the pages share: the common filters or a stop, formatting, empty states."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboards import sidebar
from dashboards.data import filters
from retailwh.serving import Snapshot

NO_DATA = "No data for this filter."


def require_tables(snap: Snapshot, tables: tuple[str, ...]) -> None:
    """Stop the page with a message when the snapshot predates a mart it needs."""
    missing = filters.missing_tables(snap, tables)
    if missing:
        st.info(
            "This snapshot has no " + ", ".join(f"`{t}`" for t in missing) + " yet; the page "
            "shows once a build that has them is published."
        )
        st.stop()


def require_filters() -> filters.Filters:
    """The sidebar's filters, or stop the page when the snapshot has no sales to filter."""
    flt = sidebar.current()
    if flt is None:
        st.info("The current snapshot holds no sales yet.")
        st.stop()
    return flt


def scope_caption(flt: filters.Filters) -> None:
    parts = [f"{flt.start:%Y-%m-%d} to {flt.end:%Y-%m-%d}"]
    parts += [v for v in (flt.region, flt.store_id, flt.category) if v is not None]
    st.caption(" · ".join(parts))


def money(value: object) -> str:
    return "–" if _missing(value) else f"{float(value):,.2f}"


def count(value: object) -> str:
    return "–" if _missing(value) else f"{int(value):,}"


def percent(value: object, decimals: int = 1) -> str:
    return "–" if _missing(value) else f"{100 * float(value):.{decimals}f} %"


def empty(frame: pd.DataFrame, message: str = NO_DATA) -> bool:
    """Show ``message`` and return True when there is nothing to draw."""
    if frame.empty:
        st.info(message)
        return True
    return False


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def viewer() -> str:
    """Who is looking, for the export log: the signed-in user, else the proxy's user header."""
    user = st.user.get("email") or st.user.get("name")
    if user:
        return str(user)
    return st.context.headers.get("X-Forwarded-User") or "anonymous"

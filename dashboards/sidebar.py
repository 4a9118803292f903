"""The common filters in the sidebar, kept in the URL so a filtered view can be shared.

The URL is read once per session (a shared link opens with its filters); from then on the widgets
are the truth and the URL follows them. Widget values persist across page switches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from dashboards.data import filters, queries
from retailwh.serving import Snapshot

ALL = "All"
STATE_KEY = "common_filters"
KEY_DATES = "filter_dates"
KEY_REGION = "filter_region"
KEY_STORE = "filter_store"
KEY_CATEGORY = "filter_category"


def current() -> filters.Filters | None:
    """The filters the router set for this run; None when the snapshot has no sales."""
    return st.session_state.get(STATE_KEY)


def _choice(key: str, value: str | None) -> None:
    if key not in st.session_state:
        st.session_state[key] = value if value is not None else ALL


def _options(known: list[str], key: str) -> list[str]:
    # A value from a shared link that this snapshot does not know stays selectable (and selected),
    # so the pages say "no data for this filter" instead of silently showing everything.
    selected = st.session_state.get(key)
    extra = [selected] if selected not in (None, ALL, *known) else []
    return [ALL, *known, *extra]


def _label(known: dict[str, str]) -> Callable[[str], str]:
    def fmt(value: str) -> str:
        if value == ALL:
            return ALL
        return known.get(value, f"{value} (unknown)")

    return fmt


def common_filters(snap: Snapshot) -> filters.Filters | None:
    """Render the filters, sync them with the URL and remember them for the page."""
    st.session_state[STATE_KEY] = None
    if filters.missing_tables(snap, ("rpt_daily_store_sales", "dim_stores", "dim_products")):
        return None
    bounds = filters.date_bounds(snap)
    if bounds is None:
        return None
    from_url, problems = filters.from_query_params(st.query_params.to_dict(), bounds)

    _choice(KEY_REGION, from_url.region)
    _choice(KEY_STORE, from_url.store_id)
    _choice(KEY_CATEGORY, from_url.category)

    stores = queries.stores(snap)
    store_names = dict(zip(stores["store_id"], stores["store_name"], strict=True))
    store_labels = {sid: f"{name} ({sid})" for sid, name in store_names.items()}
    regions = filters.regions(snap)
    categories = queries.categories(snap)

    with st.sidebar:
        st.subheader("Filters")
        for problem in problems:
            st.warning(f"Ignored: {problem}.")
        # the value only seeds the widget (from the link); afterwards the widget keeps its own
        picked = st.date_input(
            "Business dates",
            value=(from_url.start, from_url.end),
            min_value=bounds.first,
            max_value=bounds.last,
            key=KEY_DATES,
            persist_state="session",
        )
        region = st.selectbox(
            "Region",
            _options(regions, KEY_REGION),
            format_func=_label({r: r for r in regions}),
            key=KEY_REGION,
            persist_state="session",
        )
        store_id = st.selectbox(
            "Store",
            _options(list(store_names), KEY_STORE),
            format_func=_label(store_labels),
            key=KEY_STORE,
            persist_state="session",
        )
        category = st.selectbox(
            "Category",
            _options(categories, KEY_CATEGORY),
            format_func=_label({c: c for c in categories}),
            key=KEY_CATEGORY,
            persist_state="session",
        )

    start, end = _date_range(picked, bounds)
    chosen = filters.Filters(
        start=start,
        end=end,
        region=None if region == ALL else region,
        store_id=None if store_id == ALL else store_id,
        category=None if category == ALL else category,
    )
    st.query_params.from_dict(chosen.to_query_params(bounds.default_range()))
    st.session_state[STATE_KEY] = chosen
    return chosen


def _date_range(picked: object, bounds: filters.DateBounds) -> tuple[date, date]:
    # While a range is being picked the widget returns one date; use it as a one-day range.
    days = [d for d in picked if isinstance(d, date)] if isinstance(picked, tuple) else []
    if not days:
        return bounds.default_range()
    return days[0], days[-1]

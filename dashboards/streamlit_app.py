"""The dashboards' router: ``streamlit run dashboards/streamlit_app.py``.

Pages read the current serving snapshot only (retailwh.serving), never the warehouse dbt writes.
The sidebar holds the common filters of the pages that use them (see dashboards/sidebar.py).
"""

from __future__ import annotations

import streamlit as st

from dashboards import sidebar
from dashboards.data.serving import publish_blocked, snapshot
from dashboards.data.status import blocked_message

st.set_page_config(page_title="Retail warehouse", page_icon=":material/store:")

# Pages that read the common filters (date range, region, store, category) from the sidebar.
FILTERED_PAGES = [
    st.Page(
        "app_pages/overview.py",
        title="Executive overview",
        icon=":material/dashboard:",
        default=True,
    ),
    st.Page("app_pages/sales.py", title="Sales", icon=":material/point_of_sale:"),
    st.Page("app_pages/customers.py", title="Customers and segments", icon=":material/group:"),
    st.Page("app_pages/suppliers.py", title="Suppliers", icon=":material/local_shipping:"),
    st.Page("app_pages/replenishment.py", title="Replenishment", icon=":material/autorenew:"),
]
page = st.navigation(
    [
        *FILTERED_PAGES,
        st.Page("app_pages/stock.py", title="Stock across stores", icon=":material/inventory_2:"),
        st.Page("app_pages/audits.py", title="Audits", icon=":material/fact_check:"),
        st.Page("app_pages/data_health.py", title="Data health", icon=":material/monitor_heart:"),
    ]
)

snap = snapshot()
with st.sidebar:
    if snap is None:
        st.caption("No snapshot published yet")
    else:
        st.caption(f"Snapshot `{snap.version}`")
        st.caption(f"Published {snap.published_at:%Y-%m-%d %H:%M} UTC")

if snap is None:
    st.title(page.title)
    blocked = publish_blocked()
    if blocked is not None:
        # the first publish was refused: say why, not only that nothing is there
        st.error(blocked_message(blocked, None), icon=":material/block:")
    st.info(
        "No warehouse snapshot has been published yet. Run the `full_build` job in Dagster "
        "(or wait for the daily build); the dashboards show data once a build passes its checks."
    )
    st.stop()

if page.url_path in {p.url_path for p in FILTERED_PAGES}:
    sidebar.common_filters(snap)

page.run()

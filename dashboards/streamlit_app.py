"""The dashboards' router: ``streamlit run dashboards/streamlit_app.py``.

Pages read the current serving snapshot only (retailwh.serving), never the warehouse dbt writes.
"""

from __future__ import annotations

import streamlit as st

from dashboards.data.serving import publish_blocked, snapshot
from dashboards.data.status import blocked_message

st.set_page_config(page_title="Retail warehouse", page_icon=":material/store:")

page = st.navigation(
    [
        st.Page(
            "app_pages/stock.py",
            title="Stock across stores",
            icon=":material/inventory_2:",
            default=True,
        ),
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

page.run()

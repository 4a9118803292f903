"""Data health: what ingestion refused and why (quarantine), so nothing bad disappears unseen."""

from __future__ import annotations

import streamlit as st

from dashboards import charts
from dashboards.data import pipeline, queries
from dashboards.data.serving import publish_blocked, snapshot
from dashboards.data.status import blocked_message

snap = snapshot()
st.title("Data health")

st.subheader("Publishing")
blocked = publish_blocked()
if blocked is None:
    st.success(
        f"The last publish went through: these pages show snapshot `{snap.version}`, "
        f"published {snap.published_at:%Y-%m-%d %H:%M} UTC.",
        icon=":material/verified:",
    )
else:
    st.error(blocked_message(blocked, snap), icon=":material/block:")

st.subheader("Pipeline runs and alerts")
runs = pipeline.recent_runs()
alerts = pipeline.recent_alerts()
if runs.empty:
    st.info("No pipeline run has been recorded yet (Dagster's run-status sensors write them).")
else:
    failed = runs[runs["status"] == "failure"]
    last = runs.iloc[0]
    run_col, fail_col = st.columns(2)
    run_col.metric("Last run", f"{last['job_name']}: {last['status']}", str(last["finished_at"]))
    fail_col.metric("Failed runs (last 20)", len(failed))
    st.dataframe(runs, hide_index=True, width="stretch")
if not alerts.empty:
    st.caption("Alerts: each failed run with the step and error that stopped it.")
    st.dataframe(alerts, hide_index=True, width="stretch")

st.subheader("Quarantine")
summary = queries.quarantine_summary(snap)
rows_col, files_col = st.columns(2)
rows_col.metric("Rows quarantined", f"{int(summary['rows_quarantined'].sum()):,}")
files_col.metric("Files refused whole", f"{int(summary['files_quarantined_whole'].sum()):,}")
if summary.empty:
    st.success("Ingestion has refused nothing: every row met its source contract.")
    st.stop()

st.plotly_chart(charts.quarantine_by_source(summary), width="stretch")
st.dataframe(summary, hide_index=True, width="stretch")

kinds = st.multiselect(
    "Source",
    options=sorted(summary["source_kind"].unique().tolist()),
    placeholder="All sources",
    key="quarantine_sources",
)
st.caption("Latest quarantined rows, as read (personal data masked).")
st.dataframe(queries.quarantined_rows(snap, kinds), hide_index=True, width="stretch")

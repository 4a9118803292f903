"""Audits: what each audit's latest run found, where, and in which document; run them now."""

from __future__ import annotations

import streamlit as st

from dashboards import charts
from dashboards.data import queries
from dashboards.data.serving import publish_blocked, snapshot
from dashboards.data.status import blocked_message
from retailwh.dagster_launch import BUSINESS_AUDITS_JOB, launch_job

snap = snapshot()
st.title("Audits")

blocked = publish_blocked()
if blocked is not None:
    st.error(blocked_message(blocked, snap), icon=":material/block:")

if st.button(
    "Run the audits now",
    key="run_audits",
    icon=":material/play_arrow:",
    help="Starts the business_audits job in Dagster; its results show here once it has published.",
):
    # kept for the session: the answer stays on screen while the user filters the findings
    st.session_state["audit_launch"] = launch_job(BUSINESS_AUDITS_JOB)
launched = st.session_state.get("audit_launch")
if launched is not None:
    if launched.ok:
        st.success(
            f"Started run `{launched.run_id}` of {launched.job_name}: [follow it in Dagster]"
            f"({launched.run_url}). The results show here once the run has published."
        )
    else:
        st.error(launched.error or "The audits could not be started.")

runs = queries.latest_audit_runs(snap)
if runs.empty:
    st.info("No audit has run yet in this snapshot.")
    st.stop()

all_findings = queries.latest_findings(snap, [], [])
count_col, audits_col = st.columns(2)
count_col.metric("Findings in latest runs", f"{len(all_findings):,}")
audits_col.metric("Audits run", f"{len(runs):,}")
st.caption(f"Latest run: {runs['run_at'].max():%Y-%m-%d %H:%M} UTC")

st.plotly_chart(charts.findings_per_audit(runs), width="stretch")

st.subheader("Findings")
store_col, severity_col = st.columns(2)
store_ids = store_col.multiselect(
    "Store",
    options=sorted(all_findings["store_id"].dropna().unique().tolist()),
    placeholder="All stores",
    key="audit_stores",
)
severities = severity_col.multiselect(
    "Severity",
    options=sorted(all_findings["severity"].dropna().unique().tolist()),
    placeholder="All severities",
    key="audit_severities",
)
findings = queries.latest_findings(snap, store_ids, severities)
st.metric("Findings shown", f"{len(findings):,}")
if findings.empty:
    st.success("No findings for this selection.")
else:
    st.dataframe(
        findings,
        hide_index=True,
        width="stretch",
        column_order=[
            "severity",
            "audit",
            "store_id",
            "message",
            "document_type",
            "document_id",
            "gtin",
            "expected",
            "actual",
            "difference",
            "amount_cost",
        ],
        column_config={
            "severity": "Severity",
            "audit": "Audit",
            "store_id": "Store",
            "message": st.column_config.TextColumn("Message", width="large"),
            "document_type": "Document type",
            "document_id": "Document",
            "gtin": "GTIN",
            "expected": st.column_config.NumberColumn("Expected", format="%.3f"),
            "actual": st.column_config.NumberColumn("Actual", format="%.3f"),
            "difference": st.column_config.NumberColumn("Difference", format="%.3f"),
            "amount_cost": st.column_config.NumberColumn("Amount at cost", format="%.2f"),
        },
    )

with st.expander("History"):
    st.plotly_chart(charts.findings_history(queries.audit_history(snap)), width="stretch")

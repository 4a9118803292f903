"""Customers and segments: RFM segments, cohorts and retention, lifetime value, category affinity,
NPS per store, and a segment's contact list with only the customers who agreed to marketing."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dashboards import charts, ui
from dashboards.data import customers, exports
from dashboards.data.serving import snapshot

snap = snapshot()
st.title("Customers and segments")
ui.require_tables(snap, customers.TABLES)
flt = ui.require_filters()
ui.scope_caption(flt)
st.caption(
    "Customers by home store; the category filter picks them by their top category. Segments and "
    "lifetime value are as of the latest sales; the dates apply to cohorts and feedback."
)

summary = customers.segment_summary(snap, flt)
total_col, consent_col, clv_col = st.columns(3)
total_col.metric("Customers with purchases", ui.count(summary["customers"].sum()))
consent_col.metric("Agreed to marketing", ui.count(summary["consenting_customers"].sum()))
clv_col.metric("Lifetime net sales", ui.money(summary["clv_net"].sum()))

st.subheader("RFM segments")
if not ui.empty(summary):
    st.plotly_chart(
        charts.ranked_bar(summary, "customers", "rfm_segment", "Customers"), width="stretch"
    )
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        column_config={
            "rfm_segment": "Segment",
            "customers": "Customers",
            "consenting_customers": "Agreed to marketing",
            "avg_clv_net": st.column_config.NumberColumn("Mean lifetime value", format="%.2f"),
            "clv_net": st.column_config.NumberColumn("Lifetime net sales", format="%.2f"),
            "avg_purchase_receipts": st.column_config.NumberColumn("Mean purchases", format="%.1f"),
        },
    )

st.subheader("Export a segment for a campaign")
segment_options = customers.segments(snap)
if not segment_options:
    st.info("No customer has an RFM segment yet.")
else:
    segment = st.selectbox("Segment", segment_options, key="export_segment")
    contacts = exports.marketing_contacts(snap, segment, flt)
    in_segment = summary.loc[summary["rfm_segment"] == segment, "customers"].sum()
    st.caption(
        f"{len(contacts):,} of {int(in_segment):,} customers in this segment may be contacted: "
        "only those who agree to marketing now (the CRM's consent, never unsubscribed)."
    )
    st.download_button(
        f"Download {len(contacts):,} contacts (CSV)",
        data=partial(
            exports.logged_csv,
            contacts,
            ui.viewer(),
            "segment_contacts",
            flt,
            snap.version,
            segment=segment,
        ),
        file_name=f"segment_{segment.lower().replace(' ', '_')}_{snap.version[:8]}.csv",
        mime="text/csv",
        on_click="ignore",
        disabled=contacts.empty,
        key="export_button",
        icon=":material/download:",
    )
    with st.expander("Export log"):
        st.dataframe(exports.export_log(), hide_index=True, width="stretch")

st.subheader("Cohorts and retention")
cohorts = customers.cohort_retention(snap, flt)
if not ui.empty(cohorts, "No cohort started in this period."):
    st.caption("All stores: share of each month's new buyers who bought again in later months.")
    st.plotly_chart(charts.cohort_heatmap(cohorts), width="stretch")

st.subheader("Lifetime value")
top = customers.top_customers_by_clv(snap, flt)
if not ui.empty(top):
    st.dataframe(
        top,
        hide_index=True,
        width="stretch",
        column_config={
            "customer_id": "Customer",
            "tier": "Tier",
            "home_store_id": "Home store",
            "rfm_segment": "Segment",
            "top_category": "Top category",
            "purchase_receipts": "Purchases",
            "historical_clv_net": st.column_config.NumberColumn("Net sales", format="%.2f"),
            "historical_clv_margin": st.column_config.NumberColumn("Net margin", format="%.2f"),
            "last_purchase_date": "Last purchase",
        },
    )

st.subheader("Category affinity")
affinity = customers.category_affinity(snap, flt)
if not ui.empty(affinity):
    st.caption("Affinity index > 1: these customers buy the category more than card holders do.")
    st.dataframe(
        affinity,
        hide_index=True,
        width="stretch",
        column_config={
            "category": "Category",
            "customers": "Customers buying it",
            "top_category_customers": "Their top category",
            "avg_affinity_index": st.column_config.NumberColumn("Mean affinity", format="%.2f"),
            "amount_net": st.column_config.NumberColumn("Net sales", format="%.2f"),
        },
    )

st.subheader("Feedback: NPS per store")
nps = customers.nps_by_store(snap, flt)
if not ui.empty(nps, "No feedback for this filter."):
    st.plotly_chart(charts.ranked_bar(nps, "nps", "store_name", "NPS"), width="stretch")
    topics = customers.nps_by_topic(snap, flt)
    st.dataframe(
        topics,
        hide_index=True,
        width="stretch",
        column_config={
            "topic": "Topic",
            "responses": "Responses",
            "nps": st.column_config.NumberColumn("NPS", format="%.0f"),
        },
    )

"""Suppliers: the monthly scorecard, OTIF and lead-time trends, price variance against the list."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards.data import suppliers
from dashboards.data.serving import snapshot

snap = snapshot()
st.title("Suppliers")
ui.require_tables(snap, suppliers.TABLES)
flt = ui.require_filters()
ui.scope_caption(flt)

st.subheader("Scorecard")
months = suppliers.scorecard_months(snap, flt)
if not months:
    st.info("No purchase order line of this period has been evaluated yet.")
else:
    month = st.selectbox(
        "Month of the requested delivery",
        months,
        format_func=lambda m: f"{m:%B %Y}",
        key="scorecard_month",
    )
    card = suppliers.scorecard(snap, month)
    st.caption("All stores; rates over the lines evaluated (received, or their window closed).")
    st.dataframe(
        card,
        hide_index=True,
        width="stretch",
        column_config={
            "supplier_id": "Supplier",
            "supplier_name": "Name",
            "score": st.column_config.ProgressColumn(
                "Score", min_value=0.0, max_value=100.0, format="%.0f"
            ),
            "otif_rate": st.column_config.NumberColumn("OTIF", format="percent"),
            "on_time_rate": st.column_config.NumberColumn("On time", format="percent"),
            "in_full_rate": st.column_config.NumberColumn("In full", format="percent"),
            "fill_rate": st.column_config.NumberColumn("Fill rate", format="percent"),
            "rejected_rate": st.column_config.NumberColumn("Rejected", format="percent"),
            "avg_lead_time_days": st.column_config.NumberColumn("Lead time (d)", format="%.1f"),
            "promised_lead_time_days": st.column_config.NumberColumn("Promised (d)", format="%.1f"),
            "lead_time_adherence_rate": st.column_config.NumberColumn(
                "Within promised", format="percent"
            ),
            "price_adherence_rate": st.column_config.NumberColumn(
                "At or below list", format="percent"
            ),
            "price_variance_amount": st.column_config.NumberColumn("Price variance", format="%.2f"),
            "price_variance_pct": st.column_config.NumberColumn("Variance %", format="percent"),
            "po_lines": "Lines",
            "evaluated_lines": "Evaluated",
        },
    )

trend = suppliers.monthly_trend(snap, flt)
st.subheader("OTIF per month")
if not ui.empty(trend):
    st.plotly_chart(charts.supplier_trend(trend, "otif_rate", "OTIF"), width="stretch")

st.subheader("Lead times")
lines = suppliers.lead_times(snap, flt)
if not ui.empty(lines, "No received order line for this filter."):
    late = int((lines["lead_time_variance_days"] > 0).sum())
    st.metric("Received lines slower than promised", f"{late:,} of {len(lines):,}")
    st.plotly_chart(charts.lead_time_scatter(lines), width="stretch")
    st.plotly_chart(
        charts.supplier_trend(trend, "avg_lead_time_days", "Mean lead time (days)"),
        width="stretch",
    )

st.subheader("Price variance against the price list")
variances = suppliers.price_variances(snap, flt)
if not ui.empty(variances, "Every priced order line of this filter matches the price list."):
    st.dataframe(
        variances,
        hide_index=True,
        width="stretch",
        column_config={
            "supplier_id": "Supplier",
            "store_id": "Store",
            "po_id": "Order",
            "line_no": "Line",
            "gtin": "GTIN",
            "category": "Category",
            "ordered_date": "Ordered",
            "qty_ordered": st.column_config.NumberColumn("Units", format="%.0f"),
            "po_unit_cost": st.column_config.NumberColumn("Order cost", format="%.4f"),
            "list_unit_cost": st.column_config.NumberColumn("List cost", format="%.4f"),
            "unit_price_variance": st.column_config.NumberColumn("Per unit", format="%.4f"),
            "price_variance_amount": st.column_config.NumberColumn("Variance", format="%.2f"),
        },
    )

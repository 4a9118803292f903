"""Executive overview: sales, margin, stock, trend against last year, best and worst, suppliers,
and whether today's numbers can be trusted."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards.data import overview
from dashboards.data.serving import snapshot

TOP_N = 5

snap = snapshot()
st.title("Executive overview")
ui.require_tables(snap, overview.TABLES)
flt = ui.require_filters()
ui.scope_caption(flt)

sales = overview.sales_totals(snap, flt)
stock = overview.stock_totals(snap, flt)
yoy = overview.yoy_totals(snap, flt)
sales_col, margin_col, rate_col = st.columns(3)
sales_col.metric("Net sales", ui.money(sales["amount_net"]))
margin_col.metric("Net margin", ui.money(sales["margin_net"]))
rate_col.metric("Margin rate", ui.percent(sales["margin_rate"]))
stock_col, out_col, yoy_col = st.columns(3)
stock_col.metric("Stock value at cost", ui.money(stock["stock_value_cost"]))
out_col.metric("Out of stock now", ui.count(stock["out_of_stock_lines"]), help="Store x product")
yoy_col.metric(
    "Like-for-like vs last year",
    ui.percent(yoy["growth"]),
    help="Stores open with sales on both days; same weekday 364 days earlier.",
)

st.subheader("Can today's numbers be trusted?")
last_run = overview.last_audit_run(snap)
findings = overview.open_findings_by_severity(snap, flt)
errors = int(findings.loc[findings["severity"] == "error", "findings"].sum())
warnings = int(findings.loc[findings["severity"] == "warning", "findings"].sum())
run_col, error_col, warning_col = st.columns(3)
audited = int(last_run["audits"]) > 0
run_col.metric("Last audit run", f"{last_run['run_at']:%Y-%m-%d %H:%M}" if audited else "never")
error_col.metric("Open blocking findings", f"{errors:,}")
warning_col.metric("Open warnings", f"{warnings:,}")
if not audited:
    st.warning("No audit has run on this snapshot: treat its numbers with care.")
elif errors:
    st.error("Blocking audit findings are open: check the Audits page before acting on numbers.")
elif warnings:
    st.success(
        "The blocking audits passed. Open warnings name documents the stores should check; "
        "the numbers show what the sources say."
    )
else:
    st.success("Every audit passed on this snapshot.")

st.subheader("Trend against last year")
daily = overview.daily_yoy(snap, flt)
if not ui.empty(daily):
    st.plotly_chart(charts.sales_vs_last_year(daily), width="stretch")
    if int(yoy["like_for_like_days"]) == 0:
        st.caption("No like-for-like days in this period: the warehouse has no last year yet.")

st.subheader("Best and worst stores")
stores = overview.stores_ranked(snap, flt)
if not ui.empty(stores):
    st.plotly_chart(
        charts.ranked_bar(stores, "amount_net", "store_name", "Net sales"), width="stretch"
    )

st.subheader("Best and worst products")
best_col, worst_col = st.columns(2)
product_columns = {
    "product_id": None,
    "product_name": "Product",
    "category": "Category",
    "net_units_qty": st.column_config.NumberColumn("Units", format="%.0f"),
    "amount_net": st.column_config.NumberColumn("Net sales", format="%.2f"),
    "margin_net": st.column_config.NumberColumn("Net margin", format="%.2f"),
}
with best_col:
    st.caption(f"Top {TOP_N} by net sales")
    best = overview.products_ranked(snap, flt, TOP_N, best=True)
    if not ui.empty(best):
        st.dataframe(best, hide_index=True, width="stretch", column_config=product_columns)
with worst_col:
    st.caption(f"Bottom {TOP_N} of the products sold")
    worst = overview.products_ranked(snap, flt, TOP_N, best=False)
    if not ui.empty(worst):
        st.dataframe(worst, hide_index=True, width="stretch", column_config=product_columns)

st.subheader("Supplier reliability")
otif = overview.supplier_otif(snap, flt)
if not ui.empty(otif):
    evaluated = otif["evaluated_lines"].sum()
    chain_otif = otif["otif_lines"].sum() / evaluated if evaluated else None
    st.metric("OTIF, all suppliers", ui.percent(chain_otif))
    st.caption("Months of the requested delivery date in the period; all stores.")
    st.dataframe(
        otif,
        hide_index=True,
        width="stretch",
        column_config={
            "supplier_id": "Supplier",
            "supplier_name": "Name",
            "evaluated_lines": "Lines evaluated",
            "otif_lines": "Lines OTIF",
            "otif_rate": st.column_config.ProgressColumn(
                "OTIF", min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )

"""Sales: the daily trend, sales per store and category, best and slow sellers, ABC/XYZ classes."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, ui
from dashboards.data import sales
from dashboards.data.serving import snapshot

SELLER_KINDS = {"best": "Best sellers", "slow": "Slow sellers"}

snap = snapshot()
st.title("Sales")
ui.require_tables(snap, sales.TABLES)
flt = ui.require_filters()
ui.scope_caption(flt)

trend = sales.daily_trend(snap, flt)
sales_col, margin_col, units_col = st.columns(3)
sales_col.metric("Net sales", ui.money(trend["amount_net"].sum()))
margin_col.metric("Net margin", ui.money(trend["margin_net"].sum()))
units_col.metric("Net units", f"{trend['net_units_qty'].sum():,.0f}")

st.subheader("Daily trend")
if not ui.empty(trend):
    st.plotly_chart(charts.daily_sales(trend), width="stretch")

st.subheader("Per store and category")
per_store = sales.by_store_category(snap, flt)
if not ui.empty(per_store):
    st.plotly_chart(charts.sales_by_store_category(per_store), width="stretch")
    st.dataframe(
        per_store,
        hide_index=True,
        width="stretch",
        column_config={
            "store_id": None,
            "store_name": "Store",
            "category": "Category",
            "amount_net": st.column_config.NumberColumn("Net sales", format="%.2f"),
            "margin_net": st.column_config.NumberColumn("Net margin", format="%.2f"),
            "margin_rate": st.column_config.NumberColumn("Margin rate", format="percent"),
            "net_units_qty": st.column_config.NumberColumn("Net units", format="%.0f"),
        },
    )

st.subheader("Best and slow sellers")
kind_col, sort_col = st.columns(2)
kind = kind_col.segmented_control(
    "Show",
    options=list(SELLER_KINDS),
    format_func=SELLER_KINDS.get,
    default="best",
    required=True,
    key="seller_kind",
)
sort_label = sort_col.selectbox("Sort by", list(sales.SELLER_SORTS), key="seller_sort")
sellers = sales.sellers(snap, flt, kind, sort_label)
if not ui.empty(sellers):
    st.caption(
        f"Ranked within store and category over {sellers['window_start_date'].min():%Y-%m-%d} "
        f"to {sellers['as_of_date'].max():%Y-%m-%d} (the mart's trailing window, not the "
        "period above); slow sellers only among products in stock in the window."
    )
    st.dataframe(
        sellers.drop(columns=["window_start_date", "as_of_date"]),
        hide_index=True,
        width="stretch",
        column_config={
            "store_id": None,
            "store_name": "Store",
            "category": "Category",
            "product_name": "Product",
            "gtin": "GTIN",
            "best_rank": "Rank (best)",
            "slow_rank": "Rank (slow)",
            "net_units_qty": st.column_config.NumberColumn("Net units", format="%.0f"),
            "amount_net": st.column_config.NumberColumn("Net sales", format="%.2f"),
            "margin_net": st.column_config.NumberColumn("Net margin", format="%.2f"),
            "in_stock_days": "Days in stock",
            "on_hand_qty": st.column_config.NumberColumn("On hand", format="%.0f"),
        },
    )

st.subheader("ABC / XYZ")
classes = sales.abc_xyz(snap, flt)
if not ui.empty(classes):
    scope = "per store and product" if flt.region or flt.store_id else "chain-wide per product"
    st.caption(
        f"ABC by net revenue, XYZ by weekly demand variability, {scope}, as of "
        f"{classes['as_of_date'].max():%Y-%m-%d}; '-' = listed too recently for XYZ."
    )
    st.plotly_chart(charts.abc_xyz_matrix(classes), width="stretch")
    st.dataframe(
        classes.drop(columns=["product_id", "as_of_date"]),
        hide_index=True,
        width="stretch",
        column_config={
            "store_id": "Store",
            "product_name": "Product",
            "gtin": "GTIN",
            "category": "Category",
            "abc_class": "ABC",
            "xyz_class": "XYZ",
            "amount_net": st.column_config.NumberColumn("Net sales", format="%.2f"),
            "revenue_share": st.column_config.NumberColumn("Share", format="percent"),
            "net_units_qty": st.column_config.NumberColumn("Net units", format="%.0f"),
            "weekly_cv": st.column_config.NumberColumn("Weekly CV", format="%.2f"),
        },
    )

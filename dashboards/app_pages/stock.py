"""Stock across stores: where stock sits (heat map), what a store or category holds, what is low."""

from __future__ import annotations

import streamlit as st

from dashboards import charts
from dashboards.data import queries
from dashboards.data.serving import snapshot

ALL = "All"
MEASURE_OPTIONS = {"value": "Value at cost", "units": "Units"}


def _format_number(value: float, decimals: int = 2) -> str:
    return f"{value:,.{decimals}f}"


def _apply_heatmap_selection() -> None:
    """A click on a heat map cell drills to that store and category."""
    points = st.session_state["stock_heatmap"].selection.points
    if not points:
        return
    names = st.session_state.get("store_ids_by_name", {})
    point = points[0]
    store_id = names.get(point.get("y"))
    if store_id:
        st.session_state["drill_store"] = store_id
    if point.get("x"):
        st.session_state["drill_category"] = point["x"]


snap = snapshot()
st.title("Stock across stores")

totals = queries.stock_totals(snap)
value_col, units_col, low_col = st.columns(3)
value_col.metric("Stock value at cost", _format_number(totals["stock_value_cost"]))
units_col.metric("Units on hand", _format_number(totals["on_hand_qty"], 0))
low_col.metric("Low-stock lines", f"{int(totals['low_stock_lines']):,}")

measure = st.segmented_control(
    "Show",
    options=list(MEASURE_OPTIONS),
    format_func=MEASURE_OPTIONS.get,
    default="value",
    required=True,
    key="stock_measure",
)

by_store_category = queries.stock_by_store_category(snap)
st.session_state["store_ids_by_name"] = dict(
    zip(by_store_category["store_name"], by_store_category["store_id"], strict=True)
)
if by_store_category.empty:
    st.info("The current snapshot holds no stock.")
else:
    st.plotly_chart(
        charts.stock_heatmap(by_store_category, measure),
        width="stretch",
        key="stock_heatmap",
        on_select=_apply_heatmap_selection,
        selection_mode="points",
    )
    st.caption("Tap a cell, or pick a store and category below, to see its products.")

st.subheader("Products")
store_frame = queries.stores(snap)
store_labels = dict(zip(store_frame["store_id"], store_frame["store_name"], strict=True))
store_col, category_col = st.columns(2)
store_id = store_col.selectbox(
    "Store",
    options=[ALL, *store_labels],
    format_func=lambda sid: sid if sid == ALL else f"{store_labels[sid]} ({sid})",
    key="drill_store",
)
category = category_col.selectbox(
    "Category", options=[ALL, *queries.categories(snap)], key="drill_category"
)
top_n = st.slider("Top products", min_value=5, max_value=50, value=10, step=5, key="top_n")

store_filter = None if store_id == ALL else store_id
category_filter = None if category == ALL else category
products = queries.top_products(snap, store_filter, category_filter, measure, top_n)
if products.empty:
    st.info("No stock for this store and category.")
else:
    st.plotly_chart(charts.top_products_bar(products, measure), width="stretch")
    st.dataframe(
        products,
        hide_index=True,
        width="stretch",
        column_config={
            "product_id": None,
            "product_name": "Product",
            "gtin": "GTIN",
            "category": "Category",
            "on_hand_qty": st.column_config.NumberColumn("On hand", format="%.0f"),
            "stock_value_cost": st.column_config.NumberColumn("Value at cost", format="%.2f"),
            "min_days_of_cover": st.column_config.NumberColumn("Min days of cover", format="%.1f"),
            "low_stock_stores": "Stores low",
        },
    )

st.subheader("Low stock")
low = queries.low_stock(snap, store_filter, category_filter)
if low.empty:
    st.success("Nothing is low on stock here.")
else:
    st.dataframe(
        low,
        hide_index=True,
        width="stretch",
        column_config={
            "store_id": None,
            "store_name": "Store",
            "product_name": "Product",
            "gtin": "GTIN",
            "category": "Category",
            "on_hand_qty": st.column_config.NumberColumn("On hand", format="%.0f"),
            "avg_daily_sales_qty_28d": st.column_config.NumberColumn(
                "Sold per day (28 d)", format="%.1f"
            ),
            "days_of_cover": st.column_config.NumberColumn("Days of cover", format="%.1f"),
        },
    )

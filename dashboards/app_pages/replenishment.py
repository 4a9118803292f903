"""Replenishment: forecast accuracy against the seasonal-naive baseline, the forecast ahead, and
what to reorder and transfer, as downloads the purchasing staff can open in a spreadsheet."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboards import charts, ui
from dashboards.data import exports, replenishment
from dashboards.data.filters import Filters
from dashboards.data.serving import snapshot
from retailwh.serving import Snapshot


def _download(snap: Snapshot, name: str, flt: Filters, frame: pd.DataFrame) -> None:
    st.download_button(
        f"Download {len(frame):,} lines (CSV)",
        data=partial(exports.logged_csv, frame, ui.viewer(), name, flt, snap.version),
        file_name=f"{name}_{snap.version[:8]}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"download_{name}",
        icon=":material/download:",
    )


snap = snapshot()
st.title("Replenishment")
ui.require_tables(snap, replenishment.TABLES)
flt = ui.require_filters()
st.caption(" · ".join(v for v in ("Current", flt.region, flt.store_id, flt.category) if v))

reorders = replenishment.reorder_suggestions(snap, flt)
transfers = replenishment.transfer_suggestions(snap, flt)
reorder_col, units_col, transfer_col = st.columns(3)
reorder_col.metric("Reorder lines", f"{len(reorders):,}")
units_col.metric("Units to order", f"{reorders['order_qty'].sum():,.0f}")
transfer_col.metric("Transfer suggestions", f"{len(transfers):,}")

st.subheader("Reorder suggestions")
if not ui.empty(reorders, "Nothing to reorder for this filter."):
    st.dataframe(
        reorders,
        hide_index=True,
        width="stretch",
        column_config={
            "store_id": "Store",
            "supplier_id": "Supplier",
            "gtin": "GTIN",
            "product_name": "Product",
            "category": "Category",
            "inventory_position_qty": st.column_config.NumberColumn("Position", format="%.0f"),
            "reorder_point_qty": st.column_config.NumberColumn("Reorder point", format="%.1f"),
            "shortfall_qty": st.column_config.NumberColumn("Shortfall", format="%.1f"),
            "case_pack": "Case pack",
            "order_cases": "Cases",
            "order_qty": st.column_config.NumberColumn("Units to order", format="%.0f"),
        },
    )
    _download(snap, "reorder_suggestions", flt, reorders)

st.subheader("Transfer suggestions")
if not ui.empty(transfers, "No store has excess that another is about to run out of."):
    st.dataframe(
        transfers,
        hide_index=True,
        width="stretch",
        column_config={
            "from_store_id": "From store",
            "to_store_id": "To store",
            "gtin": "GTIN",
            "product_name": "Product",
            "category": "Category",
            "transfer_qty": st.column_config.NumberColumn("Units", format="%.0f"),
        },
    )
    _download(snap, "transfer_suggestions", flt, transfers)

st.subheader("Forecast against actual")
overall = replenishment.accuracy_overall(snap)
if not ui.empty(overall, "The forecast has not been backtested yet (too little history)."):
    by_method = overall.set_index("method")
    cols = st.columns(len(by_method))
    for col, (method, row) in zip(cols, by_method.iterrows(), strict=True):
        col.metric(f"WAPE, {method.replace('_', ' ')}", ui.percent(row["wape"]))
series = replenishment.accuracy_by_series(snap, flt)
if not series.empty:
    beats = int((series["wape"] < series["baseline_wape"]).sum())
    st.caption(f"The model beats the seasonal-naive baseline on {beats:,} of {len(series):,}.")
    st.dataframe(
        series,
        hide_index=True,
        width="stretch",
        column_config={
            "store_id": "Store",
            "series_level": "Level",
            "category": "Category",
            "product_name": "Product",
            "actual_qty": st.column_config.NumberColumn("Units sold", format="%.0f"),
            "wape": st.column_config.NumberColumn("WAPE", format="percent"),
            "baseline_wape": st.column_config.NumberColumn("Baseline WAPE", format="percent"),
            "mase": st.column_config.NumberColumn("MASE", format="%.2f"),
            "baseline_mase": st.column_config.NumberColumn("Baseline MASE", format="%.2f"),
            "bias": st.column_config.NumberColumn("Bias", format="percent"),
            "baseline_bias": st.column_config.NumberColumn("Baseline bias", format="percent"),
            "holdout_windows": "Windows",
        },
    )
forecast = replenishment.forecast_ahead(snap, flt)
st.caption("Forecast units per day ahead, beside the seasonal-naive baseline.")
if not ui.empty(forecast, "No forecast for this filter."):
    st.plotly_chart(charts.forecast_ahead(forecast), width="stretch")

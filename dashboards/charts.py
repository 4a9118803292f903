"""Plotly figures for the pages: data frames in, figures out; no Streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

MEASURE_COLUMNS = {"value": "stock_value_cost", "units": "on_hand_qty"}
MEASURE_LABELS = {"value": "Stock value at cost", "units": "Units on hand"}


def _compact(fig: go.Figure, height: int) -> go.Figure:
    # No fixed width: the chart stretches to its container, phone or desktop.
    fig.update_layout(height=height, margin={"l": 8, "r": 8, "t": 32, "b": 8})
    return fig


def stock_heatmap(frame: pd.DataFrame, measure: str) -> go.Figure:
    """Store × category heat map of on-hand stock (units or value at cost)."""
    column = MEASURE_COLUMNS[measure]
    grid = frame.pivot_table(
        index="store_name", columns="category", values=column, aggfunc="sum", fill_value=0
    ).sort_index(ascending=False)
    text_format = "%{z:,.0f}" if measure == "units" else "%{z:,.2f}"
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            colorscale="Blues",
            texttemplate=text_format,
            hoverinfo="skip",
            colorbar={"title": {"text": ""}, "thickness": 10},
        )
    )
    # Heat map cells cannot be selected in Streamlit; invisible markers on the cells can, so a tap
    # on a cell selects its (category, store) point. The markers carry the hover label too.
    cells = grid.stack().rename("z").reset_index()
    fig.add_trace(
        go.Scatter(
            x=cells["category"],
            y=cells["store_name"],
            customdata=cells["z"],
            mode="markers",
            marker={"size": 28, "opacity": 0, "symbol": "square"},
            hovertemplate="%{y}<br>%{x}<br>"
            + text_format.replace("z", "customdata")
            + "<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(title=MEASURE_LABELS[measure], clickmode="event+select", dragmode=False)
    fig.update_xaxes(side="top", tickangle=-30)
    return _compact(fig, height=max(260, 80 + 32 * len(grid.index)))


def top_products_bar(frame: pd.DataFrame, measure: str) -> go.Figure:
    column = MEASURE_COLUMNS[measure]
    ordered = frame.sort_values(column)
    fig = px.bar(
        ordered,
        x=column,
        y="product_name",
        orientation="h",
        labels={column: MEASURE_LABELS[measure], "product_name": ""},
        hover_data=["gtin", "category"],
    )
    return _compact(fig, height=max(220, 60 + 26 * len(ordered)))


def findings_per_audit(runs: pd.DataFrame) -> go.Figure:
    """Findings of each audit's latest run."""
    ordered = runs.sort_values("findings_count")
    fig = px.bar(
        ordered,
        x="findings_count",
        y="audit",
        orientation="h",
        text="findings_count",
        labels={"findings_count": "Findings", "audit": ""},
    )
    return _compact(fig, height=max(200, 60 + 30 * len(ordered)))


def findings_history(history: pd.DataFrame) -> go.Figure:
    """Findings per audit over its runs: a finding that keeps coming back shows as a trend."""
    fig = px.line(
        history,
        x="run_at",
        y="findings_count",
        color="audit",
        markers=True,
        labels={"run_at": "", "findings_count": "Findings", "audit": "Audit"},
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return _compact(fig, height=300)


def quarantine_by_source(summary: pd.DataFrame) -> go.Figure:
    """Quarantined rows per source and store/supplier, coloured by reason."""
    frame = summary.assign(source=summary["source_kind"] + " " + summary["source_id"].fillna(""))
    fig = px.bar(
        frame,
        x="rows_quarantined",
        y="source",
        color="source_object",
        orientation="h",
        hover_data=["reason", "files_affected"],
        labels={"rows_quarantined": "Rows quarantined", "source": "", "source_object": "Object"},
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return _compact(fig, height=max(220, 80 + 30 * frame["source"].nunique()))

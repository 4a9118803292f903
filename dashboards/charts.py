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


def _legend_below(fig: go.Figure) -> go.Figure:
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "title": {"text": ""}})
    return fig


def _series_lines(
    frame: pd.DataFrame,
    x: str,
    series: dict[str, str],
    value_label: str,
    height: int,
    markers: bool = False,
) -> go.Figure:
    """One line per column of ``series`` (column -> legend name) over ``x``, legend below."""
    long = frame.melt(id_vars=x, value_vars=list(series), var_name="series", value_name="value")
    long["series"] = long["series"].map(series)
    fig = px.line(
        long,
        x=x,
        y="value",
        color="series",
        markers=markers,
        labels={x: "", "value": value_label, "series": ""},
    )
    return _compact(_legend_below(fig), height=height)


def sales_vs_last_year(daily: pd.DataFrame) -> go.Figure:
    """Net sales per day beside the same weekdays last year (like-for-like days only)."""
    series = {"amount_net": "This year", "amount_net_last_year": "Last year (like for like)"}
    return _series_lines(daily, "business_date", series, "Net sales", height=280)


def daily_sales(trend: pd.DataFrame) -> go.Figure:
    """Net sales and net margin per business date."""
    series = {"amount_net": "Net sales", "margin_net": "Net margin"}
    return _series_lines(trend, "business_date", series, "", height=300, markers=True)


def ranked_bar(frame: pd.DataFrame, value: str, label: str, value_label: str) -> go.Figure:
    """Horizontal bars of ``value`` per ``label``, largest at the top."""
    ordered = frame.sort_values(value)
    fig = px.bar(
        ordered,
        x=value,
        y=label,
        orientation="h",
        labels={value: value_label, label: ""},
    )
    return _compact(fig, height=max(200, 60 + 26 * len(ordered)))


def sales_by_store_category(frame: pd.DataFrame) -> go.Figure:
    """Net sales per store, stacked by category."""
    fig = px.bar(
        frame,
        x="amount_net",
        y="store_name",
        color="category",
        orientation="h",
        labels={"amount_net": "Net sales", "store_name": "", "category": "Category"},
    )
    return _compact(_legend_below(fig), height=max(240, 100 + 36 * frame["store_name"].nunique()))


def abc_xyz_matrix(classes: pd.DataFrame) -> go.Figure:
    """Products per ABC (revenue) x XYZ (demand variability) class; '-' = too new for XYZ."""
    grid = (
        classes.pivot_table(
            index="abc_class",
            columns="xyz_class",
            values="gtin",
            aggfunc="count",
            fill_value=0,
        )
        .reindex(index=["A", "B", "C"], fill_value=0)
        .sort_index(axis=1)
    )
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            colorscale="Blues",
            texttemplate="%{z}",
            hovertemplate="%{y}%{x}: %{z} products<extra></extra>",
            showscale=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _compact(fig, height=240)


def cohort_heatmap(cohorts: pd.DataFrame) -> go.Figure:
    """Retention rate per cohort month (rows) and months since the first purchase (columns)."""
    grid = cohorts.assign(
        cohort=pd.to_datetime(cohorts["cohort_month"]).dt.strftime("%Y-%m")
    ).pivot_table(index="cohort", columns="months_since_first_purchase", values="retention_rate")
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(dtype=float),
            x=[str(c) for c in grid.columns],
            y=list(grid.index),
            colorscale="Greens",
            zmin=0,
            zmax=1,
            texttemplate="%{z:.0%}",
            hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>",
            showscale=False,
        )
    )
    fig.update_xaxes(title="Months since first purchase")
    fig.update_yaxes(autorange="reversed")
    return _compact(fig, height=max(200, 80 + 30 * len(grid.index)))


def supplier_trend(trend: pd.DataFrame, value: str, value_label: str) -> go.Figure:
    """One line per supplier of ``value`` over the months."""
    fig = px.line(
        trend,
        x="month_start_date",
        y=value,
        color="supplier_name",
        markers=True,
        labels={"month_start_date": "", value: value_label, "supplier_name": ""},
    )
    return _compact(_legend_below(fig), height=300)


def lead_time_scatter(lines: pd.DataFrame) -> go.Figure:
    """Actual against promised lead time per received order line (above the diagonal = late)."""
    fig = px.strip(
        lines,
        x="supplier_id",
        y="lead_time_variance_days",
        hover_data=["po_id", "gtin", "store_id", "lead_time_days", "promised_lead_time_days"],
        labels={"supplier_id": "", "lead_time_variance_days": "Days slower than promised"},
    )
    fig.add_hline(y=0, line_dash="dot")
    return _compact(fig, height=300)


def forecast_ahead(forecast: pd.DataFrame) -> go.Figure:
    """Forecast units per day beside the seasonal-naive baseline."""
    series = {"forecast_qty": "Forecast", "seasonal_naive_qty": "Seasonal naive"}
    return _series_lines(forecast, "forecast_date", series, "Units", height=280)

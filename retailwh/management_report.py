"""The weekly management report as files: sales, margin, stock turnover, stock-outs, supplier
reliability and audit results per store, each with its trend.

Every figure comes from the dbt mart ``rpt_weekly_management_store`` (one row per store and ISO
week); this module only picks a week and renders it:

- ``management_report_<iso-week>.html``: a printable page (A4 landscape): the week per store with
  the change against the previous week, then the trend of the last weeks per store;
- ``management_report_<iso-week>.csv``: the week's rows, every column of the mart (UTF-8 with BOM);
- ``management_report_<iso-week>.xlsx``: the week's rows and the trend, one sheet each.

By default the files go to ``<data>/reports/weekly/<iso-week>/`` and the week is the latest
complete one (the current, partial one while the chain is younger than a week). It reads the
published serving snapshot (what passed the blocking audits) or, when nothing is published, the
warehouse, like the store reports.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from retailwh import settings
from retailwh.store_report import HTML_STYLE, Source, cell_text, report_database

MART = "rpt_weekly_management_store"
DEFAULT_TREND_WEEKS = 8
ISO_WEEK = re.compile(r"^\d{4}-W\d{2}$")

# (column of the mart, header, format) shown for the week; format: money, pct, ratio, int, text
WEEK_COLUMNS = [
    ("store_id", "Store", "text"),
    ("store_name", "Name", "text"),
    ("amount_net", "Net sales", "money"),
    ("amount_net_change_rate", "vs previous week", "pct"),
    ("margin_net", "Margin", "money"),
    ("margin_rate", "Margin %", "pct"),
    ("avg_stock_value_cost", "Stock value at cost (mean)", "money"),
    ("stock_turnover", "Stock turnover (week)", "ratio"),
    ("stockout_days", "Stock-out days", "int"),
    ("stockout_rate", "Stock-out rate", "pct"),
    ("otif_rate", "Supplier OTIF", "pct"),
    ("fill_rate", "Supplier fill rate", "pct"),
    ("po_lines_evaluated", "PO lines judged", "int"),
    ("findings_count", "Audit findings", "int"),
    ("findings_count_prev_week", "Findings previous week", "int"),
    ("open_findings_count", "Still open", "int"),
    ("recurring_rules_count", "Recurring rules", "int"),
]
TREND_COLUMNS = [
    ("store_id", "Store", "text"),
    ("iso_week", "Week", "text"),
    ("amount_net", "Net sales", "money"),
    ("margin_rate", "Margin %", "pct"),
    ("stock_turnover", "Stock turnover", "ratio"),
    ("stockout_rate", "Stock-out rate", "pct"),
    ("otif_rate", "Supplier OTIF", "pct"),
    ("findings_count", "Audit findings", "int"),
    ("open_findings_count", "Still open", "int"),
]


@dataclass(frozen=True)
class ManagementReport:
    iso_week: str
    week_start_date: datetime
    is_complete_week: bool
    generated_at: datetime
    source: str
    week: pd.DataFrame  # every column of the mart, one row per store
    trend: pd.DataFrame  # the mart's rows of the last weeks up to iso_week

    @property
    def file_stem(self) -> str:
        return f"management_report_{self.iso_week}"


def reports_dir() -> Path:
    """Where the scheduled reports are written: ``<data>/reports``."""
    return settings.data_dir() / "reports"


def weekly_dir(iso_week: str) -> Path:
    return reports_dir() / "weekly" / iso_week


def load_management_report(
    iso_week: str | None = None,
    source: Source = "auto",
    warehouse: Path | str | None = None,
    trend_weeks: int = DEFAULT_TREND_WEEKS,
    now: datetime | None = None,
) -> ManagementReport:
    """The mart's rows of ``iso_week`` (default: the latest complete week) and its trend: the
    rows of the ``trend_weeks`` weeks up to and including it."""
    if iso_week is not None and not ISO_WEEK.match(iso_week):
        raise ValueError(f"week must look like 2026-W44, got {iso_week!r}")
    if trend_weeks < 1:
        raise ValueError(f"trend_weeks must be at least 1, got {trend_weeks}")
    path, _, marts = report_database(source, warehouse)
    con = duckdb.connect(str(path), read_only=True)
    try:
        chosen = con.execute(
            f"""
            select iso_week, week_start_date, bool_and(is_complete_week)
            from {marts}.{MART}
            where $iso_week is null or iso_week = $iso_week
            group by iso_week, week_start_date
            -- the latest complete week; in a chain younger than a week, the partial one
            order by bool_and(is_complete_week) desc, week_start_date desc
            limit 1
            """,
            {"iso_week": iso_week},
        ).fetchone()
        if chosen is None:
            raise LookupError(
                f"no week {iso_week} in {MART} of {path}"
                if iso_week
                else f"{MART} of {path} holds no week yet"
            )
        week_label, week_start, complete = chosen
        week = con.execute(
            f"select * from {marts}.{MART} where week_start_date = ? order by store_id",
            [week_start],
        ).df()
        trend = con.execute(
            f"""
            select * from {marts}.{MART}
            where week_start_date <= $week_start
              and week_start_date > $week_start - to_weeks(cast($weeks as integer))
            order by store_id, week_start_date
            """,
            {"week_start": week_start, "weeks": trend_weeks},
        ).df()
    finally:
        con.close()
    return ManagementReport(
        iso_week=week_label,
        week_start_date=week_start,
        is_complete_week=bool(complete),
        generated_at=now or datetime.now(UTC),
        source=f"{path} ({'serving snapshot' if marts == 'main' else 'warehouse'})",
        week=week,
        trend=trend,
    )


def _formatted(value: object, kind: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind == "money":
        return f"{float(value):,.2f}"
    if kind == "pct":
        return f"{float(value):.1%}"
    if kind == "ratio":
        return f"{float(value):.2f}"
    if kind == "int":
        return f"{int(value):,}"
    return cell_text(value)


def _html_table(frame: pd.DataFrame, columns: list[tuple[str, str, str]]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(
            f"<td>{html.escape(_formatted(record[name], kind))}</td>" for name, _, kind in columns
        )
        rows.append(f"<tr>{cells}</tr>")
    body = "".join(rows) or f'<tr><td colspan="{len(columns)}">None.</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_html(report: ManagementReport, path: Path) -> Path:
    title = f"Weekly management report {report.iso_week}"
    partial = "" if report.is_complete_week else " The week is not complete yet."
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{HTML_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="meta">Week starting {report.week_start_date:%Y-%m-%d}, {len(report.week)} stores,
generated {report.generated_at:%Y-%m-%d %H:%M} UTC from {html.escape(report.source)}.{partial}
Stock is valued at head office's cost price; turnover = cost of goods sold / mean stock value at
cost; stock-out days are product days that ended without stock; supplier figures are the store's
purchase order lines requested for the week; audit findings are those whose document falls in the
week.</p>
<h2>The week per store</h2>
{_html_table(report.week, WEEK_COLUMNS)}
<h2>Trend: the last {report.trend["week_start_date"].nunique()} weeks per store</h2>
{_html_table(report.trend, TREND_COLUMNS)}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path


def write_csv(report: ManagementReport, path: Path) -> Path:
    report.week.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_excel(report: ManagementReport, path: Path) -> Path:
    week = report.week[[name for name, _, _ in WEEK_COLUMNS]].rename(
        columns={name: label for name, label, _ in WEEK_COLUMNS}
    )
    trend = report.trend[[name for name, _, _ in TREND_COLUMNS]].rename(
        columns={name: label for name, label, _ in TREND_COLUMNS}
    )
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        week.to_excel(writer, sheet_name=report.iso_week, index=False, startrow=2)
        trend.to_excel(writer, sheet_name="Trend", index=False)
        sheet = writer.sheets[report.iso_week]
        sheet.write(0, 0, f"Weekly management report {report.iso_week}")
        sheet.freeze_panes(3, 1)
        sheet.set_column(0, len(week.columns) - 1, 16)
        writer.sheets["Trend"].set_column(0, len(trend.columns) - 1, 16)
    return path


def write_management_report(
    iso_week: str | None = None,
    out_dir: Path | None = None,
    source: Source = "auto",
    warehouse: Path | str | None = None,
    trend_weeks: int = DEFAULT_TREND_WEEKS,
    now: datetime | None = None,
) -> tuple[ManagementReport, list[Path]]:
    """Write the week's HTML, CSV and Excel files (default folder: reports/weekly/<iso-week>/)."""
    report = load_management_report(
        iso_week, source=source, warehouse=warehouse, trend_weeks=trend_weeks, now=now
    )
    folder = Path(out_dir) if out_dir is not None else weekly_dir(report.iso_week)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / report.file_stem
    return report, [
        write_html(report, stem.with_suffix(".html")),
        write_csv(report, stem.with_suffix(".csv")),
        write_excel(report, stem.with_suffix(".xlsx")),
    ]

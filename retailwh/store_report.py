"""Per-store reconciliation report: a store's open audit findings as files a manager can act on.

``write_store_report("S001", out_dir)`` writes, for one store,

- ``<store>_open_findings_<yyyymmdd>.csv``: one row per open finding (UTF-8 with BOM, so that
  spreadsheet programs open it with the right characters);
- ``<store>_open_findings_<yyyymmdd>.xlsx``: the same rows, plus a sheet with the weekly trend of
  the store's findings per audit rule (recurring rules marked);
- ``<store>_open_findings_<yyyymmdd>.html``: a printable page (A4 landscape) with both.

It reads the published serving snapshot (what the dashboards show; ``source="serving"``) or the
warehouse (``source="warehouse"``); ``"auto"`` takes the snapshot when one is published. Files only:
mailing or printing them is the scheduler's job. :func:`write_all_store_reports` writes every
store's files into one folder per day (the Dagster asset ``reports/store_reports`` on its schedule).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from retailwh import settings

Source = Literal["auto", "serving", "warehouse"]

AUDIT_LABELS = {
    "stock_ledger": "Stock ledger",
    "transfers": "Transfers",
    "purchasing": "Purchasing",
    "sales": "Sales",
    "loyalty": "Loyalty",
    "stocktakes": "Stocktakes",
    "master_data": "Master data",
    "freshness": "Data freshness",
    "cross_store": "Compared with other stores",
    "warehouse_integrity": "Warehouse integrity",
}

# (column in the query, header in the files)
FINDING_COLUMNS = [
    ("severity", "Severity"),
    ("audit_label", "Audit"),
    ("rule_label", "Finding"),
    ("product_name", "Product"),
    ("gtin", "GTIN"),
    ("document_type", "Document type"),
    ("document_id", "Document"),
    ("business_date", "Business date"),
    ("expected", "Expected"),
    ("actual", "Actual"),
    ("difference", "Difference"),
    ("amount_cost", "Amount"),
    ("message", "What to do"),
    ("first_seen_at", "First seen"),
    ("weeks_with_findings", "Weeks with this finding"),
    ("finding_id", "Finding id"),
]
TREND_COLUMNS = [
    ("business_week", "Week"),
    ("audit_label", "Audit"),
    ("rule_label", "Finding"),
    ("findings_count", "Findings"),
    ("open_count", "Still open"),
    ("is_recurring", "Recurring"),
]


@dataclass(frozen=True)
class StoreReport:
    store_id: str
    store_name: str
    generated_at: datetime
    source: str  # what was read, for the report's footer
    findings: pd.DataFrame  # FINDING_COLUMNS
    trend: pd.DataFrame  # TREND_COLUMNS

    @property
    def file_stem(self) -> str:
        return f"{self.store_id}_open_findings_{self.generated_at:%Y%m%d}"


def report_database(source: Source, warehouse: Path | str | None) -> tuple[Path, str, str]:
    """(DuckDB file, schema of the audit tables, schema of the marts) to read."""
    from retailwh.serving import current_snapshot

    if source in ("auto", "serving"):
        snapshot = current_snapshot()
        if snapshot is not None:
            return snapshot.path, "main", "main"
        if source == "serving":
            raise FileNotFoundError("no serving snapshot is published yet")
    path = Path(warehouse or settings.warehouse_path())
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}")
    return path, "audits", "marts"


def _labels(frame: pd.DataFrame) -> pd.DataFrame:
    frame["audit_label"] = frame["audit"].map(AUDIT_LABELS).fillna(frame["audit"])
    frame["rule_label"] = frame["rule"].str.replace("_", " ").str.capitalize()
    return frame


def load_store_report(
    store_id: str,
    source: Source = "auto",
    warehouse: Path | str | None = None,
    now: datetime | None = None,
) -> StoreReport:
    """The store's open findings (blocking first, then by audit and amount) and its trend."""
    path, audits, marts = report_database(source, warehouse)
    con = duckdb.connect(str(path), read_only=True)
    try:
        store = con.execute(
            f"select store_id, store_name from {marts}.dim_stores where store_id = ?", [store_id]
        ).fetchone()
        if store is None:
            raise KeyError(f"store {store_id!r} is not in dim_stores of {path}")
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [audits],
            ).fetchall()
        }
        has_trend = "rpt_audit_store_trend" in tables
        recurring = (
            f"""left join (
                    select audit, rule, max(weeks_with_findings) as weeks_with_findings
                    from {audits}.rpt_audit_store_trend
                    where store_id = $store_id
                    group by audit, rule
                ) as trend on f.audit = trend.audit and f.rule = trend.rule"""
            if has_trend
            else ""
        )
        findings = con.execute(
            f"""
            select
                f.severity, f.audit, f.rule, p.product_name, f.gtin, f.document_type,
                f.document_id, f.business_date, f.expected, f.actual, f.difference,
                f.amount_cost, f.message, f.first_seen_at,
                {"trend.weeks_with_findings" if has_trend else "null"} as weeks_with_findings,
                f.finding_id
            from {audits}.fct_audit_findings as f
            left join {marts}.dim_products as p on f.product_id = p.product_id
            {recurring}
            where f.store_id = $store_id and f.status = 'open'
            order by
                case when f.severity = 'error' then 0 else 1 end, f.audit, f.rule,
                abs(f.amount_cost) desc nulls last, f.business_date, f.document_id
            """,
            {"store_id": store_id},
        ).df()
        trend = (
            con.execute(
                f"""
                select business_week, audit, rule, findings_count, open_count, is_recurring
                from {audits}.rpt_audit_store_trend
                where store_id = ?
                order by business_week desc, audit, rule
                """,
                [store_id],
            ).df()
            if has_trend
            else pd.DataFrame(columns=["business_week", "audit", "rule", "findings_count"])
        )
    finally:
        con.close()
    findings = _labels(findings)[[c for c, _ in FINDING_COLUMNS]]
    if trend.empty:
        trend = pd.DataFrame(columns=[c for c, _ in TREND_COLUMNS])
    else:
        trend = _labels(trend)[[c for c, _ in TREND_COLUMNS]]
    return StoreReport(
        store_id=store[0],
        store_name=store[1] or store[0],
        generated_at=now or datetime.now(UTC),
        source=f"{path} ({'serving snapshot' if audits == 'main' else 'warehouse'})",
        findings=findings,
        trend=trend,
    )


def _with_headers(frame: pd.DataFrame, columns: list[tuple[str, str]]) -> pd.DataFrame:
    return frame.rename(columns=dict(columns))


def write_csv(report: StoreReport, path: Path) -> Path:
    _with_headers(report.findings, FINDING_COLUMNS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_excel(report: StoreReport, path: Path) -> Path:
    findings = _with_headers(report.findings, FINDING_COLUMNS)
    trend = _with_headers(report.trend, TREND_COLUMNS)
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        findings.to_excel(writer, sheet_name="Open findings", index=False, startrow=2)
        trend.to_excel(writer, sheet_name="Trend", index=False)
        sheet = writer.sheets["Open findings"]
        sheet.write(
            0,
            0,
            f"{report.store_name} ({report.store_id}): {len(findings)} open findings, "
            f"{report.generated_at:%Y-%m-%d %H:%M} UTC",
        )
        sheet.freeze_panes(3, 0)
        widths = {"What to do": 80, "Product": 28, "Document": 24, "Finding": 26}
        for i, name in enumerate(findings.columns):
            sheet.set_column(i, i, widths.get(name, 14))
        writer.sheets["Trend"].set_column(0, len(trend.columns) - 1, 18)
    return path


def cell_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _html_table(frame: pd.DataFrame, columns: list[tuple[str, str]], css: str) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(cell_text(v))}</td>" for v in record)
        severity = getattr(record, "severity", "")
        rows.append(f'<tr class="{html.escape(str(severity))}">{cells}</tr>')
    body = "".join(rows) or f'<tr><td colspan="{len(columns)}">None.</td></tr>'
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


HTML_STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: system-ui, sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
h2 { font-size: 12pt; margin: 14pt 0 4pt; }
p.meta { color: #555; margin: 0 0 8pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #eee; }
tr.error td { background: #fde2e2; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
table.summary { width: auto; }
"""


def write_html(report: StoreReport, path: Path) -> Path:
    findings = report.findings
    summary = (
        findings.groupby(["audit_label", "rule_label"]).size().reset_index(name="open")
        if not findings.empty
        else pd.DataFrame(columns=["audit_label", "rule_label", "open"])
    )
    shown = [c for c in FINDING_COLUMNS if c[0] != "finding_id"]
    summary_columns = [("audit_label", "Audit"), ("rule_label", "Finding"), ("open", "Open")]
    title = f"{report.store_name} ({report.store_id}): open audit findings"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{HTML_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="meta">{len(findings)} open findings, generated {report.generated_at:%Y-%m-%d %H:%M} UTC
from {html.escape(report.source)}. Blocking findings (severity error) come first.</p>
<h2>Summary</h2>
{_html_table(summary, summary_columns, "summary")}
<h2>Open findings</h2>
{_html_table(findings[[c for c, _ in shown]], shown, "findings")}
<h2>Trend per week (recurring findings point at a process to fix)</h2>
{_html_table(report.trend, TREND_COLUMNS, "trend")}
</body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path


def write_store_report(
    store_id: str,
    out_dir: Path,
    source: Source = "auto",
    warehouse: Path | str | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Write the store's CSV, Excel and HTML report into ``out_dir``; return the three paths."""
    report = load_store_report(store_id, source=source, warehouse=warehouse, now=now)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / report.file_stem
    return [
        write_csv(report, stem.with_suffix(".csv")),
        write_excel(report, stem.with_suffix(".xlsx")),
        write_html(report, stem.with_suffix(".html")),
    ]


def store_reports_dir(day: datetime | None = None) -> Path:
    """``<data>/reports/stores/<yyyy-mm-dd>/``: one folder per day the reports were written."""
    day = day or datetime.now(UTC)
    return settings.data_dir() / "reports" / "stores" / f"{day:%Y-%m-%d}"


def write_all_store_reports(
    out_dir: Path | None = None,
    source: Source = "auto",
    warehouse: Path | str | None = None,
    now: datetime | None = None,
) -> dict[str, list[Path]]:
    """Every store's report (stores of dim_stores, with or without findings): {store: files}."""
    now = now or datetime.now(UTC)
    path, _, marts = report_database(source, warehouse)
    con = duckdb.connect(str(path), read_only=True)
    try:
        store_ids = [
            row[0]
            for row in con.execute(f"select store_id from {marts}.dim_stores order by 1").fetchall()
        ]
    finally:
        con.close()
    folder = Path(out_dir) if out_dir is not None else store_reports_dir(now)
    return {
        store_id: write_store_report(store_id, folder, source=source, warehouse=warehouse, now=now)
        for store_id in store_ids
    }

"""retailwh store-report: a store's open findings as CSV, Excel and printable HTML."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from retailwh.cli import main
from retailwh.store_report import load_store_report, write_store_report

NOW = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def _small_warehouse(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema audits")
        con.execute(
            "create table marts.dim_stores as select * from (values "
            "('S1', 'Berlin Mitte'), ('S2', 'Hamburg')) t(store_id, store_name)"
        )
        con.execute(
            "create table marts.dim_products as select * from (values "
            "('P1', 'Milk 1L')) t(product_id, product_name)"
        )
        con.execute(
            """
            create table audits.fct_audit_findings as select * from (values
              ('f1', 'transfers', 'transfer_in_missing', 'warning', 'S1', 'P1', 'G1', 'transfer',
               'TR-1', date '2026-10-20', 5.0, 0.0, -5.0, -2.5,
               'Berlin Mitte: book <the transfer> in', 'open', timestamp '2026-10-21 05:00:00'),
              ('f2', 'warehouse_integrity', 'ledger_out_of_balance', 'error', 'S1', null, 'G2',
               'stock_on_hand_intervals', 'current', null, 1.0, 2.0, 1.0, null,
               'Warehouse: rebuild', 'open', timestamp '2026-10-22 05:00:00'),
              ('f3', 'sales', 'receipt_total_differs', 'warning', 'S1', null, null, 'receipt',
               'R1', date '2026-10-01', 10.0, 12.0, 2.0, 2.0, 'closed one', 'closed',
               timestamp '2026-10-02 05:00:00'),
              ('f4', 'sales', 'receipt_total_differs', 'warning', 'S2', null, null, 'receipt',
               'R2', date '2026-10-01', 10.0, 12.0, 2.0, 2.0, 'other store', 'open',
               timestamp '2026-10-02 05:00:00')
            ) t(finding_id, audit, rule, severity, store_id, product_id, gtin, document_type,
                document_id, business_date, expected, actual, difference, amount_cost, message,
                status, first_seen_at)
            """
        )
        con.execute(
            """
            create table audits.rpt_audit_store_trend as select * from (values
              ('S1', 'transfers', 'transfer_in_missing', date '2026-10-19', 1, 1, 3, true),
              ('S1', 'transfers', 'transfer_in_missing', date '2026-10-12', 2, 0, 3, true)
            ) t(store_id, audit, rule, business_week, findings_count, open_count,
                weeks_with_findings, is_recurring)
            """
        )
    return path


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(tmp_path / "data"))
    return _small_warehouse(tmp_path / "data" / "warehouse" / "warehouse.duckdb")


def test_report_holds_the_stores_open_findings_blocking_first(warehouse: Path) -> None:
    report = load_store_report("S1", source="warehouse", now=NOW)
    assert report.store_name == "Berlin Mitte"
    assert list(report.findings["finding_id"]) == ["f2", "f1"]
    first = report.findings.iloc[1]
    assert (first["audit_label"], first["rule_label"], first["product_name"]) == (
        "Transfers",
        "Transfer in missing",
        "Milk 1L",
    )
    assert first["weeks_with_findings"] == 3
    assert len(report.trend) == 2


def test_report_files_csv_excel_html(warehouse: Path, tmp_path: Path) -> None:
    paths = write_store_report("S1", tmp_path / "out", source="warehouse", now=NOW)
    assert [p.name for p in paths] == [
        "S1_open_findings_20261102.csv",
        "S1_open_findings_20261102.xlsx",
        "S1_open_findings_20261102.html",
    ]
    with paths[0].open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["Document"] for r in rows] == ["current", "TR-1"]
    assert rows[1]["What to do"] == "Berlin Mitte: book <the transfer> in"
    book = CalamineWorkbook.from_path(str(paths[1]))
    assert book.sheet_names == ["Open findings", "Trend"]
    sheet = book.get_sheet_by_name("Open findings").to_python()
    assert "Berlin Mitte (S1): 2 open findings" in sheet[0][0]
    assert sheet[3][0] == "error"
    page = paths[2].read_text(encoding="utf-8")
    assert "book &lt;the transfer&gt; in" in page and "<the transfer>" not in page
    assert "@page" in page and "Trend per week" in page


def test_unknown_store_and_command_line(warehouse: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(KeyError):
        load_store_report("S9", source="warehouse")
    code = main(
        ["store-report", "--store", "S2", "--out", str(tmp_path / "r"), "--source", "warehouse"]
    )
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 3 and all(Path(p).exists() for p in printed)


@pytest.mark.e2e
def test_store_report_from_the_published_snapshot_of_the_ci_chain(ci_chain, tmp_path) -> None:
    with duckdb.connect(str(ci_chain.serving_file), read_only=True) as con:
        store, open_findings = con.execute(
            "select store_id, count(*) from fct_audit_findings where status = 'open' "
            "and store_id is not null group by store_id order by count(*) desc, store_id limit 1"
        ).fetchone()
    paths = write_store_report(store, tmp_path, source="serving")
    with paths[0].open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == open_findings
    assert all(p.stat().st_size > 0 for p in paths)

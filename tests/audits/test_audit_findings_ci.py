"""What the audits publish on the shared `ci` chain: the history tables, no personal data."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

pytestmark = pytest.mark.e2e

AUDITS = {
    "stock_ledger",
    "transfers",
    "purchasing",
    "sales",
    "loyalty",
    "stocktakes",
    "master_data",
    "freshness",
    "cross_store",
    "warehouse_integrity",
}


def test_every_audit_has_a_run_that_counts_its_open_findings(ci_chain) -> None:
    with duckdb.connect(str(ci_chain.serving_file), read_only=True) as con:
        latest = dict(
            con.execute(
                "select audit, findings_count from fct_audit_runs qualify row_number() "
                "over (partition by audit order by run_at desc, run_id desc) = 1"
            ).fetchall()
        )
        open_findings = dict(
            con.execute(
                "select audit, count(*) from fct_audit_findings "
                "where status = 'open' group by audit"
            ).fetchall()
        )
        trend_rows = con.execute("select count(*) from rpt_audit_store_trend").fetchone()[0]
    assert set(latest) == AUDITS
    assert {a: n for a, n in latest.items() if n} == open_findings
    assert trend_rows > 0


def _cards(database, sql: str) -> set[str]:
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {card for (card,) in con.execute(sql) if card}
    finally:
        con.close()


def test_findings_carry_no_loyalty_card_numbers(ci_chain) -> None:
    cards = _cards(ci_chain.sources_dir / "crm" / "crm.sqlite", "select loyalty_card from contacts")
    for store_db in (ci_chain.sources_dir / "stores").glob("*.sqlite"):
        cards |= _cards(store_db, "select loyalty_card from receipts")
    with duckdb.connect(str(ci_chain.serving_file), read_only=True) as con:
        texts = con.execute(
            "select coalesce(message, '') || ' ' || coalesce(document_id, '') "
            "from fct_audit_findings"
        ).fetchall()
    assert len(cards) > 100
    leaked = [text for (text,) in texts if any(card in text for card in cards)]
    assert leaked == []

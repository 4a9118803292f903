"""Every file fault the simulator injects into the ci chain is handled at ingestion as the fault
table in simulator/README.md says: quarantined with its reason, recognised as a duplicate, or landed
for the audits. Nothing disappears."""

from __future__ import annotations

import re
import sqlite3

import duckdb
import pytest

pytestmark = pytest.mark.e2e

# fault kind -> the reason ingestion gives in quarantine (None: the whole file, else a row)
QUARANTINE_REASONS = {
    "file_truncated": ("truncated", False),
    "row_bad_encoding": ("undecodable as gbk", True),
    "row_bad_date": ("is not a dd/mm/yyyy date", True),
    "row_non_numeric_qty": ("is not a number", True),
    "column_missing": ("missing required columns: expected_date", False),
    "excel_two_header_rows": ("two header rows", False),
}


def _quarantine(chain) -> list[tuple]:
    pattern = str(chain.landing_dir / "_quarantine" / "*" / "*" / "*" / "*.parquet")
    with duckdb.connect() as con:
        return con.execute(
            "select source_file, line_no, reason from read_parquet(?, union_by_name = true)",
            [pattern],
        ).fetchall()


def _file_status(chain) -> dict[str, str]:
    with sqlite3.connect(chain.landing_dir / "_manifest.sqlite") as con:
        return dict(con.execute("select file_name, status from files").fetchall())


@pytest.mark.parametrize("kind", sorted(QUARANTINE_REASONS))
def test_contract_breaking_faults_are_quarantined_with_their_reason(ci_chain, kind):
    reason, is_row = QUARANTINE_REASONS[kind]
    faults = [f for f in ci_chain.faults() if f["kind"] == kind]
    assert faults, f"the ci chain injects {kind}"
    quarantined = _quarantine(ci_chain)
    for fault in faults:
        rows = [(line, why) for file, line, why in quarantined if file == fault["document_id"]]
        assert any(reason in why for _, why in rows), (fault, rows)
        if is_row:
            line = int(re.search(r"line (\d+)", fault["detail"]).group(1))
            assert [ln for ln, why in rows if reason in why] == [line]
            # the file's good rows still landed
            assert _file_status(ci_chain)[fault["document_id"]] == "loaded"
        else:
            assert _file_status(ci_chain)[fault["document_id"]] == "quarantined"


def test_a_file_delivered_twice_is_recorded_once_as_duplicate(ci_chain):
    faults = [f for f in ci_chain.faults() if f["kind"] == "file_duplicate"]
    assert faults
    status = _file_status(ci_chain)
    for fault in faults:
        original = fault["detail"].removeprefix("same content as ").strip()
        pair = sorted([status[fault["document_id"]], status[original]])
        assert pair == ["duplicate", "loaded"]


def test_a_file_with_an_unexpected_column_lands_for_the_audits(ci_chain):
    faults = [f for f in ci_chain.faults() if f["kind"] == "column_unexpected"]
    assert faults
    pattern = str(ci_chain.landing_dir / "supplier" / "asn" / "*" / "*.parquet")
    with duckdb.connect() as con:
        for fault in faults:
            landed = con.execute(
                "select count(*) from read_parquet(?, union_by_name = true) where _source_file = ?",
                [pattern, fault["document_id"]],
            ).fetchone()[0]
            assert landed > 0

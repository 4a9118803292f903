"""retailwh.audit_score on small hand-made faults and findings (no chain needed)."""

from __future__ import annotations

import json

import duckdb
import pytest

from retailwh.audit_score import KIND_RULES, SourceFacts, masking_fault, score
from retailwh.cli import main


def _fault(kind, store="S1", product="P1", doc="R1", doc_type="receipt", detail=""):
    return {
        "kind": kind,
        "store_id": store,
        "product_id": product,
        "document_type": doc_type,
        "document_id": doc,
        "detail": detail,
    }


def _finding(audit, rule, store="S1", product=None, doc="R1", doc_type="receipt"):
    return {
        "audit": audit,
        "rule": rule,
        "store_id": store,
        "product_id": product,
        "document_type": doc_type,
        "document_id": doc,
    }


def test_a_fault_matches_on_store_document_and_product_where_both_name_one() -> None:
    faults = [
        _fault("receipt_total_mismatch", doc="R1"),
        _fault("receipt_total_mismatch", doc="R2"),
        _fault("receipt_total_mismatch", store="S2", doc="R3"),
    ]
    findings = [
        _finding("sales", "receipt_total_differs", doc="R1"),  # no product: store + document
        _finding("sales", "receipt_total_differs", doc="R9"),  # no such fault
        _finding("sales", "receipt_total_differs", store="S1", doc="R3"),  # wrong store
    ]
    kind = score(faults, findings).kinds["receipt_total_mismatch"]
    assert (kind.faults, kind.findings, kind.faults_found, kind.findings_matched) == (3, 3, 1, 1)
    assert kind.recall == pytest.approx(1 / 3)
    assert kind.precision == pytest.approx(1 / 3)


def test_a_product_named_on_both_sides_must_agree() -> None:
    faults = [_fault("invalid_gtin", product="P1")]
    wrong = score(faults, [_finding("master_data", "invalid_gtin", product="P2")])
    right = score(faults, [_finding("master_data", "invalid_gtin", product="P1")])
    assert wrong.kinds["invalid_gtin"].recall == 0
    assert right.kinds["invalid_gtin"].recall == right.kinds["invalid_gtin"].precision == 1


def test_a_fault_without_product_matches_store_and_day() -> None:
    faults = [_fault("store_silent", product=None, doc="2026-10-30", doc_type="business_day")]
    findings = [
        _finding("freshness", "store_silent", doc="2026-10-30", doc_type="business_day"),
        _finding("freshness", "store_silent", doc="2026-10-31", doc_type="business_day"),
    ]
    kind = score(faults, findings).kinds["store_silent"]
    assert (kind.recall, kind.precision) == (1.0, 0.5)


def test_findings_of_another_rule_do_not_count_and_unmapped_rules_are_listed() -> None:
    faults = [_fault("sale_without_movement")]
    findings = [
        _finding("sales", "sale_qty_differs", product="P1"),
        _finding("sales", "sales_in_quarantine", doc="S3_20261001_sales.csv", doc_type="file"),
    ]
    result = score(faults, findings)
    assert result.kinds["sale_without_movement"].findings == 0
    assert result.kinds["sale_without_movement"].recall == 0
    assert result.unscored == {
        ("sales", "sale_qty_differs"): 1,
        ("sales", "sales_in_quarantine"): 1,
    }


def test_kinds_without_faults_or_findings_are_perfect_and_json_has_the_documented_keys() -> None:
    result = score([], [])
    assert set(result.as_json()) == set(KIND_RULES)
    for values in result.as_json().values():
        assert values == {"faults": 0, "findings": 0, "recall": 1.0, "precision": 1.0, "masked": 0}


def test_faults_whose_evidence_another_fault_removed_are_masked_not_missed() -> None:
    silent = [
        _fault("store_silent", store="S9", product=None, doc=day, doc_type="business_day")
        for day in ("2026-10-29", "2026-10-30")
    ]
    partial = _fault("store_partial_receipts", store="S1", product=None, doc="2026-10-20")
    transfer = _fault(
        "transfer_missing_in",
        store="S2",
        doc="TR-000001",
        doc_type="transfer",
        detail="transfer TR-000001 sent by S9 on 2026-10-29 arrived but no transfer_in was booked",
    )
    receipt = _fault("sale_without_movement", store="S1", doc="S1-20261020-00017")
    stocktake = _fault(
        "stocktake_shrinkage_excess", store="S9", doc="ST-S9-20261030", doc_type="stocktake"
    )
    other_day = _fault("sale_without_movement", store="S1", doc="S1-20261021-00017")
    faults = [*silent, partial, transfer, receipt, stocktake, other_day]
    assert "S9 2026-10-29 (the sender)" in masking_fault(transfer, faults)
    assert masking_fault(receipt, faults).startswith("store_partial_receipts")
    assert masking_fault(stocktake, faults).startswith("store_silent")
    assert masking_fault(other_day, faults) is None
    kind = score(faults, []).kinds["sale_without_movement"]
    assert (kind.faults, kind.masked, kind.recall) == (2, 1, 0.0)


def test_audit_score_command_prints_json_per_kind(tmp_path, capsys, monkeypatch) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema audits")
        con.execute(
            "create table audits.fct_audit_findings as select * from (values "
            "('stock_ledger', 'reported_on_hand_differs', 'S1', 'P1', 'stock_on_hand', "
            "'stock_on_hand', 'open'), "
            "('stock_ledger', 'reported_on_hand_differs', 'S1', 'P2', 'stock_on_hand', "
            "'stock_on_hand', 'closed')) "
            "t(audit, rule, store_id, product_id, document_type, document_id, status)"
        )
    faults = tmp_path / "faults.jsonl"
    fault = _fault("onhand_mismatch", doc="stock_on_hand", doc_type="stock_on_hand")
    faults.write_text(json.dumps(fault) + "\n", encoding="utf-8")
    code = main(["audit-score", "--json", "--warehouse", str(warehouse), "--faults", str(faults)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["onhand_mismatch"] == {
        "faults": 1,
        "findings": 1,  # the closed finding is not among the latest findings
        "recall": 1.0,
        "precision": 1.0,
        "masked": 0,
    }
    main(["audit-score", "--warehouse", str(warehouse), "--faults", str(faults)])
    assert "onhand_mismatch" in capsys.readouterr().out


def test_a_kind_whose_only_fault_is_masked_scores_perfect() -> None:
    faults = [
        _fault("store_partial_receipts", product=None, doc="2026-10-27", doc_type="business_day"),
        _fault("crm_members_merged", doc="S1-20261027-00035"),
    ]
    kind = score(faults, []).kinds["crm_members_merged"]
    assert (kind.masked, kind.recall, kind.precision) == (1, 1.0, 1.0)


def test_a_transfer_fault_whose_sender_was_silent_is_masked_by_the_booked_in_day() -> None:
    silent = [_fault("store_silent", store="S3", product=None, doc="2026-10-30", doc_type="x")]
    fault = _fault("transfer_qty_mismatch", store="S1", doc="TR-9", doc_type="transfer")
    facts = SourceFacts(transfer_arrivals={("S1", "TR-9"): ("S3", "2026-10-30")})
    assert masking_fault(fault, [*silent, fault]) is None
    assert "S3 2026-10-30 (the sender)" in masking_fault(fault, [*silent, fault], facts)
    kind = score([*silent, fault], [], facts=facts).kinds["transfer_qty_mismatch"]
    assert (kind.masked, kind.recall, kind.precision) == (1, 1.0, 1.0)

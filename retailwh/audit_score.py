"""How well the audits find the simulator's faults: recall and precision per fault kind.

The simulator records every fault it injects in ``ground_truth/faults.jsonl`` (kind, store,
product, document). The audits never read that file; this module compares it with the latest
findings (``fct_audit_findings`` rows with status ``open``) after the fact:

- each fault kind that the audits must find (the simulator README's "where it surfaces" table; the
  kinds ingestion quarantines are ingestion's, not the audits') maps to the audit rules that should
  raise it (:data:`KIND_RULES`). The mapping lives here, not in the audits;
- a fault matches a finding of one of its rules on what the fault names: the store, the document
  (type is implied by the rule) and the product, each only where both sides name one (a fault
  without a product, or a receipt-level finding without one, matches on store and document);
- recall = faults matched / faults, precision = findings matched / findings of the kind's rules.
  A kind with neither faults nor findings scores 1.0; findings of rules no kind maps to are
  counted as unscored;
- a fault that no finding matches and whose evidence another recorded fault removed from the
  sources is *masked*, not missed, and left out of recall (counted separately): a fault dated in
  the silent days of its store (``store_silent``; the date from the document id), a transfer fault
  whose sender was silent when it sent (the day named in the detail, else the day the receiver
  booked the transfer in, looked up in the warehouse's movements), or a receipt fault on a day
  the store sent only part of its receipts (``store_partial_receipts``: the receipt may be one it
  never sent). The simulator should keep such faults apart; until it does, this keeps the score
  about the audits.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from retailwh import settings

# fault kind -> the (audit, rule) findings that should report it
KIND_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "onhand_mismatch": (("stock_ledger", "reported_on_hand_differs"),),
    "transfer_missing_in": (("transfers", "transfer_in_missing"),),
    "transfer_qty_mismatch": (("transfers", "transfer_qty_differs"),),
    "goods_receipt_duplicated": (("purchasing", "goods_receipt_duplicated"),),
    "asn_qty_mismatch": (("purchasing", "asn_qty_differs"),),
    "late_delivery": (("purchasing", "delivery_late"),),
    "receipt_total_mismatch": (("sales", "receipt_total_differs"),),
    "sale_without_movement": (("sales", "sale_without_movement"),),
    "source_row_deleted": (("sales", "movement_without_receipt"),),
    "store_partial_receipts": (
        ("sales", "receipts_missing_for_day"),
        ("freshness", "receipt_volume_drop"),
    ),
    "unknown_loyalty_card": (("loyalty", "unknown_loyalty_card"),),
    "crm_members_merged": (("loyalty", "card_of_merged_member"),),
    "shelf_price_mismatch": (("master_data", "shelf_price_differs"),),
    "invalid_gtin": (("master_data", "invalid_gtin"),),
    "stocktake_shrinkage_excess": (("stocktakes", "shrinkage_beyond_tolerance"),),
    "store_silent": (("freshness", "store_silent"),),
}

FINDING_COLUMNS = ("audit", "rule", "store_id", "product_id", "document_type", "document_id")


@dataclass(frozen=True)
class KindScore:
    kind: str
    rules: tuple[tuple[str, str], ...]
    faults: int
    findings: int
    faults_found: int
    findings_matched: int
    masked: int = 0  # faults not found whose evidence another fault removed (see module doc)

    @property
    def recall(self) -> float:
        findable = self.faults - self.masked
        if findable == 0:
            # nothing to find: perfect unless there are findings and no fault at all
            return 1.0 if self.findings == 0 or self.faults else 0.0
        return self.faults_found / findable

    @property
    def precision(self) -> float:
        if self.findings == 0:
            return 1.0 if self.faults == self.masked else 0.0
        return self.findings_matched / self.findings

    def as_json(self) -> dict[str, float | int]:
        return {
            "faults": self.faults,
            "findings": self.findings,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "masked": self.masked,
        }


@dataclass(frozen=True)
class Score:
    kinds: dict[str, KindScore]
    unscored: dict[tuple[str, str], int]  # (audit, rule) no kind maps to -> findings

    def as_json(self) -> dict[str, dict[str, float | int]]:
        return {kind: s.as_json() for kind, s in self.kinds.items()}


def faults_path() -> Path:
    """``ground_truth/faults.jsonl`` beside the chain's ``sources.yml``."""
    return settings.sources_config_path().parent / "ground_truth" / "faults.jsonl"


def load_faults(path: Path) -> list[dict]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_findings(database: Path, schema: str = "audits") -> list[dict]:
    """The latest (open) findings of a warehouse (schema ``audits``) or snapshot (``main``)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            f"select {', '.join(FINDING_COLUMNS)} from {schema}.fct_audit_findings "
            "where status = 'open'"
        ).fetchall()
    finally:
        con.close()
    return [dict(zip(FINDING_COLUMNS, row, strict=True)) for row in rows]


@dataclass(frozen=True)
class SourceFacts:
    """What the scoring looks up in the warehouse to tell a masked fault from a missed one."""

    # (receiving store, transfer id) -> (sending store, ISO date it was booked in)
    transfer_arrivals: Mapping[tuple[str, str], tuple[str, str]]


def load_source_facts(database: Path, schema: str = "marts") -> SourceFacts:
    """Facts from a warehouse (schema ``marts``) or snapshot (``main``); none without movements."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        (present,) = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = 'fct_stock_movements'",
            [schema],
        ).fetchone()
        if not present:
            return SourceFacts(transfer_arrivals={})
        rows = con.execute(
            "select store_id, document_id, min(counterparty_store_id), "
            "cast(min(business_date) as varchar) "
            f"from {schema}.fct_stock_movements where movement_type = 'transfer_in' "
            "group by store_id, document_id"
        ).fetchall()
    finally:
        con.close()
    return SourceFacts(transfer_arrivals={(r[0], r[1]): (r[2], r[3]) for r in rows})


def _matches(fault: Mapping, finding: Mapping) -> bool:
    """Same store (when the fault names one); same document and product where both name one."""
    if fault.get("store_id") is not None and fault["store_id"] != finding.get("store_id"):
        return False
    for field in ("document_id", "product_id"):
        want, have = fault.get(field), finding.get(field)
        if want is not None and have is not None and str(want) != str(have):
            return False
    return True


_DATE_IN_ID = re.compile(r"(?<!\d)(20\d{2})-?(\d{2})-?(\d{2})(?!\d)")
_SENT_BY = re.compile(r"sent by (\S+) on (\d{4}-\d{2}-\d{2})")


def _document_date(document_id: str | None) -> str | None:
    """The ISO date a document id carries (receipt, stocktake, daily file, business day)."""
    hit = _DATE_IN_ID.search(document_id or "")
    return f"{hit[1]}-{hit[2]}-{hit[3]}" if hit else None


def masking_fault(
    fault: Mapping, faults: Sequence[Mapping], facts: SourceFacts | None = None
) -> str | None:
    """Why another recorded fault removed this fault's evidence from the sources, or None."""
    silent = {(f["store_id"], f["document_id"]) for f in faults if f["kind"] == "store_silent"}
    partial = {
        (f["store_id"], f["document_id"]) for f in faults if f["kind"] == "store_partial_receipts"
    }
    if fault["kind"] in ("store_silent", "store_partial_receipts"):
        return None
    day = _document_date(fault.get("document_id"))
    if (fault.get("store_id"), day) in silent:
        return f"store_silent {fault['store_id']} {day}"
    sent = _SENT_BY.search(fault.get("detail") or "")
    if sent and (sent[1], sent[2]) in silent:
        return f"store_silent {sent[1]} {sent[2]} (the sender)"
    if fault.get("document_type") == "transfer" and facts is not None:
        arrival = facts.transfer_arrivals.get((fault.get("store_id"), fault.get("document_id")))
        # silent days run to the period end: silent on the day it arrived = silent when it left
        if arrival and arrival in silent:
            return f"store_silent {arrival[0]} {arrival[1]} (the sender)"
    if fault.get("document_type") == "receipt" and (fault.get("store_id"), day) in partial:
        return f"store_partial_receipts {fault['store_id']} {day}"
    return None


def score(
    faults: Iterable[Mapping],
    findings: Iterable[Mapping],
    kind_rules: Mapping[str, Sequence[tuple[str, str]]] = KIND_RULES,
    facts: SourceFacts | None = None,
) -> Score:
    """Recall and precision per fault kind (see the module docstring)."""
    by_rule: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for finding in findings:
        by_rule[(finding["audit"], finding["rule"])].append(finding)
    all_faults = list(faults)
    faults_by_kind: dict[str, list[Mapping]] = defaultdict(list)
    for fault in all_faults:
        faults_by_kind[fault["kind"]].append(fault)

    kinds = {}
    for kind, rules in kind_rules.items():
        candidates = [f for rule in rules for f in by_rule.get(tuple(rule), [])]
        # index the findings by store so that each fault only looks at its store's findings
        by_store: dict[str | None, list[int]] = defaultdict(list)
        for i, finding in enumerate(candidates):
            by_store[finding.get("store_id")].append(i)
        matched_findings: set[int] = set()
        found = masked = 0
        for fault in faults_by_kind.get(kind, []):
            if fault.get("store_id"):
                pool: Iterable[int] = by_store.get(fault["store_id"], [])
            else:
                pool = range(len(candidates))
            hits = [i for i in pool if _matches(fault, candidates[i])]
            found += bool(hits)
            masked += not hits and masking_fault(fault, all_faults, facts) is not None
            matched_findings.update(hits)
        kinds[kind] = KindScore(
            kind=kind,
            rules=tuple(tuple(r) for r in rules),
            faults=len(faults_by_kind.get(kind, [])),
            findings=len(candidates),
            faults_found=found,
            findings_matched=len(matched_findings),
            masked=masked,
        )
    mapped = {tuple(rule) for rules in kind_rules.values() for rule in rules}
    unscored = {rule: len(rows) for rule, rows in sorted(by_rule.items()) if rule not in mapped}
    return Score(kinds=kinds, unscored=unscored)


def format_table(result: Score) -> str:
    header = (
        f"{'fault kind':<27} {'faults':>6} {'masked':>6} {'findings':>8} {'recall':>6} "
        f"{'precision':>9}  audit/rule"
    )
    lines = [header, "-" * len(header)]
    for kind, k in result.kinds.items():
        rules = ", ".join(f"{a}/{r}" for a, r in k.rules)
        lines.append(
            f"{kind:<27} {k.faults:>6} {k.masked:>6} {k.findings:>8} {k.recall:>6.3f} "
            f"{k.precision:>9.3f}  {rules}"
        )
    if result.unscored:
        lines.append("")
        lines.append("findings of rules no fault kind maps to (not scored):")
        for (audit, rule), n in result.unscored.items():
            lines.append(f"  {audit}/{rule}: {n}")
    return "\n".join(lines)

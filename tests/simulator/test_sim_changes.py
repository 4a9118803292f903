"""Later changes to the modern stores: deterministic, recorded, and the stores stay consistent."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sim_readback import faults, ground_truth, movement_totals, reported_on_hand, store_kinds

from simulator.changes import apply_later_changes

TABLES = {
    "receipts": "receipt_id",
    "receipt_lines": "receipt_id || '|' || line_no",
    "stock_movements": "movement_id",
    "stock_on_hand": "gtin",
}


def _snapshot(sources: Path) -> dict[tuple[str, str], dict[str, tuple]]:
    """(store, table) -> key -> row, for every modern store."""
    out = {}
    for store_id, kind in store_kinds(sources).items():
        if kind != "modern":
            continue
        with sqlite3.connect(sources / "stores" / f"{store_id}.sqlite") as con:
            for table, key in TABLES.items():
                rows = con.execute(f"select {key}, * from {table}").fetchall()
                out[(store_id, table)] = {r[0]: r[1:] for r in rows}
    return out


@pytest.fixture(scope="module")
def changed(ci_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    before = tmp_path_factory.mktemp("changes") / "before"
    shutil.copytree(ci_sources, before)
    after = before.parent / "after"
    shutil.copytree(ci_sources, after)
    summary = apply_later_changes(after, 42)
    return before, after, summary


def _changes(sources: Path) -> list[dict]:
    text = (sources / "ground_truth" / "changes.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def test_every_kind_of_change_happens(changed: tuple[Path, Path, dict]) -> None:
    _, after, summary = changed
    assert summary["receipt_voided_later"] >= 2
    assert summary["receipt_line_removed"] >= 1
    assert summary["movement_qty_corrected"] >= 2
    assert summary["deleted.receipt_lines"] >= 1 and summary["deleted.stock_movements"] >= 3
    assert len(_changes(after)) == sum(summary.values())


def test_every_difference_is_recorded_and_later(changed: tuple[Path, Path, dict]) -> None:
    before, after, _ = changed
    old, new = _snapshot(before), _snapshot(after)
    changes = _changes(after)
    deleted = {
        (c["store_id"], c["table"], c["key"]) for c in changes if c["change"] == "row_deleted"
    }
    updated = {
        (c["store_id"], c["table"], c["key"])
        for c in changes
        if c["change"] not in ("row_deleted", "consent_withdrawn_later")
    }
    first_sync_max = max(row[-1] for (store, table), rows in old.items() for row in rows.values())
    seen_deleted, seen_updated = set(), set()
    for (store, table), rows in old.items():
        for key, row in rows.items():
            if key not in new[(store, table)]:
                seen_deleted.add((store, table, key))
            elif new[(store, table)][key] != row:
                assert new[(store, table)][key][-1] > first_sync_max  # a later updated_at
                seen_updated.add((store, table, key))
        assert set(new[(store, table)]) <= set(rows)  # nothing new, only changes and deletes
    assert seen_deleted == deleted
    # every recorded update shows; stock_on_hand and the lines of a void follow along
    assert updated <= seen_updated
    extra = {k for k in seen_updated - updated if k[1] not in {"stock_on_hand", "receipt_lines"}}
    assert not extra


def test_stores_stay_consistent_with_their_report_and_the_truth(
    changed: tuple[Path, Path, dict],
) -> None:
    _, after, _ = changed
    touched = {(f["store_id"], f["gtin"]) for f in faults(after) if f["gtin"]}
    silent = {f["store_id"] for f in faults(after) if f["kind"] == "store_silent"}
    moved = {(c["store_id"], c["gtin"]) for c in _changes(after) if c["gtin"]}
    moves, reported, truth = movement_totals(after), reported_on_hand(after), ground_truth(after)
    assert moved and not moved & touched
    for key in truth:
        if key in touched or key[0] in silent:
            continue
        assert moves[key] == reported[key] == truth[key], key
    with sqlite3.connect(after / "stores" / "S001.sqlite") as con:
        voided_moves = con.execute(
            "select count(*) from stock_movements m "
            "join receipts r on r.receipt_id = m.document_id "
            "where r.status = 'voided'"
        ).fetchone()[0]
        off = con.execute(
            "select r.receipt_id from receipts r join (select receipt_id, "
            "round(sum(line_total_gross), 2) t from receipt_lines group by 1) l using (receipt_id) "
            "where abs(r.total_gross - l.t) > 0.001"
        ).fetchall()
    assert voided_moves == 0
    expected_off = {
        f["document_id"] for f in faults(after) if f["kind"] == "receipt_total_mismatch"
    }
    assert {r for (r,) in off} <= expected_off


def test_same_seed_same_changes(changed: tuple[Path, Path, dict], tmp_path: Path) -> None:
    before, after, _ = changed
    again = tmp_path / "again"
    shutil.copytree(before, again)
    apply_later_changes(again, 42)
    assert _changes(again) == _changes(after)
    assert _snapshot(again) == _snapshot(after)
    other = tmp_path / "other"
    shutil.copytree(before, other)
    apply_later_changes(other, 43)
    assert _changes(other) != _changes(after)


def test_later_consent_withdrawals(changed: tuple[Path, Path, dict]) -> None:
    before, after, summary = changed
    assert summary["consent_withdrawn_later"] == 2
    later = [c for c in _changes(after) if c["change"] == "consent_withdrawn_later"]
    with sqlite3.connect(before / "crm" / "crm.sqlite") as con:
        first_max = con.execute("select max(lastmodifieddate) from contacts").fetchone()[0]
    with sqlite3.connect(after / "crm" / "crm.sqlite") as con:
        for c in later:
            consent, modified = con.execute(
                "select marketing_consent, lastmodifieddate from contacts where id = ?",
                (int(c["key"]),),
            ).fetchone()
            assert consent == "false" and modified == c["updated_at"] > first_max
    truth = (after / "ground_truth" / "consent_withdrawals.jsonl").read_text().splitlines()
    assert {json.loads(x)["contact_id"] for x in truth} >= {c["key"] for c in later}

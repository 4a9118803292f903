"""Later changes: what a later sync of an already simulated chain sees in the modern store systems.

``apply_later_changes(sources_dir, seed)`` mutates the store databases under ``sources_dir/stores``
in place, as the store systems would after the first sync:

- ``receipt_voided_later``: a completed receipt is voided a day or more after the sale. Its row and
  its lines get the void's ``updated_at``; its sale/return movements are hard-deleted (a voided
  receipt moves no stock).
- ``receipt_line_removed``: a line is taken off a multi-line receipt (the till's correction):
  the line and its sale movement are hard-deleted, the receipt's ``total_gross`` and
  ``updated_at`` change.
- ``movement_qty_corrected``: a goods receipt keyed one case too many is corrected in place
  (``qty`` and ``updated_at``).
- ``consent_withdrawn_later``: CRM members withdraw their marketing consent (``marketing_consent``
  ``'false'``, a later ``lastmodifieddate``; also appended to ``consent_withdrawals.jsonl``).

Every change keeps the store's reported ``stock_on_hand`` equal to its own movements (the changed
products get the new on-hand and a later ``as_of``/``updated_at``), and ``ground_truth/on_hand.csv``
follows (a corrected record is what really happened). Only stores and products no recorded fault
touched are changed, and never a store that went silent. Each change (and each hard-deleted row)
is one line in ``ground_truth/changes.jsonl``: ``change, store_id, table, key, gtin, qty`` (the
on-hand delta, units), ``updated_at``, ``detail``. Deterministic for a seed.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulator.chain import MILLI
from simulator.formats import fmt_qty

CHANGE_FIELDS = ["change", "store_id", "table", "key", "gtin", "qty", "updated_at", "detail"]
TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f+00:00"  # how the store tables keep UTC timestamps


def _later(end: date, minutes: int) -> str:
    """Two days after the period end (after every first-sync ``updated_at``), spread by minutes."""
    base = datetime.combine(end + timedelta(days=2), time(2), UTC)
    return (base + timedelta(minutes=minutes)).strftime(TS_FORMAT)


def _modern_stores(sources: Path) -> list[str]:
    config = yaml.safe_load((sources / "sources.yml").read_text(encoding="utf-8"))
    return [s["store_id"] for s in config["stores"] if s["kind"] == "modern"]


def _faults(sources: Path) -> list[dict]:
    text = (sources / "ground_truth" / "faults.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def apply_later_changes(sources_dir: Path, seed: int, per_store: int = 2) -> dict[str, Any]:
    """Change the modern stores of the chain in ``sources_dir`` as a later sync would see them.

    ``per_store`` changes of each kind per eligible store. Returns counts per change kind and
    the number of hard-deleted rows per table. Run it once per simulated chain.
    """
    sources = Path(sources_dir)
    faults = _faults(sources)
    touched = {(f["store_id"], f["gtin"]) for f in faults if f["gtin"]}
    faulty_stores = {f["store_id"] for f in faults if f["kind"] == "store_silent"}
    faulty_docs = {f["document_id"] for f in faults if f["document_id"]}
    records: list[dict] = []
    deltas: dict[tuple[str, str], float] = {}
    minute = 0
    end = None
    with sqlite3.connect(sources / "head_office.sqlite") as ho:
        case_pack = pd.read_sql(
            "select gtin, case_pack from products where unit = 'each'", ho
        ).set_index("gtin")["case_pack"]
    for i, store_id in enumerate(_modern_stores(sources)):
        if store_id in faulty_stores:
            continue
        rng = np.random.default_rng([seed, 500, i])
        path = sources / "stores" / f"{store_id}.sqlite"
        con = sqlite3.connect(path)
        try:
            lines = pd.read_sql(
                "select l.receipt_id, l.line_no, l.gtin, l.qty, l.line_total_gross, "
                "r.status, r.business_date from receipt_lines l join receipts r using (receipt_id) "
                "order by l.receipt_id, l.line_no",
                con,
            )
            end = end or date.fromisoformat(
                con.execute("select max(business_date) from receipts").fetchone()[0]
            )
            moves = pd.read_sql(
                "select movement_id, gtin, movement_type, qty, document_id from stock_movements "
                "order by moved_at, movement_id",
                con,
            )
            # the lowest running balance from each movement on: a correction may not go below it
            balance = moves.groupby("gtin")["qty"].cumsum()
            moves["floor"] = balance[::-1].groupby(moves["gtin"][::-1]).cummin()[::-1]
            clean_gtin = ~pd.Series(
                [(store_id, g) in touched for g in lines["gtin"]], index=lines.index
            )
            ok = (
                (lines["status"] == "completed")
                & clean_gtin
                & ~lines["receipt_id"].isin(faulty_docs)
            )
            # receipts all of whose lines are clean, and that have exactly one movement per line
            per_receipt = ok.groupby(lines["receipt_id"]).all()
            n_moves = (
                moves[moves["movement_type"].isin(["sale", "return"])].groupby("document_id").size()
            )
            n_lines = lines.groupby("receipt_id").size()
            good = per_receipt[per_receipt].index
            good = good[
                n_moves.reindex(good).fillna(0).to_numpy() == n_lines.reindex(good).to_numpy()
            ]
            good = np.array(sorted(good))
            picked = rng.choice(len(good), size=min(len(good), 2 * per_store), replace=False)
            voids = sorted(good[picked[:per_store]])
            multi = [r for r in good[picked[per_store:]] if n_lines[r] > 1]
            for rid in voids:
                ts = _later(end, minute)
                minute += 7
                con.execute(
                    "update receipts set status = 'voided', updated_at = ? where receipt_id = ?",
                    (ts, rid),
                )
                con.execute(
                    "update receipt_lines set updated_at = ? where receipt_id = ?", (ts, rid)
                )
                records.append(
                    _rec(
                        "receipt_voided_later",
                        store_id,
                        "receipts",
                        rid,
                        None,
                        None,
                        ts,
                        "completed receipt voided after the first sync",
                    )
                )
                gone = moves[(moves["document_id"] == rid)]
                for m in gone.itertuples():
                    con.execute(
                        "delete from stock_movements where movement_id = ?", (m.movement_id,)
                    )
                    deltas[(store_id, m.gtin)] = deltas.get((store_id, m.gtin), 0.0) - m.qty
                    records.append(
                        _rec(
                            "row_deleted",
                            store_id,
                            "stock_movements",
                            m.movement_id,
                            m.gtin,
                            round(-m.qty, 3),
                            ts,
                            f"{m.movement_type} movement of voided {rid}",
                        )
                    )
            for rid in multi:
                ts = _later(end, minute)
                minute += 7
                mine = lines[lines["receipt_id"] == rid]
                row = mine.iloc[int(rng.integers(len(mine)))]
                con.execute(
                    "delete from receipt_lines where receipt_id = ? and line_no = ?",
                    (rid, int(row.line_no)),
                )
                con.execute(
                    "update receipts set total_gross = round(total_gross - ?, 2), updated_at = ? "
                    "where receipt_id = ?",
                    (float(row.line_total_gross), ts, rid),
                )
                records.append(
                    _rec(
                        "receipt_line_removed",
                        store_id,
                        "receipts",
                        rid,
                        row.gtin,
                        None,
                        ts,
                        f"line {row.line_no} taken off, total_gross lowered by "
                        f"{row.line_total_gross:.2f}",
                    )
                )
                records.append(
                    _rec(
                        "row_deleted",
                        store_id,
                        "receipt_lines",
                        f"{rid}|{row.line_no}",
                        row.gtin,
                        None,
                        ts,
                        f"line {row.line_no} of {rid}",
                    )
                )
                # the line's own movement: same receipt, product and quantity
                m = moves[
                    (moves["document_id"] == rid)
                    & (moves["gtin"] == row.gtin)
                    & (np.isclose(moves["qty"], -row.qty))
                ].iloc[0]
                con.execute("delete from stock_movements where movement_id = ?", (m.movement_id,))
                deltas[(store_id, row.gtin)] = deltas.get((store_id, row.gtin), 0.0) - m.qty
                records.append(
                    _rec(
                        "row_deleted",
                        store_id,
                        "stock_movements",
                        m.movement_id,
                        row.gtin,
                        round(-m.qty, 3),
                        ts,
                        f"sale movement of the line taken off {rid}",
                    )
                )
            receipts_case = moves[
                (moves["movement_type"] == "goods_receipt")
                & moves["gtin"].isin(case_pack.index)
                & (moves["qty"] >= 2 * moves["gtin"].map(case_pack))
                & (moves["floor"] >= moves["gtin"].map(case_pack))
                & ~pd.Series([(store_id, g) in touched for g in moves["gtin"]], index=moves.index)
                & ~moves["document_id"].isin(faulty_docs)
                & ~moves["gtin"].isin([r["gtin"] for r in records if r["store_id"] == store_id])
            ]
            for j in sorted(
                rng.choice(
                    len(receipts_case), size=min(per_store, len(receipts_case)), replace=False
                )
            ):
                m = receipts_case.iloc[int(j)]
                case = float(case_pack[m.gtin])
                new = float(m.qty) - case
                ts = _later(end, minute)
                minute += 7
                con.execute(
                    "update stock_movements set qty = ?, updated_at = ? where movement_id = ?",
                    (new, ts, m.movement_id),
                )
                deltas[(store_id, m.gtin)] = deltas.get((store_id, m.gtin), 0.0) - case
                records.append(
                    _rec(
                        "movement_qty_corrected",
                        store_id,
                        "stock_movements",
                        m.movement_id,
                        m.gtin,
                        -case,
                        ts,
                        f"goods receipt {m.document_id} corrected from {m.qty:g} to {new:g}",
                    )
                )
            # the store's report follows its own movements
            for (sid, gtin), delta in sorted(deltas.items()):
                if sid != store_id or not delta:
                    continue
                ts = _later(end, minute)
                con.execute(
                    "update stock_on_hand set on_hand_qty = round(on_hand_qty + ?, 3), "
                    "as_of = ?, updated_at = ? where gtin = ?",
                    (round(delta, 3), ts, ts, gtin),
                )
            con.commit()
        finally:
            con.close()
    _update_truth(sources, deltas)
    if end is not None:
        records += _withdraw_consent_later(sources, seed, end, per_store)
    with (sources / "ground_truth" / "changes.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    summary: dict[str, Any] = {}
    for r in records:
        key = r["change"] if r["change"] != "row_deleted" else f"deleted.{r['table']}"
        summary[key] = summary.get(key, 0) + 1
    return summary


def _rec(
    change: str,
    store_id: str,
    table: str,
    key: str,
    gtin: str | None,
    qty: float | None,
    updated_at: str,
    detail: str,
) -> dict:
    return {
        "change": change,
        "store_id": store_id,
        "table": table,
        "key": key,
        "gtin": gtin,
        "qty": qty,
        "updated_at": updated_at,
        "detail": detail,
    }


def _withdraw_consent_later(sources: Path, seed: int, end: date, n: int) -> list[dict]:
    """``n`` members withdraw their marketing consent after the first sync (CRM contacts)."""
    path = sources / "crm" / "crm.sqlite"
    rng = np.random.default_rng([seed, 501])
    con = sqlite3.connect(path)
    try:
        ids = [
            i
            for (i,) in con.execute(
                "select id from contacts where marketing_consent = 'true' and archived = 0 "
                "order by id"
            )
        ]
        records = []
        for k, i in enumerate(sorted(rng.choice(ids, size=min(n, len(ids)), replace=False))):
            at = (
                datetime.combine(end + timedelta(days=2), time(9), UTC) + timedelta(minutes=13 * k)
            ).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            con.execute(
                "update contacts set marketing_consent = 'false', lastmodifieddate = ? "
                "where id = ?",
                (at, int(i)),
            )
            records.append(
                _rec(
                    "consent_withdrawn_later",
                    "crm",
                    "contacts",
                    str(i),
                    None,
                    None,
                    at,
                    "marketing_consent true -> false",
                )
            )
        con.commit()
    finally:
        con.close()
    with (sources / "ground_truth" / "consent_withdrawals.jsonl").open("a", encoding="utf-8") as fh:
        for r in records:
            fh.write(
                json.dumps(
                    {
                        "contact_id": r["key"],
                        "withdrawn_at": r["updated_at"],
                        "via": "customer_request",
                        "campaign_id": None,
                    }
                )
                + "\n"
            )
    return records


def _update_truth(sources: Path, deltas: dict[tuple[str, str], float]) -> None:
    path = sources / "ground_truth" / "on_hand.csv"
    truth = pd.read_csv(path, dtype=str)
    qty = truth["on_hand_qty"].astype(float)
    for (store_id, gtin), delta in deltas.items():
        hit = (truth["store_id"] == store_id) & (truth["gtin"] == gtin)
        qty[hit] = (qty[hit] + delta).round(3)
    truth["on_hand_qty"] = fmt_qty(np.round(qty.to_numpy() * MILLI).astype(np.int64))
    truth.to_csv(path, index=False, lineterminator="\n")

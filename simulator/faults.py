"""Faults: what the source systems record differently from what really happened.

Each injector takes the true chain and the recorded view so far, changes the recorded view, and
returns one fault record per store x product it touched. The true chain is never changed, and every
fault is findable from the sources alone (no ground truth needed). Kinds run in ``INJECTORS`` order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from simulator.chain import MILLI, Chain, build_chain
from simulator.presets import get_preset

FAULT_FIELDS = [
    "kind",
    "store_id",
    "product_id",
    "gtin",
    "document_type",
    "document_id",
    "qty",
    "amount",
    "detail",
]


@dataclass
class Recorded:
    """What the source systems hold: movements, receipts, lines, the on-hand the stores report
    (milli units), ASN quantities as the suppliers wrote them, CRM contacts, and silent stores."""

    movements: pd.DataFrame
    reported_on_hand: np.ndarray  # [store, product]
    receipts: pd.DataFrame = None  # type: ignore[assignment]
    lines: pd.DataFrame = None  # type: ignore[assignment]  # + gtin as recorded
    contacts: pd.DataFrame = None  # type: ignore[assignment]  # + archived, hs_merged_object_ids
    asn_qty: dict[tuple[str, int], int] = field(default_factory=dict)  # (po_id, line_no) -> milli
    silent_from: dict[int, int] = field(default_factory=dict)  # store index -> first silent day
    faults: list[dict] = field(default_factory=list)

    def ledger(self, n_stores: int, n_products: int) -> np.ndarray:
        m = self.movements
        out = np.zeros(n_stores * n_products, dtype=np.int64)
        np.add.at(
            out,
            m["store_idx"].to_numpy() * n_products + m["prod_idx"].to_numpy(),
            m["qty_milli"].to_numpy(),
        )
        return out.reshape(n_stores, n_products)


def _record(
    chain: Chain,
    kind: str,
    store: int,
    prod: int,
    document_type: str,
    document_id: str | None,
    qty_milli: int,
    detail: str,
) -> dict:
    products = chain.catalog.products
    qty = qty_milli / MILLI
    return {
        "kind": kind,
        "store_id": str(chain.store_ids[store]),
        "product_id": str(products["product_id"].iat[prod]),
        "gtin": str(products["gtin"].iat[prod]),
        "document_type": document_type,
        "document_id": document_id,
        "qty": qty,
        "amount": round(qty * float(products["cost_price"].iat[prod]), 2),
        "detail": detail,
    }


def touched_pairs(faults: list[dict]) -> set[tuple[str, str]]:
    """(store_id, gtin) pairs whose records are affected by a fault."""
    return {(f["store_id"], f["gtin"]) for f in faults}


def transfer_missing_in(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A transfer left store A, arrived at B, but B never booked the transfer_in.

    Only transfers that arrive after B's stocktake (which would otherwise correct the gap) and left
    at least three days before the period end (so they are overdue, not in transit).
    """
    spec = chain.preset.faults["transfer_missing_in"]
    tr = chain.transfers
    n_days = chain.preset.n_days
    ok = (
        (tr["in_day"] < n_days)
        & (tr["in_day"] >= chain.stocktake_day[tr["to_idx"].to_numpy()])
        & (tr["out_day"] <= n_days - 4)
        & ~tr["to_idx"].isin(list(silent_stores(chain))).to_numpy()
    )
    candidates = np.unique(tr.loc[ok, "transfer_id"].to_numpy())
    chosen = rng.choice(candidates, size=spec.count(len(candidates)), replace=False)
    out = []
    m = rec.movements
    for tr_id in sorted(chosen):
        lines = tr[tr["transfer_id"] == tr_id]
        to = int(lines["to_idx"].iat[0])
        drop = (
            (m["document_id"] == tr_id)
            & (m["movement_type"] == "transfer_in")
            & (m["store_idx"] == to)
        )
        m = m[~drop]
        sender = chain.store_ids[int(lines["from_idx"].iat[0])]
        sent_on = chain.clock.date_of(int(lines["out_day"].iat[0]))
        for row in lines.itertuples():
            out.append(
                _record(
                    chain,
                    "transfer_missing_in",
                    to,
                    int(row.prod_idx),
                    "transfer",
                    tr_id,
                    int(row.qty_milli),
                    f"transfer {tr_id} sent by {sender} on {sent_on} arrived but no transfer_in "
                    f"was booked at {chain.store_ids[to]}",
                )
            )
    rec.movements = m.reset_index(drop=True)
    rec.reported_on_hand = rec.ledger(len(chain.store_ids), len(chain.gtins))
    return out


def onhand_mismatch(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """The store system reports an on-hand that its own movements do not add up to."""
    spec = chain.preset.faults["onhand_mismatch"]
    S, P = rec.reported_on_hand.shape
    stores = chain.catalog.stores
    kinds = stores["kind"].to_numpy()
    taken = touched_pairs(rec.faults)
    gtins = chain.gtins
    free = np.array(
        [
            (s, p)
            for s in range(S)
            for p in range(P)
            if (str(chain.store_ids[s]), str(gtins[p])) not in taken
        ]
    )
    n = spec.count(len(free))
    picks: list[int] = []
    for kind in ("modern", "legacy"):  # at least one of each kind of store where there is one
        idx = np.flatnonzero(kinds[free[:, 0]] == kind)
        if len(idx) and len(picks) < n:
            picks.append(int(rng.choice(idx)))
    rest = np.setdiff1d(np.arange(len(free)), picks)
    picks += [int(i) for i in rng.choice(rest, size=n - len(picks), replace=False)]
    is_kg = (chain.catalog.products["unit"] == "kg").to_numpy()
    out = []
    for i in picks:
        s, p = (int(x) for x in free[i])
        last = chain.clock.date_of(rec.silent_from.get(s, chain.preset.n_days) - 1)
        delta = int(rng.integers(200, 2000)) if is_kg[p] else int(rng.integers(1, 6)) * MILLI
        if rng.random() < 0.5 and rec.reported_on_hand[s, p] >= delta:
            delta = -delta
        rec.reported_on_hand[s, p] += delta
        legacy = kinds[s] == "legacy"
        store_id = chain.store_ids[s]
        out.append(
            _record(
                chain,
                "onhand_mismatch",
                s,
                p,
                "stock" if legacy else "stock_on_hand",
                f"{store_id}_{last:%Y%m%d}_stock.csv" if legacy else "stock_on_hand",
                delta,
                f"reported on-hand differs from the store's own movements by {delta / MILLI:g}",
            )
        )
    return out


# -- helpers for the injectors below ---------------------------------------------------------
def _spec_count(chain: Chain, kind: str, eligible: int) -> int:
    return chain.preset.faults[kind].count(eligible)


def silent_stores(chain: Chain) -> dict[int, int]:
    """Store index -> first silent day of the stores ``store_silent`` silences (decided up front,
    so that earlier kinds can keep their faults out of the silent stores)."""
    spec = chain.preset.faults.get("store_silent")
    if spec is None:
        return {}
    n = spec.count(len(chain.store_ids))
    n_days, k = chain.preset.n_days, chain.preset.silent_days
    n_stores = max(1, -(-n // k)) if n else 0  # one record per silent store-day
    return {s: n_days - k for s in store_fault_order(chain)[:n_stores]}


def _after_stocktake(chain: Chain, store: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Events a later stocktake would not silently correct, in stores that are never silent (a
    silent store's ledger cannot be checked against the true on-hand at the period end)."""
    store = np.asarray(store)
    silent = np.zeros(len(chain.store_ids), dtype=bool)
    silent[list(silent_stores(chain))] = True
    return (np.asarray(day) >= chain.stocktake_day[store]) & ~silent[store]


def _untouched(chain: Chain, rec: Recorded, store: np.ndarray, prod: np.ndarray) -> np.ndarray:
    """Store x product pairs no earlier fault touched (one ledger cause per pair)."""
    taken = touched_pairs(rec.faults)
    ids, gtins = chain.store_ids, chain.gtins
    return np.array(
        [(ids[s], gtins[p]) not in taken for s, p in zip(store, prod, strict=True)], dtype=bool
    )


def _first_line_prod(rec: Recorded, receipt_keys: np.ndarray) -> dict[int, int]:
    first = rec.lines.drop_duplicates("receipt_key").set_index("receipt_key")["prod_idx"]
    return {int(k): int(first.get(k, 0)) for k in receipt_keys}


def _modern(chain: Chain) -> np.ndarray:
    return (chain.catalog.stores["kind"] == "modern").to_numpy()


def store_fault_order(chain: Chain) -> list[int]:
    """Stores in the order store-level faults take them (the same store first for every kind)."""
    rng = np.random.default_rng([chain.seed, 99])
    return [int(s) for s in rng.permutation(len(chain.store_ids))]


def _next_movement_ids(rec: Recorded, store_id: str, n: int) -> list[str]:
    mine = rec.movements["movement_id"][rec.movements["movement_id"].str.startswith(store_id)]
    top = int(mine.str[-8:].astype(int).max()) if len(mine) else 0
    return [f"{store_id}-M{top + 1 + i:08d}" for i in range(n)]


def transfer_qty_mismatch(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """The receiver booked fewer units than were sent (and arrived)."""
    m = rec.movements
    cand = np.flatnonzero(
        (m["movement_type"] == "transfer_in").to_numpy()
        & _after_stocktake(chain, m["store_idx"].to_numpy(), m["day"].to_numpy())
        & (m["qty_milli"].to_numpy() >= 2 * MILLI)
    )
    cand = cand[
        _untouched(chain, rec, m["store_idx"].to_numpy()[cand], m["prod_idx"].to_numpy()[cand])
    ]
    n = _spec_count(chain, "transfer_qty_mismatch", len(cand))
    out = []
    for i in sorted(rng.choice(cand, size=n, replace=False)):
        qty = int(m.at[i, "qty_milli"])
        short = int(rng.integers(1, max(2, qty // MILLI // 2 + 1))) * MILLI
        m.at[i, "qty_milli"] = qty - short
        out.append(
            _record(
                chain,
                "transfer_qty_mismatch",
                int(m.at[i, "store_idx"]),
                int(m.at[i, "prod_idx"]),
                "transfer",
                m.at[i, "document_id"],
                -short,
                f"sent {qty / MILLI:g}, booked in {(qty - short) / MILLI:g}",
            )
        )
    return out


def goods_receipt_duplicated(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """The same goods receipt line booked twice (a second movement, same purchase order)."""
    m = rec.movements
    cand = np.flatnonzero(
        (m["movement_type"] == "goods_receipt").to_numpy()
        & _after_stocktake(chain, m["store_idx"].to_numpy(), m["day"].to_numpy())
    )
    cand = cand[
        _untouched(chain, rec, m["store_idx"].to_numpy()[cand], m["prod_idx"].to_numpy()[cand])
    ]
    n = _spec_count(chain, "goods_receipt_duplicated", len(cand))
    picked = m.loc[sorted(rng.choice(cand, size=n, replace=False))].copy()
    out, dups = [], []
    for store_idx, group in picked.groupby("store_idx"):
        group = group.copy()
        group["movement_id"] = _next_movement_ids(rec, str(chain.store_ids[store_idx]), len(group))
        group["t"] = group["t"] + 120
        dups.append(group)
        for row in group.itertuples():
            out.append(
                _record(
                    chain,
                    "goods_receipt_duplicated",
                    int(row.store_idx),
                    int(row.prod_idx),
                    "purchase_order",
                    row.document_id,
                    int(row.qty_milli),
                    f"goods receipt booked twice (second movement {row.movement_id})",
                )
            )
    if dups:
        rec.movements = pd.concat([m, *dups], ignore_index=True)
    return out


def receipt_total_mismatch(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A modern till's receipt total differs from the sum of its lines by 1-5 EUR."""
    r = rec.receipts
    cand = np.flatnonzero(
        _modern(chain)[r["store_idx"].to_numpy()]
        & (r["status"] == "completed").to_numpy()
        & (r["total_cents"].to_numpy() > 0)
    )
    n = _spec_count(chain, "receipt_total_mismatch", len(cand))
    chosen = sorted(rng.choice(cand, size=n, replace=False))
    first = _first_line_prod(rec, r["receipt_key"].to_numpy()[chosen])
    out = []
    for i in chosen:
        delta = int(rng.integers(100, 500)) * (1 if rng.random() < 0.5 else -1)
        r.at[i, "total_cents"] = int(r.at[i, "total_cents"]) + delta
        rec_ = _record(
            chain,
            "receipt_total_mismatch",
            int(r.at[i, "store_idx"]),
            first[int(r.at[i, "receipt_key"])],
            "receipt",
            r.at[i, "receipt_id"],
            0,
            f"total_gross off its lines by {delta / 100:.2f}",
        )
        rec_["amount"] = delta / 100
        out.append(rec_)
    return out


def sale_without_movement(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A sold line whose sale movement the store system never wrote."""
    m = rec.movements
    cand = np.flatnonzero(
        (m["movement_type"] == "sale").to_numpy()
        & _after_stocktake(chain, m["store_idx"].to_numpy(), m["day"].to_numpy())
    )
    cand = cand[
        _untouched(chain, rec, m["store_idx"].to_numpy()[cand], m["prod_idx"].to_numpy()[cand])
    ]
    n = _spec_count(chain, "sale_without_movement", len(cand))
    chosen = sorted(rng.choice(cand, size=n, replace=False))
    out = [
        _record(
            chain,
            "sale_without_movement",
            int(m.at[i, "store_idx"]),
            int(m.at[i, "prod_idx"]),
            "receipt",
            m.at[i, "document_id"],
            int(-m.at[i, "qty_milli"]),
            "receipt line sold without a sale movement",
        )
        for i in chosen
    ]
    rec.movements = m.drop(index=chosen).reset_index(drop=True)
    return out


def _card_receipts(rec: Recorded) -> np.ndarray:
    r = rec.receipts
    return np.flatnonzero(
        r["loyalty_card"].notna().to_numpy() & (r["status"] == "completed").to_numpy()
    )


def unknown_loyalty_card(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A receipt on a well-formed loyalty card that the CRM does not know."""
    from stdnum import ean

    r = rec.receipts
    cand = _card_receipts(rec)
    n = _spec_count(chain, "unknown_loyalty_card", len(cand))
    chosen = sorted(rng.choice(cand, size=n, replace=False))
    first = _first_line_prod(rec, r["receipt_key"].to_numpy()[chosen])
    known = set(rec.contacts["loyalty_card"])
    out = []
    for i in chosen:
        while True:
            body = f"29{int(rng.integers(10**10)):010d}"
            card = body + ean.calc_check_digit(body)
            if card not in known:
                break
        r.at[i, "loyalty_card"] = card
        out.append(
            _record(
                chain,
                "unknown_loyalty_card",
                int(r.at[i, "store_idx"]),
                first[int(r.at[i, "receipt_key"])],
                "receipt",
                r.at[i, "receipt_id"],
                0,
                f"loyalty card {card} is not in the CRM",
            )
        )
    return out


def crm_members_merged(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A member had two contacts; the CRM merged them and archived the absorbed one, whose card
    is still used at the till."""
    r, c = rec.receipts, rec.contacts
    cand = _card_receipts(rec)
    n = _spec_count(chain, "crm_members_merged", len(cand))
    chosen = sorted(rng.choice(cand, size=n, replace=False))
    first = _first_line_prod(rec, r["receipt_key"].to_numpy()[chosen])
    by_card = {card: i for i, card in enumerate(c["loyalty_card"])}
    new_rows, out = [], []
    next_id = int(c["id"].max()) + 7
    from stdnum import ean

    for i in chosen:
        survivor = by_card.get(r.at[i, "loyalty_card"])
        if survivor is None or c.at[survivor, "hs_merged_object_ids"]:
            continue
        body = f"29{int(rng.integers(10**10)):010d}"
        card = body + ean.calc_check_digit(body)
        absorbed = c.loc[survivor].copy()
        absorbed["id"], absorbed["loyalty_card"], absorbed["archived"] = next_id, card, True
        absorbed["email"] = absorbed["email"].replace("@", f".{next_id}@")
        absorbed["hs_merged_object_ids"] = ""
        c.at[survivor, "hs_merged_object_ids"] = str(next_id)
        new_rows.append(absorbed)
        r.at[i, "loyalty_card"] = card
        out.append(
            _record(
                chain,
                "crm_members_merged",
                int(r.at[i, "store_idx"]),
                first[int(r.at[i, "receipt_key"])],
                "receipt",
                r.at[i, "receipt_id"],
                0,
                f"card {card} of contact {next_id}, merged into {c.at[survivor, 'id']}",
            )
        )
        next_id += 7
    if new_rows:
        rec.contacts = pd.concat([c, pd.DataFrame(new_rows)], ignore_index=True)
    return out


def shelf_price_mismatch(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A store sells a product for some days at a price head office does not have for that day."""
    L = rec.lines
    store = rec.receipts.set_index("receipt_key")["store_idx"]
    day = rec.receipts.set_index("receipt_key")["day"]
    keys = L["receipt_key"].to_numpy()
    ok = (L["qty_milli"].to_numpy() > 0) & (L["discount_cents"].to_numpy() == 0)
    pairs = pd.DataFrame(
        {
            "s": store.reindex(keys).to_numpy(),
            "p": L["prod_idx"].to_numpy(),
            "d": day.reindex(keys).to_numpy(),
        }
    )[ok].drop_duplicates(["s", "p"])
    n = _spec_count(chain, "shelf_price_mismatch", len(pairs))
    out = []
    changed_keys = set()
    for j in sorted(rng.choice(len(pairs), size=n, replace=False)):
        s, p, d0 = (int(x) for x in pairs.iloc[j])
        sel = ok & (store.reindex(keys).to_numpy() == s) & (L["prod_idx"].to_numpy() == p)
        dd = day.reindex(keys).to_numpy()
        sel &= (dd >= d0) & (dd <= d0 + 2)
        idx = np.flatnonzero(sel)
        price = int(L.at[idx[0], "price_cents"])
        wrong = price + max(10, price // 10 // 10 * 10)
        L.loc[idx, "price_cents"] = wrong
        L.loc[idx, "total_cents"] = (L.loc[idx, "qty_milli"] * wrong + MILLI // 2) // MILLI
        changed_keys.update(L.loc[idx, "receipt_key"].tolist())
        rid = L.at[idx[0], "receipt_id"]
        out.append(
            _record(
                chain,
                "shelf_price_mismatch",
                s,
                p,
                "receipt",
                rid,
                0,
                f"sold at {wrong / 100:.2f} instead of {price / 100:.2f} on "
                f"{len(idx)} lines from {chain.clock.date_of(d0)}",
            )
        )
        out[-1]["amount"] = round((wrong - price) / 100, 2)
    if changed_keys:
        totals = L.groupby("receipt_key")["total_cents"].sum()
        r = rec.receipts
        hit = r["receipt_key"].isin(changed_keys).to_numpy()
        # keep any total already made wrong by receipt_total_mismatch wrong by the same amount
        old_true = chain.lines.groupby("receipt_key")["total_cents"].sum()
        k = r.loc[hit, "receipt_key"]
        r.loc[hit, "total_cents"] = (
            r.loc[hit, "total_cents"].to_numpy()
            - old_true.reindex(k).to_numpy()
            + totals.reindex(k).to_numpy()
        )
    return out


def invalid_gtin(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A receipt line whose GTIN has a wrong check digit (the sale movement has the right one)."""
    L = rec.lines
    cand = np.flatnonzero(L["qty_milli"].to_numpy() > 0)
    n = _spec_count(chain, "invalid_gtin", len(cand))
    store = rec.receipts.set_index("receipt_key")["store_idx"]
    out = []
    for i in sorted(rng.choice(cand, size=n, replace=False)):
        good = L.at[i, "gtin"]
        bad = good[:12] + str((int(good[12]) + int(rng.integers(1, 10))) % 10)
        L.at[i, "gtin"] = bad
        rec_ = _record(
            chain,
            "invalid_gtin",
            int(store[L.at[i, "receipt_key"]]),
            int(L.at[i, "prod_idx"]),
            "receipt",
            L.at[i, "receipt_id"],
            int(L.at[i, "qty_milli"]),
            f"line {L.at[i, 'line_no']} scanned as {bad} (check digit)",
        )
        out.append(rec_)
    return out


def stocktake_shrinkage_excess(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """Real losses beyond tolerance that the stocktake found (chosen in the true chain)."""
    st = chain.stocktakes
    out = []
    for row in chain.excess_shrink.itertuples():
        sid = st.loc[
            (st["store_idx"] == row.store_idx) & (st["prod_idx"] == row.prod_idx), "stocktake_id"
        ]
        out.append(
            _record(
                chain,
                "stocktake_shrinkage_excess",
                int(row.store_idx),
                int(row.prod_idx),
                "stocktake",
                sid.iat[0] if len(sid) else None,
                -int(row.qty_milli),
                "stocktake found a loss far beyond the usual shrinkage",
            )
        )
    return out


def store_silent(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A store sends nothing (no sales, movements, stock report) for the last days of the period."""
    n_days = chain.preset.n_days
    out = []
    for s, start in silent_stores(chain).items():
        rec.silent_from[s] = start
        m, r = rec.movements, rec.receipts
        rec.movements = m[~((m["store_idx"] == s) & (m["day"] >= start))].reset_index(drop=True)
        gone = (r["store_idx"] == s) & (r["day"] >= start)
        rec.lines = rec.lines[
            ~rec.lines["receipt_key"].isin(r.loc[gone, "receipt_key"])
        ].reset_index(drop=True)
        rec.receipts = r[~gone].reset_index(drop=True)
        for d in range(start, n_days):
            out.append(
                {
                    "kind": "store_silent",
                    "store_id": str(chain.store_ids[s]),
                    "product_id": None,
                    "gtin": None,
                    "document_type": "business_day",
                    "document_id": str(chain.clock.date_of(d)),
                    "qty": None,
                    "amount": None,
                    "detail": f"no data for {chain.clock.date_of(d)}",
                }
            )
    return out


def store_partial_receipts(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """For one business day a store sent only about half of its receipts (movements all there)."""
    n = _spec_count(chain, "store_partial_receipts", len(chain.store_ids) * chain.preset.n_days)
    order = store_fault_order(chain)
    out = []
    r = rec.receipts
    for j in range(n):
        s = order[j % len(order)]
        last = min(rec.silent_from.get(s, chain.preset.n_days), chain.preset.n_days) - 1
        d = int(last - 1 - j // len(order))
        day_rows = np.flatnonzero(((r["store_idx"] == s) & (r["day"] == d)).to_numpy())
        if len(day_rows) < 4:
            continue
        drop = rng.choice(day_rows, size=len(day_rows) // 2, replace=False)
        keys = r["receipt_key"].to_numpy()[drop]
        r = r.drop(index=r.index[drop])
        rec.lines = rec.lines[~rec.lines["receipt_key"].isin(keys)]
        out.append(
            {
                "kind": "store_partial_receipts",
                "store_id": str(chain.store_ids[s]),
                "product_id": None,
                "gtin": None,
                "document_type": "business_day",
                "document_id": str(chain.clock.date_of(d)),
                "qty": float(len(drop)),
                "amount": None,
                "detail": (
                    f"{len(drop)} of {len(day_rows)} receipts of {chain.clock.date_of(d)} not sent"
                ),
            }
        )
    rec.receipts = r.reset_index(drop=True)
    rec.lines = rec.lines.reset_index(drop=True)
    return out


def asn_qty_mismatch(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A supplier's ASN states a quantity other than what it shipped (and the store received)."""
    po, pl = chain.purchase_orders, chain.po_lines
    sends = chain.catalog.suppliers["sends_files"].to_numpy()[po["supplier_idx"].to_numpy()]
    ok_po = po.loc[
        sends & (po["arrival_day"] < chain.preset.n_days).to_numpy(), ["po_id", "store_idx"]
    ]
    lines = pl.merge(ok_po, on="po_id")
    lines = lines[lines["confirmed_milli"] > 0].reset_index(drop=True)
    n = _spec_count(chain, "asn_qty_mismatch", len(lines))
    out = []
    for i in sorted(rng.choice(len(lines), size=n, replace=False)):
        row = lines.iloc[i]
        delta = int(chain.catalog.products["case_pack"].iat[int(row.prod_idx)]) * MILLI
        rec.asn_qty[(row.po_id, int(row.line_no))] = int(row.confirmed_milli) + delta
        out.append(
            _record(
                chain,
                "asn_qty_mismatch",
                int(row.store_idx),
                int(row.prod_idx),
                "asn",
                "ASN" + row.po_id[2:],
                delta,
                f"ASN line {row.line_no} states one case more than shipped",
            )
        )
    return out


def late_delivery(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """Deliveries that arrived after the confirmed date (decided in the true chain)."""
    po, pl = chain.purchase_orders, chain.po_lines
    late = po[(po["arrival_day"] > po["due_day"]) & (po["arrival_day"] < chain.preset.n_days)]
    lines = pl.merge(late[["po_id", "store_idx", "due_day", "arrival_day"]], on="po_id")
    return [
        _record(
            chain,
            "late_delivery",
            int(row.store_idx),
            int(row.prod_idx),
            "purchase_order",
            row.po_id,
            int(row.confirmed_milli),
            f"due {chain.clock.date_of(row.due_day)}, arrived "
            f"{chain.clock.date_of(row.arrival_day)}",
        )
        for row in lines.itertuples()
    ]


def source_row_deleted(chain: Chain, rec: Recorded, rng: np.random.Generator) -> list[dict]:
    """A modern store hard-deleted a completed receipt (and its lines); its movements remain."""
    r = rec.receipts
    cand = np.flatnonzero(
        _modern(chain)[r["store_idx"].to_numpy()] & (r["status"] == "completed").to_numpy()
    )
    n = _spec_count(chain, "source_row_deleted", len(cand))
    chosen = sorted(rng.choice(cand, size=n, replace=False))
    keys = r["receipt_key"].to_numpy()[chosen]
    first = _first_line_prod(rec, keys)
    out = [
        _record(
            chain,
            "source_row_deleted",
            int(r.at[i, "store_idx"]),
            first[int(r.at[i, "receipt_key"])],
            "receipt",
            r.at[i, "receipt_id"],
            0,
            "receipt and its lines deleted at the source",
        )
        for i in chosen
    ]
    rec.receipts = r.drop(index=chosen).reset_index(drop=True)
    rec.lines = rec.lines[~rec.lines["receipt_key"].isin(keys)].reset_index(drop=True)
    return out


Injector = Callable[[Chain, Recorded, np.random.Generator], list[dict]]
# movement-changing kinds first; then the reported on-hand is the store's own ledger;
# onhand_mismatch
# last (the only kind that breaks reported on-hand against the store's own movements)
INJECTORS: dict[str, Injector] = {
    "transfer_missing_in": transfer_missing_in,
    "transfer_qty_mismatch": transfer_qty_mismatch,
    "goods_receipt_duplicated": goods_receipt_duplicated,
    "sale_without_movement": sale_without_movement,
    "store_silent": store_silent,
    "receipt_total_mismatch": receipt_total_mismatch,
    "unknown_loyalty_card": unknown_loyalty_card,
    "crm_members_merged": crm_members_merged,
    "shelf_price_mismatch": shelf_price_mismatch,
    "invalid_gtin": invalid_gtin,
    "stocktake_shrinkage_excess": stocktake_shrinkage_excess,
    "store_partial_receipts": store_partial_receipts,
    "asn_qty_mismatch": asn_qty_mismatch,
    "late_delivery": late_delivery,
    "source_row_deleted": source_row_deleted,
    "onhand_mismatch": onhand_mismatch,
}


def apply_faults(chain: Chain) -> Recorded:
    from simulator.file_faults import FILE_INJECTORS

    contacts = chain.contacts.copy()
    contacts["archived"] = False
    contacts["hs_merged_object_ids"] = ""
    lines = chain.lines.copy()
    lines["gtin"] = chain.gtins[lines["prod_idx"].to_numpy()]
    rec = Recorded(
        movements=chain.movements.copy(),
        reported_on_hand=np.zeros_like(chain.true_on_hand),
        receipts=chain.receipts.copy(),
        lines=lines,
        contacts=contacts,
    )
    unknown = set(chain.preset.faults) - set(INJECTORS) - set(FILE_INJECTORS)
    if unknown:
        raise ValueError(f"preset {chain.preset.name!r} asks for unknown fault kinds {unknown}")
    for i, (kind, injector) in enumerate(INJECTORS.items()):
        if kind == "onhand_mismatch":
            rec.reported_on_hand = rec.ledger(*chain.true_on_hand.shape)
        if kind in chain.preset.faults:
            rng = np.random.default_rng([chain.seed, 100 + i])
            rec.faults.extend(injector(chain, rec, rng))
    return rec


@lru_cache(maxsize=2)
def recorded_chain(preset: str, seed: int) -> tuple[Chain, Recorded]:
    """The true chain for ``preset``/``seed`` and what its source systems recorded (cached)."""
    chain = build_chain(get_preset(preset), seed)
    return chain, apply_faults(chain)

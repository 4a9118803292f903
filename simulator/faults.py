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
    """What the store systems hold: movements and the on-hand they report (milli units)."""

    movements: pd.DataFrame
    reported_on_hand: np.ndarray  # [store, product]
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
    last = chain.clock.date_of(chain.preset.n_days - 1)
    out = []
    for i in picks:
        s, p = (int(x) for x in free[i])
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


Injector = Callable[[Chain, Recorded, np.random.Generator], list[dict]]
INJECTORS: dict[str, Injector] = {
    "transfer_missing_in": transfer_missing_in,
    "onhand_mismatch": onhand_mismatch,
}


def apply_faults(chain: Chain) -> Recorded:
    rec = Recorded(
        movements=chain.movements,
        reported_on_hand=np.zeros_like(chain.true_on_hand),
    )
    rec.reported_on_hand = rec.ledger(*chain.true_on_hand.shape)
    unknown = set(chain.preset.faults) - set(INJECTORS)
    if unknown:
        raise ValueError(f"preset {chain.preset.name!r} asks for unknown fault kinds {unknown}")
    for i, (kind, injector) in enumerate(INJECTORS.items()):
        if kind in chain.preset.faults:
            rng = np.random.default_rng([chain.seed, 100 + i])
            rec.faults.extend(injector(chain, rec, rng))
    return rec


@lru_cache(maxsize=2)
def recorded_chain(preset: str, seed: int) -> tuple[Chain, Recorded]:
    """The true chain for ``preset``/``seed`` and what its source systems recorded (cached)."""
    chain = build_chain(get_preset(preset), seed)
    return chain, apply_faults(chain)

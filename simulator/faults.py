"""Faults: what the source systems record differently from what really happened.

Faults are decided in two steps, so that the chain can be written one store at a time:

1. :func:`plan_faults`, from chain-level state only (purchase orders, transfers, stocktakes, the
   seed) and the candidates counted while the chain streamed (:class:`CandidateCounter`): which
   stores go silent, which transfers are never booked in, which ASN lines state another quantity,
   which deliveries were late, and how many faults of each store-level kind each store gets (each
   kind's count spread over the stores in proportion to their candidates).
2. :func:`record_store`, per store: the store's true rows become what its system recorded. Each
   store-level kind draws its candidates within the store with a generator seeded by
   (seed, kind, store), so the order in which stores are written never matters.

Every injector changes the recorded view (never the true chain) and returns one fault record per
store x product it touched (``FAULT_FIELDS``); every fault is findable from the sources alone (no
ground truth needed). Kinds run in ``FAULT_ORDER`` within a store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from stdnum import ean

from simulator.chain import (
    GOODS_RECEIPT,
    MILLI,
    SALE,
    TRANSFER_IN,
    Chain,
    DayChunk,
)
from simulator.ids import po_id, po_ids, receipt_ids, stocktake_id, transfer_id

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
# the order kinds are applied in within a store: movement-changing kinds first, then the reported
# on-hand is the store's own ledger; onhand_mismatch last (the only kind that breaks the reported
# on-hand against the store's own movements)
FAULT_ORDER = [
    "transfer_missing_in",
    "transfer_qty_mismatch",
    "goods_receipt_duplicated",
    "sale_without_movement",
    "store_silent",
    "receipt_total_mismatch",
    "unknown_loyalty_card",
    "crm_members_merged",
    "shelf_price_mismatch",
    "invalid_gtin",
    "stocktake_shrinkage_excess",
    "store_partial_receipts",
    "asn_qty_mismatch",
    "late_delivery",
    "source_row_deleted",
    "onhand_mismatch",
]
LEDGER_KINDS = ("transfer_qty_mismatch", "goods_receipt_duplicated", "sale_without_movement")


# -- the plan: decided from chain-level state ------------------------------------------------
class Lookups:
    """Per-product and per-contact arrays the injectors need (built once per process)."""

    def __init__(self, chain: Chain) -> None:
        products = chain.catalog.products
        self.product_ids = products["product_id"].to_numpy(dtype=object)
        self.gtins = chain.gtins
        self.cost = products["cost_price"].to_numpy(dtype=float)
        self.case_pack = products["case_pack"].to_numpy().astype(np.int64)
        self.is_kg = (products["unit"] == "kg").to_numpy()
        contacts = chain.contacts
        self.cards = contacts["loyalty_card"].to_numpy(dtype=object)
        self.contact_ids = contacts["id"].to_numpy().astype(np.int64)
        self.home = contacts["home_store_idx"].to_numpy().astype(np.int64)

    @cached_property
    def known_cards(self) -> frozenset[str]:
        return frozenset(self.cards)


def record(
    chain: Chain,
    kind: str,
    store: int,
    prod: int | None,
    document_type: str,
    document_id: str | None,
    qty_milli: int | None,
    detail: str,
    amount: float | None = None,
) -> dict:
    """One fault record (``FAULT_FIELDS``); ``amount`` defaults to the quantity at cost."""
    products = chain.catalog.products
    if prod is None:
        product_id = gtin = None
        cost = 0.0
    else:
        product_id = str(products["product_id"].iat[prod])
        gtin = str(chain.gtins[prod])
        cost = float(products["cost_price"].iat[prod])
    qty = None if qty_milli is None else qty_milli / MILLI
    if amount is None and qty is not None and prod is not None:
        amount = round(qty * cost, 2)
    return {
        "kind": kind,
        "store_id": str(chain.store_ids[store]),
        "product_id": product_id,
        "gtin": gtin,
        "document_type": document_type,
        "document_id": document_id,
        "qty": qty,
        "amount": amount,
        "detail": detail,
    }


def store_fault_order(chain: Chain) -> list[int]:
    """Stores in the order store-level faults take them (the same store first for every kind)."""
    rng = np.random.default_rng([chain.seed, 99])
    return [int(s) for s in rng.permutation(len(chain.store_ids))]


def silent_stores(chain: Chain) -> dict[int, int]:
    """Store index -> first silent day of the stores ``store_silent`` silences (decided up front,
    so that the other kinds keep their faults out of the silent stores)."""
    spec = chain.preset.faults.get("store_silent")
    if spec is None:
        return {}
    n = spec.count(len(chain.store_ids))
    n_days, k = chain.preset.n_days, chain.preset.silent_days
    n_stores = max(1, -(-n // k)) if n else 0  # one record per silent store-day
    return {s: n_days - k for s in store_fault_order(chain)[:n_stores]}


def silent_from(chain: Chain) -> np.ndarray:
    """[store] the first day the store sends nothing (``n_days``: never silent)."""
    days = np.full(len(chain.store_ids), chain.preset.n_days, dtype=np.int64)
    for s, start in silent_stores(chain).items():
        days[s] = start
    return days


class CandidateCounter:
    """Counts, per store, the rows each store-level kind could pick (sees every chunk once), so
    that each kind's count can be spread over the stores before any store is written."""

    def __init__(self, chain: Chain) -> None:
        S, P = len(chain.store_ids), len(chain.gtins)
        self.chain = chain
        self.silent_from = silent_from(chain)
        self.silent = self.silent_from < chain.preset.n_days
        self.home = chain.contacts["home_store_idx"].to_numpy().astype(np.int64)
        self.counts = {kind: np.zeros(S, dtype=np.int64) for kind in _STORE_INJECTORS}
        self.shelf = np.zeros((S, P), dtype=bool)

    def _add(self, kind: str, stores: np.ndarray) -> None:
        self.counts[kind] += np.bincount(stores, minlength=len(self.counts[kind]))

    def __call__(self, chunk: DayChunk) -> None:
        chain = self.chain
        m = chunk.movements
        ms = m["store_idx"]
        after = (m["day"] >= chain.stocktake_day[ms]) & ~self.silent[ms]
        kind = m["movement_type"]
        transfer_in = after & (kind == TRANSFER_IN) & (m["qty_milli"] >= 2 * MILLI)
        self._add("transfer_qty_mismatch", ms[transfer_in])
        self._add("goods_receipt_duplicated", ms[after & (kind == GOODS_RECEIPT)])
        self._add("sale_without_movement", ms[after & (kind == SALE)])
        r = chunk.receipts
        rs = r["store_idx"]
        completed = ~r["voided"] & (r["day"] < self.silent_from[rs])
        modern = chain.modern[rs]
        self._add("receipt_total_mismatch", rs[completed & modern & (r["total_cents"] > 0)])
        self._add("source_row_deleted", rs[completed & modern])
        card = completed & (r["contact_idx"] >= 0)
        self._add("unknown_loyalty_card", rs[card])
        home = self.home[np.maximum(r["contact_idx"], 0)]
        self._add("crm_members_merged", rs[card & (home == rs)])
        li = chunk.lines
        ls = li["store_idx"]
        sold = (li["qty_milli"] > 0) & (li["day"] < self.silent_from[ls])
        self._add("invalid_gtin", ls[sold])
        plain = sold & (li["discount_cents"] == 0)
        self.shelf[ls[plain], li["prod_idx"][plain]] = True

    def result(self) -> dict[str, np.ndarray]:
        counts = dict(self.counts)
        counts["shelf_price_mismatch"] = self.shelf.sum(axis=1).astype(np.int64)
        counts["onhand_mismatch"] = np.full(len(self.shelf), self.shelf.shape[1], dtype=np.int64)
        return counts


@dataclass
class FaultPlan:
    """What is decided before any store is written (see the module docstring)."""

    silent_from: np.ndarray  # [store] first day without data (n_days: never silent)
    quota: dict[str, np.ndarray]  # store-level kind -> faults per store
    records: dict[str, dict[int, list[dict]]]  # chain-level kind -> store -> its records
    missing_in: dict[int, set[int]]  # store -> transfers whose transfer_in it never booked
    partial_days: dict[int, list[int]]  # store -> days it sent only half of the receipts
    asn_qty: dict[tuple[int, int], int] = field(default_factory=dict)  # (po_no, line_no) -> milli
    merge_base: np.ndarray | None = None  # [store] ordinal of its first CRM merge, chain-wide
    # chain-level kind -> store -> products its records name (all a store needs of them)
    touched: dict[str, dict[int, set[int]]] = field(default_factory=dict)


def _spread(rng: np.random.Generator, n: int, eligible: np.ndarray) -> np.ndarray:
    """``n`` faults over the stores, as if drawn without replacement from all their candidates."""
    n = int(min(n, eligible.sum()))
    if n <= 0:
        return np.zeros(len(eligible), dtype=np.int64)
    return rng.multivariate_hypergeometric(eligible, n, method="marginals").astype(np.int64)


def plan_faults(chain: Chain, candidates: dict[str, np.ndarray]) -> FaultPlan:
    """Decide the chain-level faults and each store's share of the store-level ones."""
    faults = chain.preset.faults
    unknown = set(faults) - set(FAULT_ORDER) - set(_file_kinds())
    if unknown:
        raise ValueError(f"preset {chain.preset.name!r} asks for unknown fault kinds {unknown}")
    S = len(chain.store_ids)
    plan = FaultPlan(
        silent_from=silent_from(chain),
        quota={},
        records={},
        missing_in={},
        partial_days={},
    )
    for i, kind in enumerate(FAULT_ORDER):
        if kind not in faults:
            continue
        rng = np.random.default_rng([chain.seed, 100 + i])
        if kind in _CHAIN_PLANNERS:
            by_store: dict[int, list[dict]] = {}
            for rec in _CHAIN_PLANNERS[kind](chain, plan, rng):
                by_store.setdefault(chain_store_index(chain, rec["store_id"]), []).append(rec)
            plan.records[kind] = by_store
            index = _gtin_index(chain)
            plan.touched[kind] = {
                s: {index[r["gtin"]] for r in recs if r["gtin"] in index}
                for s, recs in by_store.items()
            }
        elif kind == "store_partial_receipts":
            _plan_partial_receipts(chain, plan)
        elif kind in _STORE_INJECTORS:
            eligible = candidates.get(kind, np.zeros(S, dtype=np.int64)).astype(np.int64)
            if kind == "transfer_qty_mismatch":  # transfers never booked in are no candidates
                for s, recs in plan.records.get("transfer_missing_in", {}).items():
                    eligible[s] = max(0, eligible[s] - len(recs))
            n = faults[kind].count(int(eligible.sum()))
            if kind == "onhand_mismatch":
                plan.quota[kind] = _spread_each_kind(chain, rng, n, eligible)
            else:
                plan.quota[kind] = _spread(rng, n, eligible)
    merges = plan.quota.get("crm_members_merged", np.zeros(S, dtype=np.int64))
    plan.merge_base = np.cumsum(merges) - merges
    return plan


def _file_kinds() -> list[str]:
    from simulator.file_faults import FILE_INJECTORS

    return list(FILE_INJECTORS)


def chain_store_index(chain: Chain, store_id: str) -> int:
    return int(np.flatnonzero(chain.store_ids == store_id)[0])


def store_faults(plan: FaultPlan, stores: dict[int, list[dict]]) -> list[dict]:
    """Every fault record, by kind (``FAULT_ORDER``) then store: the plan's chain-level records
    and each store's own (``stores``: store index -> its ``StoreRecord.faults``)."""
    by_kind: dict[str, list[dict]] = {kind: [] for kind in FAULT_ORDER}
    for s in sorted(stores):
        for kind, recs in plan.records.items():
            by_kind[kind] += recs.get(s, [])
        for fault in stores[s]:
            by_kind[fault["kind"]].append(fault)
    return [f for kind in FAULT_ORDER for f in by_kind[kind]]


def _spread_each_kind(
    chain: Chain, rng: np.random.Generator, n: int, eligible: np.ndarray
) -> np.ndarray:
    """Like :func:`_spread`, with at least one fault in a modern and one in a legacy store (where
    the chain has such stores)."""
    quota = np.zeros(len(eligible), dtype=np.int64)
    left = eligible.copy()
    for kind_mask in (chain.modern, ~chain.modern):
        stores = np.flatnonzero(kind_mask & (left > 0))
        if len(stores) and quota.sum() < n:
            s = int(rng.choice(stores, p=left[stores] / left[stores].sum()))
            quota[s] += 1
            left[s] -= 1
    return quota + _spread(rng, n - int(quota.sum()), left)


def _plan_partial_receipts(chain: Chain, plan: FaultPlan) -> None:
    """The j-th fault takes the j-th store in ``store_fault_order`` (round robin), on the day
    before its last reported day, then the day before that, and so on."""
    n_days = chain.preset.n_days
    n = chain.preset.faults["store_partial_receipts"].count(len(chain.store_ids) * n_days)
    order = store_fault_order(chain)
    for j in range(n):
        s = order[j % len(order)]
        last = min(int(plan.silent_from[s]), n_days) - 1
        plan.partial_days.setdefault(s, []).append(int(last - 1 - j // len(order)))
    plan.quota["store_partial_receipts"] = np.array(
        [len(plan.partial_days.get(s, [])) for s in range(len(chain.store_ids))], dtype=np.int64
    )


# -- chain-level kinds --------------------------------------------------------------------------
def _plan_transfer_missing_in(chain: Chain, plan: FaultPlan, rng: np.random.Generator) -> list:
    """A transfer left store A, arrived at B, but B never booked the transfer_in.

    Only transfers that arrive after B's stocktake (which would otherwise correct the gap) and left
    at least three days before the period end (so they are overdue, not in transit).
    """
    spec = chain.preset.faults["transfer_missing_in"]
    tr = chain.transfers
    n_days = chain.preset.n_days
    to = tr["to_idx"].to_numpy()
    ok = (
        (tr["in_day"].to_numpy() < n_days)
        & (tr["in_day"].to_numpy() >= chain.stocktake_day[to])
        & (tr["out_day"].to_numpy() <= n_days - 4)
        & (plan.silent_from[to] >= n_days)
    )
    candidates = np.unique(tr["transfer_no"].to_numpy()[ok])
    chosen = rng.choice(candidates, size=spec.count(len(candidates)), replace=False)
    out = []
    for tr_no in sorted(int(x) for x in chosen):
        lines = tr[tr["transfer_no"] == tr_no]
        receiver = int(lines["to_idx"].iat[0])
        plan.missing_in.setdefault(receiver, set()).add(tr_no)
        sender = chain.store_ids[int(lines["from_idx"].iat[0])]
        sent_on = chain.clock.date_of(int(lines["out_day"].iat[0]))
        for row in lines.itertuples():
            out.append(
                record(
                    chain,
                    "transfer_missing_in",
                    receiver,
                    int(row.prod_idx),
                    "transfer",
                    transfer_id(tr_no),
                    int(row.qty_milli),
                    f"transfer {transfer_id(tr_no)} sent by {sender} on {sent_on} arrived but "
                    f"no transfer_in was booked at {chain.store_ids[receiver]}",
                )
            )
    return out


def _plan_store_silent(chain: Chain, plan: FaultPlan, rng: np.random.Generator) -> list:
    """A store sends nothing (no sales, movements, stock report) for the last days of the period."""
    out = []
    for s, start in silent_stores(chain).items():
        for d in range(start, chain.preset.n_days):
            day = chain.clock.date_of(d)
            out.append(
                record(
                    chain,
                    "store_silent",
                    s,
                    None,
                    "business_day",
                    str(day),
                    None,
                    f"no data for {day}",
                )
            )
    return out


def _plan_stocktake_shrinkage_excess(chain: Chain, plan: FaultPlan, rng) -> list:
    """Real losses beyond tolerance that the stocktake found (chosen in the true chain)."""
    out = []
    for row in chain.excess_shrink.itertuples():
        s = int(row.store_idx)
        out.append(
            record(
                chain,
                "stocktake_shrinkage_excess",
                s,
                int(row.prod_idx),
                "stocktake",
                stocktake_id(chain.clock, chain.store_ids[s], int(chain.stocktake_day[s])),
                -int(row.qty_milli),
                "stocktake found a loss far beyond the usual shrinkage",
            )
        )
    return out


def _po_lines_with_head(chain: Chain, columns: list[str]) -> pd.DataFrame:
    """Purchase order lines with columns of their order (po numbers run from 1, in order)."""
    po, pl = chain.purchase_orders, chain.po_lines
    at = pl["po_no"].to_numpy() - 1
    return pl.assign(**{c: po[c].to_numpy()[at] for c in columns})


def _plan_asn_qty_mismatch(chain: Chain, plan: FaultPlan, rng: np.random.Generator) -> list:
    """A supplier's ASN states a quantity other than what it shipped (and the store received)."""
    lines = _po_lines_with_head(chain, ["supplier_idx", "store_idx", "arrival_day"])
    sends = chain.catalog.suppliers["sends_files"].to_numpy()[lines["supplier_idx"].to_numpy()]
    ok = (
        sends
        & (lines["arrival_day"].to_numpy() < chain.preset.n_days)
        & (lines["confirmed_milli"].to_numpy() > 0)
    )
    idx = np.flatnonzero(ok)
    n = chain.preset.faults["asn_qty_mismatch"].count(len(idx))
    case_pack = chain.catalog.products["case_pack"].to_numpy()
    out = []
    for i in sorted(rng.choice(len(idx), size=n, replace=False)):
        row = lines.iloc[int(idx[i])]
        po_no, line_no, prod = int(row.po_no), int(row.line_no), int(row.prod_idx)
        delta = int(case_pack[prod]) * MILLI
        plan.asn_qty[(po_no, line_no)] = int(row.confirmed_milli) + delta
        out.append(
            record(
                chain,
                "asn_qty_mismatch",
                int(row.store_idx),
                prod,
                "asn",
                po_id(po_no, "ASN"),
                delta,
                f"ASN line {line_no} states one case more than shipped",
            )
        )
    return out


def _plan_late_delivery(chain: Chain, plan: FaultPlan, rng: np.random.Generator) -> list:
    """Deliveries that arrived after the confirmed date (decided in the true chain)."""
    lines = _po_lines_with_head(chain, ["store_idx", "due_day", "arrival_day"])
    arrival, due = lines["arrival_day"].to_numpy(), lines["due_day"].to_numpy()
    late = lines[(arrival > due) & (arrival < chain.preset.n_days)]
    if not len(late):
        return []
    products = chain.catalog.products
    prod = late["prod_idx"].to_numpy()
    qty = late["confirmed_milli"].to_numpy() / MILLI
    cost = products["cost_price"].to_numpy(dtype=float)[prod]
    dates = [str(chain.clock.date_of(d)) for d in range(chain.preset.n_days + 7)]
    columns = {
        "store_id": chain.store_ids[late["store_idx"].to_numpy()],
        "product_id": products["product_id"].to_numpy(dtype=object)[prod],
        "gtin": chain.gtins[prod],
        "document_id": po_ids(late["po_no"].to_numpy()).to_pylist(),
        "qty": qty,
        "amount": np.round(qty * cost, 2),
        "due": late["due_day"].to_numpy(),
        "arrival": late["arrival_day"].to_numpy(),
    }
    return [
        {
            "kind": "late_delivery",
            "store_id": str(store),
            "product_id": str(product),
            "gtin": str(gtin),
            "document_type": "purchase_order",
            "document_id": str(doc),
            "qty": float(q),
            "amount": float(a),
            "detail": f"due {dates[d]}, arrived {dates[arr]}",
        }
        for store, product, gtin, doc, q, a, d, arr in zip(*columns.values(), strict=True)
    ]


_CHAIN_PLANNERS: dict[str, Callable[[Chain, FaultPlan, np.random.Generator], list[dict]]] = {
    "transfer_missing_in": _plan_transfer_missing_in,
    "store_silent": _plan_store_silent,
    "stocktake_shrinkage_excess": _plan_stocktake_shrinkage_excess,
    "asn_qty_mismatch": _plan_asn_qty_mismatch,
    "late_delivery": _plan_late_delivery,
}


# -- one store: what its system recorded ------------------------------------------------------
@dataclass
class StoreRecord:
    """What one store's system holds: receipts (+ ``loyalty_card`` as recorded, the true total in
    ``true_total_cents``), lines (+ ``gtin`` as recorded), movements, stocktake counts, the on-hand
    it reports (milli, per product), the faults of store-level kinds it got (chain-level kinds'
    records are in the plan) and the CRM merges its receipts reveal."""

    store_idx: int
    receipts: pd.DataFrame
    lines: pd.DataFrame
    movements: pd.DataFrame
    stocktakes: pd.DataFrame
    silent_from: int
    reported_on_hand: np.ndarray | None = None
    faults: list[dict] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)  # products a fault touched in this store
    merges: list[dict] = field(default_factory=list)

    def add(self, records: list[dict], chain: Chain) -> None:
        self.faults.extend(records)
        index = _gtin_index(chain)
        self.touched.update(index[r["gtin"]] for r in records if r["gtin"] in index)

    def ledger(self, n_products: int) -> np.ndarray:
        m = self.movements
        return np.bincount(
            m["prod_idx"].to_numpy(), weights=m["qty_milli"].to_numpy(), minlength=n_products
        ).astype(np.int64)


def _gtin_index(chain: Chain) -> dict[str, int]:
    cached = chain.__dict__.get("_gtin_index")
    if cached is None:
        cached = {str(g): i for i, g in enumerate(chain.gtins)}
        chain.__dict__["_gtin_index"] = cached
    return cached


def lookups(chain: Chain) -> Lookups:
    cached = chain.__dict__.get("_lookups")
    if cached is None:
        cached = Lookups(chain)
        chain.__dict__["_lookups"] = cached
    return cached


@dataclass
class StoreContext:
    chain: Chain
    plan: FaultPlan
    s: int

    @property
    def store_id(self) -> str:
        return str(self.chain.store_ids[self.s])

    def quota(self, kind: str) -> int:
        return int(self.plan.quota[kind][self.s])

    def receipt_id(self, day: int, seq: int) -> str:
        return receipt_ids(self.chain.clock, self.store_id, np.array([day]), np.array([seq]))[
            0
        ].as_py()

    def record(self, kind, prod, document_type, document_id, qty_milli, detail, amount=None):
        return record(
            self.chain, kind, self.s, prod, document_type, document_id, qty_milli, detail, amount
        )


def record_store(
    chain: Chain, plan: FaultPlan, s: int, rows: dict[str, pd.DataFrame]
) -> StoreRecord:
    """Store ``s``'s true rows (``receipts``, ``lines``, ``movements``, ``stocktakes`` as spilled)
    as its system recorded them, with the faults the plan gives it."""
    cat = lookups(chain)
    receipts = rows["receipts"].reset_index(drop=True)
    contact = receipts["contact_idx"].to_numpy()
    receipts = receipts.assign(
        loyalty_card=np.where(contact >= 0, cat.cards[np.maximum(contact, 0)], None),
        true_total_cents=receipts["total_cents"].to_numpy(),
    )
    lines = rows["lines"].reset_index(drop=True)
    lines = lines.assign(gtin=cat.gtins[lines["prod_idx"].to_numpy()])
    rec = StoreRecord(
        store_idx=s,
        receipts=receipts,
        lines=lines,
        movements=rows["movements"].reset_index(drop=True),
        stocktakes=rows["stocktakes"].reset_index(drop=True),
        silent_from=int(plan.silent_from[s]),
    )
    ctx = StoreContext(chain, plan, s)
    for i, kind in enumerate(FAULT_ORDER):
        if kind == "onhand_mismatch":
            rec.reported_on_hand = rec.ledger(len(chain.gtins))
        if kind not in chain.preset.faults:
            continue
        if kind in _CHAIN_PLANNERS:  # its records stay in the plan; the store gets their effect
            rec.touched |= plan.touched.get(kind, {}).get(s, set())
            apply = _CHAIN_APPLIERS.get(kind)
            if apply is not None:
                apply(ctx, rec)
        elif ctx.quota(kind) > 0:
            rng = np.random.default_rng([chain.seed, 100 + i, s])
            rec.add(_STORE_INJECTORS.get(kind, store_partial_receipts)(ctx, rec, rng), chain)
    rec.stocktakes = rec.stocktakes[rec.stocktakes["day"] < rec.silent_from]
    return rec


def _apply_transfer_missing_in(ctx: StoreContext, rec: StoreRecord) -> None:
    gone = ctx.plan.missing_in.get(ctx.s, set())
    m = rec.movements
    drop = (m["movement_type"].to_numpy() == TRANSFER_IN) & m["document_no"].isin(gone).to_numpy()
    rec.movements = m[~drop].reset_index(drop=True)


def _apply_store_silent(ctx: StoreContext, rec: StoreRecord) -> None:
    start = rec.silent_from
    if start >= ctx.chain.preset.n_days:
        return
    rec.movements = rec.movements[rec.movements["day"] < start].reset_index(drop=True)
    rec.receipts = rec.receipts[rec.receipts["day"] < start].reset_index(drop=True)
    rec.lines = rec.lines[rec.lines["day"] < start].reset_index(drop=True)


_CHAIN_APPLIERS: dict[str, Callable[[StoreContext, StoreRecord], None]] = {
    "transfer_missing_in": _apply_transfer_missing_in,
    "store_silent": _apply_store_silent,
}


# -- store-level kinds ----------------------------------------------------------------------------
def _pick(rng: np.random.Generator, candidates: np.ndarray, n: int) -> list[int]:
    n = min(n, len(candidates))
    return sorted(int(i) for i in rng.choice(candidates, size=n, replace=False)) if n else []


def _after_stocktake(ctx: StoreContext, rec: StoreRecord) -> np.ndarray:
    """Movements a later stocktake would not silently correct (none in a store that goes silent:
    its ledger cannot be checked against the true on-hand at the period end)."""
    m = rec.movements
    if rec.silent_from < ctx.chain.preset.n_days:
        return np.zeros(len(m), dtype=bool)
    return m["day"].to_numpy() >= ctx.chain.stocktake_day[ctx.s]


def _untouched(rec: StoreRecord, prod: np.ndarray) -> np.ndarray:
    """Products no earlier fault touched in this store (one ledger cause per store x product)."""
    return ~np.isin(prod, np.fromiter(rec.touched, dtype=np.int64, count=len(rec.touched)))


def _movement_document(ctx: StoreContext, row) -> str:
    from simulator.ids import document_ids

    return document_ids(
        ctx.chain.clock,
        ctx.store_id,
        np.array([row.document_type]),
        np.array([row.document_no]),
        np.array([row.day]),
    )[0].as_py()


def transfer_qty_mismatch(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """The receiver booked fewer units than were sent (and arrived)."""
    m = rec.movements
    cand = np.flatnonzero(
        (m["movement_type"].to_numpy() == TRANSFER_IN)
        & _after_stocktake(ctx, rec)
        & (m["qty_milli"].to_numpy() >= 2 * MILLI)
    )
    cand = cand[_untouched(rec, m["prod_idx"].to_numpy()[cand])]
    out = []
    for i in _pick(rng, cand, ctx.quota("transfer_qty_mismatch")):
        row = m.iloc[i]
        qty = int(row.qty_milli)
        short = int(rng.integers(1, max(2, qty // MILLI // 2 + 1))) * MILLI
        m.loc[i, "qty_milli"] = qty - short
        out.append(
            ctx.record(
                "transfer_qty_mismatch",
                int(row.prod_idx),
                "transfer",
                transfer_id(int(row.document_no)),
                -short,
                f"sent {qty / MILLI:g}, booked in {(qty - short) / MILLI:g}",
            )
        )
    return out


def goods_receipt_duplicated(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """The same goods receipt line booked twice (a second movement, same purchase order)."""
    m = rec.movements
    cand = np.flatnonzero(
        (m["movement_type"].to_numpy() == GOODS_RECEIPT) & _after_stocktake(ctx, rec)
    )
    cand = cand[_untouched(rec, m["prod_idx"].to_numpy()[cand])]
    picked = _pick(rng, cand, ctx.quota("goods_receipt_duplicated"))
    if not picked:
        return []
    dups = m.iloc[picked].copy()
    top = int(m["movement_no"].max())
    dups["movement_no"] = top + 1 + np.arange(len(dups))
    dups["t"] = dups["t"] + 120
    out = [
        ctx.record(
            "goods_receipt_duplicated",
            int(row.prod_idx),
            "purchase_order",
            po_id(int(row.document_no)),
            int(row.qty_milli),
            f"goods receipt booked twice (second movement {ctx.store_id}-M{row.movement_no:08d})",
        )
        for row in dups.itertuples()
    ]
    rec.movements = pd.concat([m, dups], ignore_index=True)
    return out


def sale_without_movement(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """A sold line whose sale movement the store system never wrote."""
    m = rec.movements
    cand = np.flatnonzero((m["movement_type"].to_numpy() == SALE) & _after_stocktake(ctx, rec))
    cand = cand[_untouched(rec, m["prod_idx"].to_numpy()[cand])]
    chosen = _pick(rng, cand, ctx.quota("sale_without_movement"))
    out = [
        ctx.record(
            "sale_without_movement",
            int(row.prod_idx),
            "receipt",
            ctx.receipt_id(int(row.day), int(row.document_no)),
            int(-row.qty_milli),
            "receipt line sold without a sale movement",
        )
        for row in m.iloc[chosen].itertuples()
    ]
    rec.movements = m.drop(index=chosen).reset_index(drop=True)
    return out


def _first_line_prod(rec: StoreRecord, receipt_keys) -> dict[int, int]:
    first = rec.lines.drop_duplicates("receipt_key").set_index("receipt_key")["prod_idx"]
    return {int(k): int(first.get(k, 0)) for k in receipt_keys}


def _completed(rec: StoreRecord) -> np.ndarray:
    return ~rec.receipts["voided"].to_numpy()


def receipt_total_mismatch(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """A modern till's receipt total differs from the sum of its lines by 1-5 EUR."""
    r = rec.receipts
    if not ctx.chain.modern[ctx.s]:
        return []
    cand = np.flatnonzero(_completed(rec) & (r["total_cents"].to_numpy() > 0))
    chosen = _pick(rng, cand, ctx.quota("receipt_total_mismatch"))
    first = _first_line_prod(rec, r["receipt_key"].to_numpy()[chosen])
    out = []
    for i in chosen:
        delta = int(rng.integers(100, 500)) * (1 if rng.random() < 0.5 else -1)
        row = r.iloc[i]
        r.loc[i, "total_cents"] = int(row.total_cents) + delta
        out.append(
            ctx.record(
                "receipt_total_mismatch",
                first[int(row.receipt_key)],
                "receipt",
                ctx.receipt_id(int(row.day), int(row.seq)),
                0,
                f"total_gross off its lines by {delta / 100:.2f}",
                amount=delta / 100,
            )
        )
    return out


def _card_receipts(rec: StoreRecord) -> np.ndarray:
    r = rec.receipts
    return np.flatnonzero(r["loyalty_card"].notna().to_numpy() & _completed(rec))


def _new_card(rng: np.random.Generator, mark: str, s: int, taken: set[str]) -> str:
    """A well-formed card no contact has; ``mark`` and the store keep stores' cards apart."""
    while True:
        body = f"29{mark}{s:04d}{int(rng.integers(10**5)):05d}"
        card = body + ean.calc_check_digit(body)
        if card not in taken:
            taken.add(card)
            return card


def unknown_loyalty_card(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """A receipt on a well-formed loyalty card that the CRM does not know."""
    r = rec.receipts
    chosen = _pick(rng, _card_receipts(rec), ctx.quota("unknown_loyalty_card"))
    first = _first_line_prod(rec, r["receipt_key"].to_numpy()[chosen])
    taken = set(lookups(ctx.chain).known_cards)
    out = []
    for i in chosen:
        card = _new_card(rng, "9", ctx.s, taken)
        row = r.iloc[i]
        r.loc[i, "loyalty_card"] = card
        r.loc[i, "contact_idx"] = -1  # no longer a known member's receipt
        out.append(
            ctx.record(
                "unknown_loyalty_card",
                first[int(row.receipt_key)],
                "receipt",
                ctx.receipt_id(int(row.day), int(row.seq)),
                0,
                f"loyalty card {card} is not in the CRM",
            )
        )
    return out


def crm_members_merged(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """A member had two contacts; the CRM merged them and archived the absorbed one, whose card
    is still used at the till. Only members of this store (their home store), so that no two
    stores merge the same member."""
    cat = lookups(ctx.chain)
    r = rec.receipts
    contact = r["contact_idx"].to_numpy()
    cand = _card_receipts(rec)
    cand = cand[(contact[cand] >= 0) & (cat.home[np.maximum(contact[cand], 0)] == ctx.s)]
    chosen = _pick(rng, cand, ctx.quota("crm_members_merged"))
    first = _first_line_prod(rec, r["receipt_key"].to_numpy()[chosen])
    step, top = 7, int(cat.contact_ids.max())
    ordinal = int(ctx.plan.merge_base[ctx.s])
    taken = set(cat.known_cards)
    merged: set[int] = set()
    out = []
    for i in chosen:
        survivor = int(contact[i])
        if survivor in merged:
            continue
        merged.add(survivor)
        new_id = top + step * (ordinal + 1)
        ordinal += 1
        card = _new_card(rng, "8", ctx.s, taken)
        row = r.iloc[i]
        r.loc[i, "loyalty_card"] = card
        r.loc[i, "contact_idx"] = -1
        rec.merges.append({"survivor": survivor, "id": new_id, "loyalty_card": card})
        out.append(
            ctx.record(
                "crm_members_merged",
                first[int(row.receipt_key)],
                "receipt",
                ctx.receipt_id(int(row.day), int(row.seq)),
                0,
                f"card {card} of contact {new_id}, merged into {cat.contact_ids[survivor]}",
            )
        )
    return out


def shelf_price_mismatch(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """A store sells a product for some days at a price head office does not have for that day."""
    L = rec.lines
    r = rec.receipts
    # a voided receipt is no sale, and a silent store's days never reach the warehouse
    voided = set(r.loc[r["voided"].to_numpy(), "receipt_key"].tolist())
    prod, day = L["prod_idx"].to_numpy(), L["day"].to_numpy()
    ok = (
        (L["qty_milli"].to_numpy() > 0)
        & (L["discount_cents"].to_numpy() == 0)
        & ~L["receipt_key"].isin(voided).to_numpy()
        & (day < rec.silent_from)
    )
    pairs = pd.DataFrame({"p": prod, "d": day})[ok].drop_duplicates("p")
    out = []
    changed = np.zeros(len(L), dtype=bool)
    for j in _pick(rng, np.arange(len(pairs)), ctx.quota("shelf_price_mismatch")):
        p, d0 = (int(x) for x in pairs.iloc[j])
        idx = np.flatnonzero(ok & (prod == p) & (day >= d0) & (day <= d0 + 2))
        price = int(L["price_cents"].iat[idx[0]])
        wrong = price + max(10, price // 10 // 10 * 10)
        L.loc[idx, "price_cents"] = wrong
        L.loc[idx, "total_cents"] = (L.loc[idx, "qty_milli"] * wrong + MILLI // 2) // MILLI
        changed[idx] = True
        first = L.iloc[idx[0]]
        out.append(
            ctx.record(
                "shelf_price_mismatch",
                p,
                "receipt",
                ctx.receipt_id(int(first.day), int(first.seq)),
                0,
                f"sold at {wrong / 100:.2f} instead of {price / 100:.2f} on "
                f"{len(idx)} lines from {ctx.chain.clock.date_of(d0)}",
                amount=round((wrong - price) / 100, 2),
            )
        )
    if changed.any():
        # the receipts' totals follow their lines (a total receipt_total_mismatch made wrong stays
        # wrong by the same amount)
        keys = np.unique(L["receipt_key"].to_numpy()[changed])
        totals = L[L["receipt_key"].isin(keys)].groupby("receipt_key")["total_cents"].sum()
        hit = r["receipt_key"].isin(keys).to_numpy()
        k = r.loc[hit, "receipt_key"].to_numpy()
        r.loc[hit, "total_cents"] = (
            r.loc[hit, "total_cents"].to_numpy()
            - r.loc[hit, "true_total_cents"].to_numpy()
            + totals.reindex(k).to_numpy()
        )
    return out


def invalid_gtin(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """A receipt line whose GTIN has a wrong check digit (the sale movement has the right one)."""
    L = rec.lines
    cand = np.flatnonzero(L["qty_milli"].to_numpy() > 0)
    out = []
    for i in _pick(rng, cand, ctx.quota("invalid_gtin")):
        row = L.iloc[i]
        good = row.gtin
        bad = good[:12] + str((int(good[12]) + int(rng.integers(1, 10))) % 10)
        L.loc[i, "gtin"] = bad
        out.append(
            ctx.record(
                "invalid_gtin",
                int(row.prod_idx),
                "receipt",
                ctx.receipt_id(int(row.day), int(row.seq)),
                int(row.qty_milli),
                f"line {row.line_no} scanned as {bad} (check digit)",
            )
        )
    return out


def store_partial_receipts(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """For one business day a store sent only about half of its receipts (movements all there)."""
    out = []
    r = rec.receipts
    for d in ctx.plan.partial_days.get(ctx.s, []):
        day_rows = np.flatnonzero(r["day"].to_numpy() == d)
        if len(day_rows) < 4:
            continue
        drop = rng.choice(day_rows, size=len(day_rows) // 2, replace=False)
        keys = r["receipt_key"].to_numpy()[drop]
        r = r.drop(index=r.index[drop]).reset_index(drop=True)
        rec.lines = rec.lines[~rec.lines["receipt_key"].isin(keys)].reset_index(drop=True)
        date = ctx.chain.clock.date_of(d)
        out.append(
            ctx.record(
                "store_partial_receipts",
                None,
                "business_day",
                str(date),
                len(drop) * MILLI,
                f"{len(drop)} of {len(day_rows)} receipts of {date} not sent",
            )
        )
    rec.receipts = r
    return out


def source_row_deleted(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """A modern store hard-deleted a completed receipt (and its lines); its movements remain."""
    if not ctx.chain.modern[ctx.s]:
        return []
    r = rec.receipts
    chosen = _pick(rng, np.flatnonzero(_completed(rec)), ctx.quota("source_row_deleted"))
    keys = r["receipt_key"].to_numpy()[chosen]
    first = _first_line_prod(rec, keys)
    out = [
        ctx.record(
            "source_row_deleted",
            first[int(row.receipt_key)],
            "receipt",
            ctx.receipt_id(int(row.day), int(row.seq)),
            0,
            "receipt and its lines deleted at the source",
        )
        for row in r.iloc[chosen].itertuples()
    ]
    rec.receipts = r.drop(index=chosen).reset_index(drop=True)
    rec.lines = rec.lines[~rec.lines["receipt_key"].isin(keys)].reset_index(drop=True)
    return out


def onhand_mismatch(ctx: StoreContext, rec: StoreRecord, rng) -> list[dict]:
    """The store system reports an on-hand that its own movements do not add up to."""
    chain = ctx.chain
    cat = lookups(chain)
    free = np.flatnonzero(_untouched(rec, np.arange(len(chain.gtins))))
    last = chain.clock.date_of(rec.silent_from - 1)
    legacy = not chain.modern[ctx.s]
    out = []
    for p in _pick(rng, free, ctx.quota("onhand_mismatch")):
        delta = int(rng.integers(200, 2000)) if cat.is_kg[p] else int(rng.integers(1, 6)) * MILLI
        if rng.random() < 0.5 and rec.reported_on_hand[p] >= delta:
            delta = -delta
        rec.reported_on_hand[p] += delta
        out.append(
            ctx.record(
                "onhand_mismatch",
                p,
                "stock" if legacy else "stock_on_hand",
                f"{ctx.store_id}_{last:%Y%m%d}_stock.csv" if legacy else "stock_on_hand",
                delta,
                f"reported on-hand differs from the store's own movements by {delta / MILLI:g}",
            )
        )
    return out


StoreInjector = Callable[[StoreContext, StoreRecord, np.random.Generator], list[dict]]
_STORE_INJECTORS: dict[str, StoreInjector] = {
    "transfer_qty_mismatch": transfer_qty_mismatch,
    "goods_receipt_duplicated": goods_receipt_duplicated,
    "sale_without_movement": sale_without_movement,
    "receipt_total_mismatch": receipt_total_mismatch,
    "unknown_loyalty_card": unknown_loyalty_card,
    "crm_members_merged": crm_members_merged,
    "shelf_price_mismatch": shelf_price_mismatch,
    "invalid_gtin": invalid_gtin,
    "source_row_deleted": source_row_deleted,
    "onhand_mismatch": onhand_mismatch,
}
# store_partial_receipts is store-level too, but its stores and days come from the plan


def merged_contacts(chain: Chain, merges: list[dict]) -> pd.DataFrame:
    """The CRM's contacts as recorded: every merge archives an absorbed contact (a copy of the
    survivor with its own id and card) and names it on the survivor; ordered by id."""
    contacts = chain.contacts.copy()
    contacts["archived"] = False
    contacts["hs_merged_object_ids"] = ""
    if not merges:
        return contacts
    merges = sorted(merges, key=lambda m: m["id"])
    survivors = [m["survivor"] for m in merges]
    absorbed = contacts.iloc[survivors].copy()
    absorbed["id"] = [m["id"] for m in merges]
    absorbed["loyalty_card"] = [m["loyalty_card"] for m in merges]
    absorbed["archived"] = True
    absorbed["email"] = [
        e.replace("@", f".{m['id']}@") for e, m in zip(absorbed["email"], merges, strict=True)
    ]
    absorbed["hs_merged_object_ids"] = ""
    at = contacts.columns.get_loc("hs_merged_object_ids")
    for m in merges:
        contacts.iat[m["survivor"], at] = str(m["id"])
    return pd.concat([contacts, absorbed], ignore_index=True)

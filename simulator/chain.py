"""The true chain: a day-by-day, store-by-product simulation of stock, sales, orders and transfers.

Everything here is what *really* happened. Quantities are integer thousandths of a unit ("milli":
1000 = one piece or one kilogram) so ledgers sum exactly; money is integer cents. Faults are applied
afterwards (``simulator.faults``) and never change this model.

Per day and store, in this order: stocktake (06:00, correction 06:30), goods (06:45-08:00) and
transfers (07:00-08:00) arriving before the store opens at 08:00,
unrecorded shrinkage (only before the store's stocktake, which corrects it), sales with voids and
loyalty cards, returns, transfers out, and reorders at closing. A store that opens inside the period
starts with an opening-stock adjustment on its first day and trades from then on.

Demand per store x product and day: popularity (lognormal) x store size x weekday x the category's
yearly cycle x promotion uplift, Poisson lines, never more than the stock on hand. Prices follow the
head office price history; promotions give their discount on the line.

Purchasing: an order is confirmed (sometimes short, by the supplier's fill rate), shipped the day
before its confirmed date, and arrives on time or late (``late_delivery`` rate x the supplier's late
weight). At the goods receipt the store books what was shipped and returns damaged units at once
(an ``adjustment`` on the same purchase order).

Streaming: the day loop hands every few days (:class:`DayChunk`) to a sink and forgets them; only
the chain-level state (:class:`Chain`: master data, contacts, purchase orders, transfers, final
stock) stays in memory. Store rows are numbers only (store, day, sequence numbers, codes); their
text ids (``S001-20260902-00001``, ``S001-M00000001``, ``PO0000001``) are made where a source is
written (:mod:`simulator.ids`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from simulator.catalog import SEASONALITY, Catalog, build_catalog
from simulator.clock import Clock
from simulator.crm.data import build_contacts, build_feedback
from simulator.presets import Preset

MILLI = 1000
WEEKDAY_FACTOR = np.array([0.9, 0.9, 0.95, 1.0, 1.15, 1.35, 0.75])  # Monday .. Sunday

# movement and document types as small integer codes (their text only where a source is written)
MOVEMENT_TYPES = np.array(
    [
        "goods_receipt",
        "adjustment",
        "transfer_in",
        "transfer_out",
        "sale",
        "return",
        "stocktake_correction",
    ],
    dtype=object,
)
GOODS_RECEIPT, ADJUSTMENT, TRANSFER_IN, TRANSFER_OUT, SALE, RETURN, STOCKTAKE_CORRECTION = range(7)
# stocktake_shrinkage_excess: a loss of at least EXCESS_MIN_LOSS (or half the stock), of a product
# with at least EXCESS_MIN_STOCK on hand; the usual shrinkage loses one unit now and then
EXCESS_MIN_STOCK = 20 * MILLI
EXCESS_MIN_LOSS = 15 * MILLI
DOCUMENT_TYPES = np.array(
    ["receipt", "purchase_order", "transfer", "stocktake", "adjustment"], dtype=object
)
# a movement's document: its receipt (document_no = the receipt's number that day), purchase order
# (po number), transfer (transfer number), stocktake (the store's count that day), opening stock
DOC_RECEIPT, DOC_PURCHASE_ORDER, DOC_TRANSFER, DOC_STOCKTAKE, DOC_OPENING = range(5)

RECEIPT_COLUMNS = [
    "receipt_key",  # chain-wide, in order of creation
    "store_idx",
    "day",
    "t",  # seconds after local midnight
    "seq",  # number of the receipt in its store and day (in time order), from 1
    "register_no",
    "contact_idx",  # -1: no loyalty card
    "voided",
    "total_cents",
]
LINE_COLUMNS = [
    "receipt_key",
    "store_idx",
    "day",
    "seq",  # the receipt's
    "line_no",
    "prod_idx",
    "qty_milli",
    "price_cents",
    "discount_cents",
    "total_cents",
]
MOVEMENT_COLUMNS = [
    "store_idx",
    "prod_idx",
    "day",
    "t",
    "movement_type",  # MOVEMENT_TYPES code
    "qty_milli",
    "document_type",  # DOCUMENT_TYPES code
    "document_no",
    "counterparty_idx",  # -1: none
    "movement_no",  # per store, from 1, in time order across the whole period
]
STOCKTAKE_COLUMNS = ["store_idx", "prod_idx", "day", "t", "counted_milli", "system_milli"]
TABLES = {
    "receipts": RECEIPT_COLUMNS,
    "lines": LINE_COLUMNS,
    "movements": MOVEMENT_COLUMNS,
    "stocktakes": STOCKTAKE_COLUMNS,
}
PO_COLUMNS = [
    "po_no",
    "supplier_idx",
    "store_idx",
    "order_day",
    "order_t",
    "due_day",
    "ship_day",
    "arrival_day",
    "arrival_t",
]
PO_LINE_COLUMNS = [
    "po_no",
    "line_no",
    "prod_idx",
    "qty_milli",
    "confirmed_milli",
    "rejected_milli",
    "unit_cost",
]
TRANSFER_COLUMNS = [
    "transfer_no",
    "from_idx",
    "to_idx",
    "prod_idx",
    "qty_milli",
    "out_day",
    "out_t",
    "in_day",
    "in_t",
]


@dataclass
class Chain:
    """The chain-level state of the true chain (small next to the store rows, which stream).

    ``purchase_orders``, ``po_lines``, ``transfers`` and ``true_on_hand`` are set when the day loop
    has run; ``excess_shrink`` gets its quantities during the loop.
    """

    preset: Preset
    seed: int
    clock: Clock
    catalog: Catalog
    contacts: pd.DataFrame
    feedback: pd.DataFrame
    stocktake_day: np.ndarray  # [store]
    open_day: np.ndarray  # [store]
    excess_shrink: pd.DataFrame  # store_idx, prod_idx, day, qty_milli (stocktake_shrinkage_excess)
    purchase_orders: pd.DataFrame | None = None  # PO_COLUMNS
    po_lines: pd.DataFrame | None = None  # PO_LINE_COLUMNS
    transfers: pd.DataFrame | None = None  # TRANSFER_COLUMNS
    true_on_hand: np.ndarray | None = None  # [store, product] milli at the end of the last day

    @cached_property
    def store_ids(self) -> np.ndarray:
        return self.catalog.stores["store_id"].to_numpy(dtype=object)

    @cached_property
    def gtins(self) -> np.ndarray:
        return self.catalog.products["gtin"].to_numpy(dtype=object)

    @cached_property
    def modern(self) -> np.ndarray:
        """[store] True for modern store systems, False for legacy ones."""
        return (self.catalog.stores["kind"] == "modern").to_numpy()


@dataclass
class DayChunk:
    """What the chain recorded over a run of consecutive days (``first_day`` .. ``last_day``).

    ``receipts``, ``lines``, ``movements`` and ``stocktakes`` are columns (name -> array) of
    :data:`TABLES`, sorted by store and then as in the whole chain (receipts by day and number,
    lines by receipt and line number, movements by movement number): concatenating the chunks and
    sorting stably by store gives the whole chain, whatever the chunk size.
    """

    first_day: int
    last_day: int
    receipts: dict[str, np.ndarray]
    lines: dict[str, np.ndarray]
    movements: dict[str, np.ndarray]
    stocktakes: dict[str, np.ndarray]
    store_ids: np.ndarray  # store index -> store id (the chain's, not only this chunk's)


def stocktake_days(preset: Preset) -> np.ndarray:
    """[store] the day of each store's stocktake (near the period end, spread over three days)."""
    days = preset.n_days - preset.stocktake_days_before_end - np.arange(preset.n_stores) % 3
    return np.maximum(days, 0)


def _rng(seed: int, part: int) -> np.random.Generator:
    return np.random.default_rng([seed, part])


def simulate_chunks(
    preset: Preset,
    seed: int,
    make_sink: Callable[[Chain], Callable[[DayChunk], None]],
    chunk_days: int = 7,
) -> Chain:
    """Run the true chain day by day, handing every ``chunk_days`` days to a sink (streaming).

    ``make_sink`` gets the chain-level state before the first day (master data, contacts, stocktake
    and opening days) and returns the sink. Nothing of the chunks is kept; the returned chain holds
    the chain-level state. The chunks do not depend on ``chunk_days``.
    """
    clock = Clock(preset.start_date, preset.n_days)
    catalog = build_catalog(preset, _rng(seed, 1))
    contacts = build_contacts(preset, catalog.stores, clock, _rng(seed, 2))
    feedback = build_feedback(preset, contacts, clock, _rng(seed, 3))
    sim = _Simulation(preset, clock, catalog, contacts, _rng(seed, 4))
    chain = Chain(
        preset=preset,
        seed=seed,
        clock=clock,
        catalog=catalog,
        contacts=contacts,
        feedback=feedback,
        stocktake_day=sim.stocktake_day,
        open_day=sim.open_day,
        excess_shrink=sim.excess,
    )
    sim.run(make_sink(chain), chunk_days)
    sim.finish(chain)
    return chain


def build_chain(
    preset: Preset, seed: int, chunk_days: int = 7
) -> tuple[Chain, dict[str, pd.DataFrame]]:
    """The chain-level state and every store row of the true chain in memory (small chains)."""
    chunks: list[DayChunk] = []
    chain = simulate_chunks(preset, seed, lambda _chain: chunks.append, chunk_days)
    rows = {}
    for table, columns in TABLES.items():
        frame = pd.DataFrame(_concat([getattr(c, table) for c in chunks], columns))
        rows[table] = frame.sort_values("store_idx", kind="stable").reset_index(drop=True)
    return chain, rows


def _concat(parts: list[dict[str, np.ndarray]], columns: list[str]) -> dict[str, np.ndarray]:
    if not parts:
        return {c: np.zeros(0, dtype=bool if c == "voided" else np.int64) for c in columns}
    return {c: np.concatenate([p[c] for p in parts]) for c in columns}


def _poisson(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """Poisson draws for many small rates, flat: by inverse CDF from one uniform per cell (most
    cells stop at 0 after one comparison); rates above 10 from numpy's own sampler."""
    lam = lam.ravel()
    u = rng.random(lam.size)
    p = np.exp(-lam)
    out = np.zeros(lam.size, dtype=np.int64)
    idx = np.flatnonzero(u > p)
    big = lam[idx] > 10
    out[idx[big]] = rng.poisson(lam[idx[big]])
    idx = idx[~big]
    lam_i, u_i, p_i = lam[idx], u[idx], p[idx]
    cdf = p_i.copy()
    k = 0
    while len(idx) and k < 200:
        k += 1
        p_i = p_i * lam_i / k
        cdf += p_i
        out[idx] = k
        more = u_i > cdf
        idx, lam_i, u_i, p_i, cdf = idx[more], lam_i[more], u_i[more], p_i[more], cdf[more]
    return out


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """For sorted ``keys``: the index where each element's run of equal keys starts."""
    n = len(keys)
    start = np.ones(n, dtype=bool)
    start[1:] = keys[1:] != keys[:-1]
    return np.maximum.accumulate(np.where(start, np.arange(n), 0))


class _Simulation:
    def __init__(
        self,
        preset: Preset,
        clock: Clock,
        catalog: Catalog,
        contacts: pd.DataFrame,
        rng: np.random.Generator,
    ) -> None:
        self.p, self.clock, self.catalog, self.contacts, self.rng = (
            preset,
            clock,
            catalog,
            contacts,
            rng,
        )
        products, stores, suppliers = catalog.products, catalog.stores, catalog.suppliers
        S, P = len(stores), len(products)
        self.S, self.P = S, P
        self.is_kg = (products["unit"] == "kg").to_numpy()
        self.case_milli = products["case_pack"].to_numpy().astype(np.int64) * MILLI
        prices = catalog.prices
        first = prices.groupby("prod_idx").head(1)
        self.price_cents = first["price_cents"].to_numpy().astype(np.int64).copy()
        self.cost = first["cost_price"].to_numpy().astype(float).copy()
        changes = prices[prices["day"] >= 0]
        self.price_changes = {
            int(d): g for d, g in changes.groupby("day")[["prod_idx", "price_cents", "cost_price"]]
        }
        self.supplier_idx = products["supplier_id"].str[3:].astype(int).to_numpy() - 1
        self.leads = suppliers["lead_time_days"].to_numpy().astype(np.int64)
        self.lead = self.leads[self.supplier_idx]
        self.fill = suppliers["fill_rate"].to_numpy()
        self.reject = suppliers["reject_rate"].to_numpy()
        self.late_w = suppliers["late_weight"].to_numpy()
        self.open_day = stores["open_day"].to_numpy().astype(np.int64)
        amp, peak = zip(*(SEASONALITY[c] for c in products["category"]), strict=True)
        self.season_amp, self.season_peak = np.array(amp), np.array(peak)
        self.promos = catalog.promotions
        late_spec = preset.faults.get("late_delivery")
        self.late_rate = late_spec.rate if late_spec else 0.0

        popularity = rng.lognormal(0.0, 1.5, size=P)
        popularity /= popularity.sum()
        self.popularity = popularity
        size = stores["size_sqm"].to_numpy().astype(float)
        store_factor = np.clip(size / size.mean(), 0.5, 1.8)
        lines_per_day = preset.receipts_per_day * preset.lines_per_receipt * store_factor
        self.base_lines = lines_per_day[:, None] * popularity[None, :]  # [S, P]
        mean_qty = np.where(self.is_kg, 825, 1300)  # milli per line
        mean_daily = self.base_lines * mean_qty[None, :]
        cover = mean_daily * (self.lead[None, :] + 2) + 0.5 * self.case_milli[None, :]
        self.rop = np.ceil(cover).astype(np.int64)
        self.order_up_to = self.rop + np.maximum(mean_daily * 7, self.case_milli).astype(np.int64)

        start = (self.order_up_to * rng.uniform(0.7, 1.0, size=(S, P))).astype(np.int64)
        start = np.where(self.is_kg[None, :], start // 10 * 10, start // MILLI * MILLI)
        self.opening = start
        self.phys = np.zeros((S, P), dtype=np.int64)
        self.ledger = np.zeros((S, P), dtype=np.int64)
        self.on_order = np.zeros((S, P), dtype=np.int64)

        self.stocktake_day = stocktake_days(preset)

        # stocktake_shrinkage_excess: real, unrecorded losses the stocktake then finds
        spec = preset.faults.get("stocktake_shrinkage_excess")
        frng = np.random.default_rng([int(rng.integers(2**31)), 77])
        excess = []
        if spec is not None:
            eligible = np.flatnonzero(
                (self.stocktake_day > self.open_day + 3) & (self.stocktake_day < preset.n_days)
            )
            each = np.flatnonzero(~self.is_kg)
            n = spec.count(len(eligible) * len(each))
            for i in frng.choice(len(eligible) * len(each), size=n, replace=False) if n else []:
                s, p = int(eligible[int(i) // len(each)]), int(each[int(i) % len(each)])
                excess.append((s, p, int(self.stocktake_day[s]) - 1 - int(frng.integers(0, 3))))
        self.excess_rng = frng
        self.excess = pd.DataFrame(excess, columns=["store_idx", "prod_idx", "day"], dtype=np.int64)
        self.excess["qty_milli"] = np.zeros(len(excess), dtype=np.int64)

        # contacts are sorted by creation; a card is used from the day after it was created
        self.contact_day = contacts["create_day"].to_numpy()
        home = contacts["home_store_idx"].to_numpy()
        self.home_members = np.argsort(home, kind="stable")  # contact indexes grouped by store
        self.home_start = np.searchsorted(home[self.home_members], np.arange(S))
        self.home_days = [
            self.contact_day[self.home_members[a:b]]
            for a, b in zip(self.home_start, [*self.home_start[1:], len(home)], strict=True)
        ]

        self.moves: list[dict[str, np.ndarray]] = []
        self.receipt_parts: list[dict[str, np.ndarray]] = []
        self.line_parts: list[dict[str, np.ndarray]] = []
        self.stocktake_parts: list[dict[str, np.ndarray]] = []
        self.po_parts: list[dict[str, np.ndarray]] = []
        self.po_line_parts: list[dict[str, np.ndarray]] = []
        self.transfer_rows: list[tuple] = []
        # arrival day -> batches of arriving lines (purchase orders and transfers)
        self.arrivals: dict[int, list[dict[str, np.ndarray]]] = {}
        self.receipt_counter = 0
        self.po_counter = 0
        self.transfer_counter = 0

    def _open(self, d: int) -> None:
        for s in np.flatnonzero(self.open_day == d):
            self.phys[s] = self.opening[s]
            self.ledger[s] = self.opening[s]
            self._move(
                np.full(self.P, s),
                np.arange(self.P),
                d,
                np.full(self.P, 6 * 3600),
                ADJUSTMENT,
                self.opening[s],
                DOC_OPENING,
                0,
            )

    # -- recording helpers -------------------------------------------------------------------
    def _move(
        self,
        store: np.ndarray,
        prod: np.ndarray,
        day: int,
        t: np.ndarray,
        movement_type: int,
        qty: np.ndarray,
        document_type: int,
        document_no: np.ndarray | int,
        receipt_key: np.ndarray | None = None,
        counterparty: np.ndarray | int = -1,
    ) -> None:
        n = len(store)
        if n == 0:
            return
        self.moves.append(
            {
                "store_idx": np.asarray(store, dtype=np.int64),
                "prod_idx": np.asarray(prod, dtype=np.int64),
                "day": np.full(n, day, dtype=np.int64),
                "t": np.broadcast_to(np.asarray(t, dtype=np.int64), (n,)),
                "movement_type": np.full(n, movement_type, dtype=np.int8),
                "qty_milli": np.asarray(qty, dtype=np.int64),
                "document_type": np.full(n, document_type, dtype=np.int8),
                "document_no": np.broadcast_to(np.asarray(document_no, dtype=np.int64), (n,)),
                "receipt_key": (
                    np.full(n, -1, dtype=np.int64) if receipt_key is None else receipt_key
                ),
                "counterparty_idx": np.broadcast_to(np.asarray(counterparty, dtype=np.int64), (n,)),
            }
        )

    # -- the day loop ------------------------------------------------------------------------
    def run(self, sink: Callable[[DayChunk], None], chunk_days: int = 7) -> None:
        self.move_count = np.zeros(self.S, dtype=np.int64)  # movement numbers handed out per store
        first = 0
        for d in range(self.p.n_days):
            self._open(d)
            self._prices(d)
            self._stocktake(d)
            self._arrive(d)
            self._shrink(d)
            self._sell(d)
            self._returns(d)
            self._transfer(d)
            self._reorder(d)
            if d + 1 - first >= chunk_days or d == self.p.n_days - 1:
                sink(self._chunk(first, d))
                first = d + 1

    def _prices(self, d: int) -> None:
        change = self.price_changes.get(d)
        if change is not None:
            p = change["prod_idx"].to_numpy()
            self.price_cents[p] = change["price_cents"].to_numpy()
            self.cost[p] = change["cost_price"].to_numpy()

    def _promo_pct(self, d: int) -> np.ndarray:
        """[S, P] discount percent of the promotions running on day ``d``."""
        pr = self.promos
        on = pr[(pr["start_day"] <= d) & (pr["end_day"] >= d)]
        pct = np.zeros((self.S, self.P), dtype=np.int64)
        chain_wide = on[on["store_idx"] < 0]
        pct[:, chain_wide["prod_idx"].to_numpy()] = chain_wide["discount_pct"].to_numpy()[None, :]
        local = on[on["store_idx"] >= 0]
        pct[local["store_idx"].to_numpy(), local["prod_idx"].to_numpy()] = local[
            "discount_pct"
        ].to_numpy()
        return pct

    def _stocktake(self, d: int) -> None:
        P = self.P
        for s in np.flatnonzero(self.stocktake_day == d):
            self.stocktake_parts.append(
                {
                    "store_idx": np.full(P, s, dtype=np.int64),
                    "prod_idx": np.arange(P, dtype=np.int64),
                    "day": np.full(P, d, dtype=np.int64),
                    "t": np.full(P, 6 * 3600, dtype=np.int64),
                    "counted_milli": self.phys[s].copy(),
                    "system_milli": self.ledger[s].copy(),
                }
            )
            diff = self.phys[s] - self.ledger[s]
            nz = np.flatnonzero(diff)
            self._move(
                np.full(len(nz), s),
                nz,
                d,
                6 * 3600 + 1800,
                STOCKTAKE_CORRECTION,
                diff[nz],
                DOC_STOCKTAKE,
                0,
            )
            self.ledger[s] = self.phys[s]

    def _arrive(self, d: int) -> None:
        """Goods receipts (and damaged units handed back) and transfers in, as one batch."""
        batches = self.arrivals.pop(d, [])
        if not batches:
            return
        a = {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}
        po = a["kind"] == DOC_PURCHASE_ORDER
        np.subtract.at(self.on_order, (a["store"][po], a["prod"][po]), a["ordered"][po])
        got = po & (a["qty"] > 0)  # what was shipped arrives
        back = got & (a["rejected"] > 0)  # damaged units handed back to the driver
        transfer = ~po
        parts = [
            (got, a["t"], a["qty"], GOODS_RECEIPT),
            (back, a["t"] + 900, -a["rejected"], ADJUSTMENT),
            (transfer, a["t"], a["qty"], TRANSFER_IN),
        ]
        for sel, t, qty, movement_type in parts:
            if not sel.any():
                continue
            store, prod, q = a["store"][sel], a["prod"][sel], qty[sel]
            # the movements are the stock change: shipped in, rejected back out, transferred in
            np.add.at(self.phys, (store, prod), q)
            np.add.at(self.ledger, (store, prod), q)
            self._move(
                store,
                prod,
                d,
                t[sel],
                movement_type,
                q,
                DOC_TRANSFER if movement_type == TRANSFER_IN else DOC_PURCHASE_ORDER,
                a["doc_no"][sel],
                counterparty=a["other"][sel],
            )

    def _shrink(self, d: int) -> None:
        active = (d < self.stocktake_day) & (d >= self.open_day)
        hit = self.rng.random((self.S, self.P)) < self.p.shrink_rate
        s_idx, p_idx = np.nonzero(hit & active[:, None])
        loss = np.where(
            self.is_kg[p_idx], self.rng.integers(100, 500, size=len(s_idx)), MILLI
        ).astype(np.int64)
        loss = np.minimum(loss, self.phys[s_idx, p_idx])
        self.phys[s_idx, p_idx] -= loss
        ex = self.excess
        for i in np.flatnonzero(ex["day"].to_numpy() == d):
            s, p = int(ex["store_idx"].iat[i]), int(ex["prod_idx"].iat[i])
            if self.phys[s, p] < EXCESS_MIN_STOCK:
                # the loss must stand out from the usual one-unit-at-a-time shrinkage: take a
                # product with enough stock (the planned one when it has it)
                taken = set(ex.loc[ex["store_idx"] == s, "prod_idx"].tolist())
                stocked = [
                    int(q)
                    for q in np.flatnonzero((self.phys[s] >= EXCESS_MIN_STOCK) & ~self.is_kg)
                    if int(q) not in taken
                ]
                if stocked:
                    p = stocked[int(self.excess_rng.integers(len(stocked)))]
                    ex.iat[i, ex.columns.get_loc("prod_idx")] = p
            q = max(EXCESS_MIN_LOSS, self.phys[s, p] // 2 // MILLI * MILLI)
            q = min(q, self.phys[s, p])
            self.phys[s, p] -= q
            ex.iat[i, ex.columns.get_loc("qty_milli")] = q

    def _sell(self, d: int) -> None:
        rng, S, P = self.rng, self.S, self.P
        day = self.clock.date_of(d)
        weekday, doy = day.weekday(), day.timetuple().tm_yday
        season = 1 + self.season_amp * np.cos(2 * np.pi * (doy - self.season_peak) / 365.25)
        pct = self._promo_pct(d)
        is_open = (self.open_day <= d).astype(float)
        noise = rng.uniform(0.85, 1.15, size=S)
        lam = self.base_lines * (season * WEEKDAY_FACTOR[weekday])[None, :]
        lam *= (noise * is_open)[:, None]
        promo_s, promo_p = np.nonzero(pct)
        lam[promo_s, promo_p] *= 1 + pct[promo_s, promo_p] / 100 * 4  # 20% off ~doubles the lines
        counts = _poisson(rng, lam)
        cell = np.repeat(np.arange(S * P), counts)
        prod = cell % P
        qty = np.where(
            self.is_kg[prod],
            rng.integers(150, 1500, size=len(cell)),
            (1 + rng.poisson(0.3, size=len(cell))) * MILLI,
        )
        cum = np.cumsum(qty)
        before = np.concatenate([[0], cum])[np.cumsum(counts) - counts]
        keep = cum - np.repeat(before, counts) <= self.phys.ravel()[cell]
        cell, prod, qty = cell[keep], prod[keep], qty[keep]
        store = cell // P
        if len(cell) == 0:
            return
        per_store = np.bincount(store, minlength=S)
        n_receipts = np.maximum(1, np.round(per_store / self.p.lines_per_receipt)).astype(np.int64)
        offsets = np.cumsum(n_receipts) - n_receipts
        local = (rng.random(len(cell)) * n_receipts[store]).astype(np.int64)
        key = self.receipt_counter + offsets[store] + local
        self.receipt_counter += int(n_receipts.sum())
        keys, line_receipt = np.unique(key, return_inverse=True)
        r_store = np.zeros(len(keys), dtype=np.int64)
        r_store[line_receipt] = store  # every line of a receipt is in the same store
        n_r = len(keys)
        voided = rng.random(n_r) < self.p.void_share
        r_t = self._add_receipts(d, keys, r_store, voided)

        order = np.argsort(line_receipt, kind="stable")
        gross = (qty * self.price_cents[prod] + MILLI // 2) // MILLI
        promo = pct.ravel()[cell]
        markdown = rng.random(len(cell)) < self.p.discount_share
        disc = np.where(
            promo > 0,
            (gross * promo + 50) // 100,
            np.where(markdown, np.round(gross * rng.uniform(0.1, 0.3, size=len(cell))), 0),
        ).astype(np.int64)
        self.line_parts.append(
            {
                "receipt_key": keys[line_receipt][order],
                "prod_idx": prod[order],
                "qty_milli": qty[order],
                "price_cents": self.price_cents[prod][order],
                "discount_cents": disc[order],
                "total_cents": (gross - disc)[order],
            }
        )
        sold = ~voided[line_receipt]
        np.subtract.at(self.phys.ravel(), cell[sold], qty[sold])
        np.subtract.at(self.ledger.ravel(), cell[sold], qty[sold])
        self._move(
            store[sold],
            prod[sold],
            d,
            r_t[line_receipt[sold]],
            SALE,
            -qty[sold],
            DOC_RECEIPT,
            0,
            receipt_key=keys[line_receipt][sold],
        )

    def _add_receipts(
        self, d: int, keys: np.ndarray, store: np.ndarray, voided: np.ndarray
    ) -> np.ndarray:
        """Record receipts (time, register, loyalty card); returns their times."""
        rng, n = self.rng, len(keys)
        t = (8 * 3600 + rng.beta(1.6, 1.4, size=n) * 12 * 3600).astype(np.int64)
        card = np.full(n, -1, dtype=np.int64)
        wants = rng.random(n) < self.p.loyalty_share
        n_eligible = np.searchsorted(self.contact_day, d, side="left")
        home_pick = rng.random(n) < 0.7
        draw = rng.random(n)
        n_home = np.array([np.searchsorted(days, d, side="left") for days in self.home_days])
        r_home = n_home[store]
        use_home = wants & home_pick & (r_home > 0)
        at = self.home_start[store[use_home]] + (draw[use_home] * r_home[use_home]).astype(np.int64)
        card[use_home] = self.home_members[at]
        other = wants & ~use_home & (n_eligible > 0)
        card[other] = (draw[other] * n_eligible).astype(np.int64)
        self.receipt_parts.append(
            {
                "receipt_key": keys,
                "store_idx": store,
                "day": np.full(n, d, dtype=np.int64),
                "t": t,
                "register_no": rng.integers(1, self.p.registers + 1, size=n),
                "contact_idx": card,
                "voided": voided,
            }
        )
        return t

    def _returns(self, d: int) -> None:
        rng, S = self.rng, self.S
        n_ret = rng.poisson(self.p.receipts_per_day * self.p.return_share, size=S)
        n_ret[self.open_day > d] = 0
        store = np.repeat(np.arange(S), n_ret)
        if len(store) == 0:
            return
        prod = rng.choice(self.P, size=len(store), p=self.popularity)
        qty = np.where(self.is_kg[prod], rng.integers(200, 800, size=len(store)), MILLI)
        keys = self.receipt_counter + np.arange(len(store))
        self.receipt_counter += len(store)
        t = self._add_receipts(d, keys, store, np.zeros(len(store), dtype=bool))
        gross = (qty * self.price_cents[prod] + MILLI // 2) // MILLI
        self.line_parts.append(
            {
                "receipt_key": keys,
                "prod_idx": prod,
                "qty_milli": -qty,
                "price_cents": self.price_cents[prod],
                "discount_cents": np.zeros(len(store), dtype=np.int64),
                "total_cents": -gross,
            }
        )
        np.add.at(self.phys, (store, prod), qty)
        np.add.at(self.ledger, (store, prod), qty)
        self._move(store, prod, d, t, RETURN, qty, DOC_RECEIPT, 0, receipt_key=keys)

    def _transfer(self, d: int) -> None:
        rng, S = self.rng, self.S
        if S < 2:
            return
        n_tr = int(rng.poisson(self.p.transfers_per_day))
        if d >= self.p.n_days - 7:
            n_tr = max(n_tr, 1)  # keep late transfers in every period (in transit at the end)
        open_stores = np.flatnonzero(self.open_day <= d)
        if len(open_stores) < 2:
            return
        for _ in range(n_tr):
            a, b = rng.choice(open_stores, size=2, replace=False)
            surplus = self.phys[a] - self.rop[a]
            cand = np.flatnonzero((surplus >= self.case_milli) & ~self.is_kg)
            if len(cand) == 0:
                continue
            k = int(min(len(cand), rng.integers(1, 4)))
            prod = np.sort(rng.choice(cand, size=k, replace=False))
            qty = self.case_milli[prod]
            self.transfer_counter += 1
            tr_no = self.transfer_counter
            out_t = int(rng.integers(10 * 3600, 16 * 3600))
            in_day = d + int(rng.integers(1, 3))
            in_t = int(rng.integers(7 * 3600, 8 * 3600))  # before opening (08:00)
            self.phys[a, prod] -= qty
            self.ledger[a, prod] -= qty
            self._move(
                np.full(k, a),
                prod,
                d,
                out_t,
                TRANSFER_OUT,
                -qty,
                DOC_TRANSFER,
                tr_no,
                counterparty=int(b),
            )
            if in_day < self.p.n_days:
                self._arriving(in_day, DOC_TRANSFER, tr_no, b, prod, qty, 0, 0, in_t, a)
            for p_, q_ in zip(prod, qty, strict=True):
                self.transfer_rows.append((tr_no, a, b, p_, q_, d, out_t, in_day, in_t))

    def _arriving(self, day, kind, doc_no, store, prod, qty, rejected, ordered, t, other) -> None:
        n = len(prod)

        def col(x) -> np.ndarray:
            return np.broadcast_to(np.asarray(x, dtype=np.int64), (n,))

        self.arrivals.setdefault(int(day), []).append(
            {
                "kind": col(kind),
                "doc_no": col(doc_no),
                "store": col(store),
                "prod": col(prod),
                "qty": col(qty),
                "rejected": col(rejected),
                "ordered": col(ordered),
                "t": col(t),
                "other": col(other),
            }
        )

    def _reorder(self, d: int) -> None:
        rng = self.rng
        position = self.ledger + self.on_order
        below = (position < self.rop) & (self.open_day <= d)[:, None]
        s_idx, p_idx = np.nonzero(below)
        if len(s_idx) == 0:
            return
        gap = self.order_up_to[s_idx, p_idx] - position[s_idx, p_idx]
        case = self.case_milli[p_idx]
        qty = -(-gap // case) * case
        sup = self.supplier_idx[p_idx]
        order = np.lexsort((p_idx, sup, s_idx))
        s_idx, p_idx, qty, sup, case = (
            s_idx[order],
            p_idx[order],
            qty[order],
            sup[order],
            case[order],
        )
        group_key = s_idx * self.p.n_suppliers + sup
        bounds = np.flatnonzero(np.diff(group_key)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(group_key)]])
        n = len(starts)
        po_no = self.po_counter + 1 + np.arange(n)
        self.po_counter += n
        order_t = rng.integers(20 * 3600, 21 * 3600 + 1800, size=n)
        arrival_t = rng.integers(6 * 3600 + 2700, 8 * 3600, size=n)  # after stocktake, before 08:00
        fill = self.fill[sup]
        reject = self.reject[sup]
        # confirmation: a short line confirms fewer cases (sometimes none)
        short = rng.random(len(qty)) > fill
        cut = np.minimum(qty // case, rng.integers(1, 3, size=len(qty))) * case
        confirmed = np.where(short, qty - cut, qty)
        rejected = np.where(
            (rng.random(len(qty)) < reject) & (confirmed > 0),
            np.where(self.is_kg[p_idx], MILLI, MILLI * rng.integers(1, 3, size=len(qty))),
            0,
        )
        rejected = np.minimum(rejected, confirmed)
        self.on_order[s_idx, p_idx] += qty
        per_po = ends - starts
        line_po = np.repeat(po_no, per_po)
        self.po_line_parts.append(
            {
                "po_no": line_po,
                "line_no": np.arange(len(s_idx)) - np.repeat(starts, per_po) + 1,
                "prod_idx": p_idx,
                "qty_milli": qty,
                "confirmed_milli": confirmed,
                "rejected_milli": rejected,
                "unit_cost": self.cost[p_idx],
            }
        )
        po_sup, po_store = sup[starts], s_idx[starts]
        late = rng.random(n) < self.late_rate * self.late_w[po_sup]
        delay = np.where(late, rng.integers(1, 4, size=n), 0)
        due = d + self.leads[po_sup]
        arrival = due + delay
        self.po_parts.append(
            {
                "po_no": po_no,
                "supplier_idx": po_sup,
                "store_idx": po_store,
                "order_day": np.full(n, d, dtype=np.int64),
                "order_t": order_t,
                "due_day": due,
                "ship_day": np.maximum(d + 1, due - 1),
                "arrival_day": arrival,
                "arrival_t": arrival_t,
            }
        )
        line_arrival = np.repeat(arrival, per_po)
        line_t = np.repeat(arrival_t, per_po)
        for day in np.unique(arrival[arrival < self.p.n_days]):
            sel = line_arrival == day
            self._arriving(
                day,
                DOC_PURCHASE_ORDER,
                line_po[sel],
                s_idx[sel],
                p_idx[sel],
                confirmed[sel],  # shipped
                rejected[sel],
                qty[sel],
                line_t[sel],
                -1,
            )

    # -- assembling ----------------------------------------------------------------------------
    def _chunk(self, first: int, last: int) -> DayChunk:
        """Assemble days ``first`` .. ``last`` recorded since the last chunk, and forget them."""
        store_ids = self.catalog.stores["store_id"].to_numpy(dtype=object)
        r = _concat(self.receipt_parts, RECEIPT_COLUMNS[:4] + RECEIPT_COLUMNS[5:8])
        lines = _concat(self.line_parts, ["receipt_key", *LINE_COLUMNS[5:]])
        moves = _concat(
            self.moves, [c for c in MOVEMENT_COLUMNS if c != "movement_no"] + ["receipt_key"]
        )
        # receipts: by store, day and time (ties: by key, the order they were recorded in);
        # numbered per store and day
        order = np.argsort(self._time_key(r), kind="stable")
        r = {k: v[order] for k, v in r.items()}
        n_r = len(order)
        store_day = r["store_idx"] * self.p.n_days + r["day"]
        r["seq"] = np.arange(n_r) - _group_starts(store_day) + 1
        # lines: by their receipt's position, numbered within it
        k0 = int(r["receipt_key"].min()) if n_r else 0
        position = np.full(int(r["receipt_key"].max()) - k0 + 1 if n_r else 0, -1, dtype=np.int64)
        position[r["receipt_key"] - k0] = np.arange(n_r)
        at = position[lines["receipt_key"] - k0]
        order = np.argsort(at, kind="stable")
        lines = {k: v[order] for k, v in lines.items()}
        at = at[order]
        lines["line_no"] = np.arange(len(at)) - _group_starts(at) + 1
        for col in ("store_idx", "day", "seq"):
            lines[col] = r[col][at]
        r["total_cents"] = np.bincount(at, weights=lines["total_cents"], minlength=n_r).astype(
            np.int64
        )
        # movements: by store, day and time (ties: as recorded), numbered per store
        is_receipt = moves["receipt_key"] >= 0
        moves["document_no"][is_receipt] = r["seq"][position[moves["receipt_key"][is_receipt] - k0]]
        order = np.argsort(self._time_key(moves), kind="stable")
        moves = {k: v[order] for k, v in moves.items() if k != "receipt_key"}
        m_store = moves["store_idx"]
        moves["movement_no"] = (
            np.arange(len(m_store)) - _group_starts(m_store) + 1 + self.move_count[m_store]
        )
        self.move_count += np.bincount(m_store, minlength=self.S)
        stocktakes = _concat(self.stocktake_parts, STOCKTAKE_COLUMNS)
        self.receipt_parts, self.line_parts, self.moves, self.stocktake_parts = [], [], [], []
        return DayChunk(
            first,
            last,
            {c: r[c] for c in RECEIPT_COLUMNS},
            {c: lines[c] for c in LINE_COLUMNS},
            {c: moves[c] for c in MOVEMENT_COLUMNS},
            {c: stocktakes[c] for c in STOCKTAKE_COLUMNS},
            store_ids,
        )

    def _time_key(self, rows: dict[str, np.ndarray]) -> np.ndarray:
        """Store, day and time of day as one sortable integer."""
        return (rows["store_idx"] * self.p.n_days + rows["day"]) * 86_400 + rows["t"]

    def finish(self, chain: Chain) -> None:
        """Hand the chain-level results to ``chain``."""
        chain.purchase_orders = pd.DataFrame(_concat(self.po_parts, PO_COLUMNS))
        chain.po_lines = pd.DataFrame(_concat(self.po_line_parts, PO_LINE_COLUMNS))
        chain.transfers = pd.DataFrame(
            np.array(self.transfer_rows, dtype=np.int64).reshape(-1, len(TRANSFER_COLUMNS)),
            columns=TRANSFER_COLUMNS,
        )
        chain.true_on_hand = self.phys.copy()
        self.po_parts, self.po_line_parts, self.transfer_rows = [], [], []

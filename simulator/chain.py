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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.catalog import SEASONALITY, Catalog, build_catalog
from simulator.clock import Clock
from simulator.crm.data import build_contacts, build_feedback
from simulator.presets import Preset

MILLI = 1000
WEEKDAY_FACTOR = np.array([0.9, 0.9, 0.95, 1.0, 1.15, 1.35, 0.75])  # Monday .. Sunday

RECEIPT_PART_COLUMNS = [
    "receipt_key",
    "store_idx",
    "day",
    "t",
    "register_no",
    "contact_idx",
    "voided",
]
LINE_PART_COLUMNS = [
    "receipt_key",
    "prod_idx",
    "qty_milli",
    "price_cents",
    "discount_cents",
    "total_cents",
]
STOCKTAKE_COLUMNS = [
    "stocktake_id",
    "store_idx",
    "prod_idx",
    "day",
    "t",
    "counted_milli",
    "system_milli",
]
ARRIVAL_TYPES = np.array(["goods_receipt", "adjustment", "transfer_in"], dtype=object)
ARRIVAL_DOCUMENTS = np.array(["purchase_order", "purchase_order", "transfer"], dtype=object)
MOVEMENT_COLUMNS = [
    "store_idx",
    "prod_idx",
    "day",
    "t",
    "movement_type",
    "qty_milli",
    "document_type",
    "document_id",
    "receipt_key",
    "counterparty_idx",
]


@dataclass
class Chain:
    preset: Preset
    seed: int
    clock: Clock
    catalog: Catalog
    contacts: pd.DataFrame
    feedback: pd.DataFrame
    receipts: (
        pd.DataFrame
    )  # receipt_key, receipt_id, store_idx, day, t, register_id, loyalty_card, status, total_cents
    lines: (
        pd.DataFrame
    )  # receipt_key, receipt_id, line_no, prod_idx, qty_milli, price/discount/total cents
    movements: pd.DataFrame  # MOVEMENT_COLUMNS + movement_id, with document_id filled for receipts
    stocktakes: (
        pd.DataFrame
    )  # stocktake_id, store_idx, prod_idx, day, t, counted_milli, system_milli
    # po_id, supplier_idx, store_idx, order_day, order_t, due_day, ship_day, arrival_day, arrival_t
    purchase_orders: pd.DataFrame
    po_lines: pd.DataFrame  # po_id, line_no, prod_idx, qty/confirmed/rejected_milli, unit_cost
    transfers: (
        pd.DataFrame
    )  # transfer_id, from_idx, to_idx, prod_idx, qty_milli, out_day, out_t, in_day, in_t
    true_on_hand: np.ndarray  # [store, product] milli at the end of the last day
    stocktake_day: np.ndarray  # [store]
    open_day: np.ndarray  # [store]
    excess_shrink: pd.DataFrame  # store_idx, prod_idx, day, qty_milli (stocktake_shrinkage_excess)

    @property
    def store_ids(self) -> np.ndarray:
        return self.catalog.stores["store_id"].to_numpy()

    @property
    def gtins(self) -> np.ndarray:
        return self.catalog.products["gtin"].to_numpy()


def _padded(n: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(np.asarray(n, dtype=np.int64)).cast(pa.string()), width, "0")


def _text(*parts: pa.Array | str) -> pd.api.extensions.ExtensionArray:
    """Strings joined element-wise (Arrow, not a Python loop), as a pandas ``str`` array."""
    return pd.Series(pc.binary_join_element_wise(*parts, ""), dtype="str").array


def _rng(seed: int, part: int) -> np.random.Generator:
    return np.random.default_rng([seed, part])


def build_chain(preset: Preset, seed: int, chunk_days: int = 7) -> Chain:
    clock = Clock(preset.start_date, preset.n_days)
    catalog = build_catalog(preset, _rng(seed, 1))
    contacts = build_contacts(preset, catalog.stores, clock, _rng(seed, 2))
    feedback = build_feedback(preset, contacts, clock, _rng(seed, 3))
    sim = _Simulation(preset, clock, catalog, contacts, _rng(seed, 4))
    collected: list[DayChunk] = []
    sim.run(collected.append, chunk_days)
    return sim.result(seed, feedback, collected)


@dataclass
class DayChunk:
    """What the chain recorded over a run of consecutive days (``first_day`` .. ``last_day``).

    ``receipts``, ``lines``, ``movements`` and ``stocktakes`` have the columns of :class:`Chain`,
    sorted by store and then as in the whole chain, with final ids (receipt ids, line numbers,
    per-store movement ids): concatenating the chunks and sorting stably by store gives the chain.
    """

    first_day: int
    last_day: int
    receipts: pd.DataFrame
    lines: pd.DataFrame
    movements: pd.DataFrame
    stocktakes: pd.DataFrame
    store_ids: np.ndarray  # store index -> store id (the chain's, not only this chunk's)


def simulate_chunks(
    preset: Preset, seed: int, sink: Callable[[DayChunk], None], chunk_days: int = 7
) -> _Simulation:
    """Run the true chain day by day, handing every ``chunk_days`` days to ``sink`` (streaming).

    Nothing of the chunks is kept; the returned simulation holds the chain-level state (purchase
    orders, transfers, final stock). The chunks do not depend on ``chunk_days``.
    """
    clock = Clock(preset.start_date, preset.n_days)
    catalog = build_catalog(preset, _rng(seed, 1))
    contacts = build_contacts(preset, catalog.stores, clock, _rng(seed, 2))
    sim = _Simulation(preset, clock, catalog, contacts, _rng(seed, 4))
    sim.run(sink, chunk_days)
    return sim


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
        self.case_milli = products["case_pack"].to_numpy() * MILLI
        prices = catalog.prices
        first = prices.groupby("prod_idx").head(1)
        self.price_cents = first["price_cents"].to_numpy().astype(np.int64).copy()
        self.cost = first["cost_price"].to_numpy().astype(float).copy()
        changes = prices[prices["day"] >= 0]
        self.price_changes = {
            int(d): g for d, g in changes.groupby("day")[["prod_idx", "price_cents", "cost_price"]]
        }
        self.supplier_idx = products["supplier_id"].str[3:].astype(int).to_numpy() - 1
        self.lead = suppliers["lead_time_days"].to_numpy()[self.supplier_idx]
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

        self.stocktake_day = preset.n_days - preset.stocktake_days_before_end - np.arange(S) % 3
        self.stocktake_day = np.maximum(self.stocktake_day, 0)

        # stocktake_shrinkage_excess: real, unrecorded losses the stocktake then finds
        spec = preset.faults.get("stocktake_shrinkage_excess")
        frng = np.random.default_rng([int(rng.integers(2**31)), 77])
        excess = []
        if spec is not None:
            eligible = np.flatnonzero(
                (self.stocktake_day > self.open_day + 3) & (self.stocktake_day < preset.n_days)
            )
            pairs = [(s, p) for s in eligible for p in np.flatnonzero(~self.is_kg)]
            n = spec.count(len(pairs))
            for i in frng.choice(len(pairs), size=n, replace=False) if n else []:
                s, p = pairs[int(i)]
                excess.append((s, p, int(self.stocktake_day[s]) - 1 - int(frng.integers(0, 3))))
        self.excess = pd.DataFrame(excess, columns=["store_idx", "prod_idx", "day"])
        self.excess["qty_milli"] = 0

        # contacts are sorted by creation; a card is used from the day after it was created
        self.contact_day = contacts["create_day"].to_numpy()
        self.contact_home = contacts["home_store_idx"].to_numpy()
        self.home_members = [np.flatnonzero(self.contact_home == s) for s in range(S)]

        self.day_labels = pa.array([f"{clock.date_of(d):%Y%m%d}" for d in range(preset.n_days)])
        self.moves: list[dict[str, np.ndarray]] = []
        self.receipt_parts: list[dict[str, np.ndarray]] = []
        self.line_parts: list[dict[str, np.ndarray]] = []
        self.stocktake_parts: list[pd.DataFrame] = []
        self.po_rows: list[tuple] = []
        self.po_line_parts: list[dict[str, np.ndarray]] = []
        self.transfer_rows: list[tuple] = []
        self.arrivals: dict[int, list[tuple]] = {}
        self.receipt_counter = 0
        self.po_counter = 0
        self.transfer_counter = 0

    def _open(self, d: int) -> None:
        store_ids = self.catalog.stores["store_id"].to_numpy()
        for s in np.flatnonzero(self.open_day == d):
            self.phys[s] = self.opening[s]
            self.ledger[s] = self.opening[s]
            self._move(
                np.full(self.P, s),
                np.arange(self.P),
                d,
                np.full(self.P, 6 * 3600),
                "adjustment",
                self.opening[s],
                "adjustment",
                np.full(self.P, f"OPEN-{store_ids[s]}", dtype=object),
            )

    # -- recording helpers -------------------------------------------------------------------
    def _move(
        self,
        store: np.ndarray,
        prod: np.ndarray,
        day: int,
        t: np.ndarray,
        movement_type: str,
        qty: np.ndarray,
        document_type: str,
        document_id: np.ndarray | None,
        receipt_key: np.ndarray | None = None,
        counterparty: np.ndarray | None = None,
    ) -> None:
        n = len(store)
        if n == 0:
            return
        self.moves.append(
            {
                "store_idx": np.asarray(store, dtype=np.int64),
                "prod_idx": np.asarray(prod, dtype=np.int64),
                "day": np.full(n, day, dtype=np.int64),
                "t": np.asarray(t, dtype=np.int64),
                "movement_type": np.full(n, movement_type, dtype=object),
                "qty_milli": np.asarray(qty, dtype=np.int64),
                "document_type": np.full(n, document_type, dtype=object),
                "document_id": (
                    np.full(n, None, dtype=object)
                    if document_id is None
                    else np.asarray(document_id, dtype=object)
                ),
                "receipt_key": (
                    np.full(n, -1, dtype=np.int64) if receipt_key is None else receipt_key
                ),
                "counterparty_idx": (
                    np.full(n, -1, dtype=np.int64) if counterparty is None else counterparty
                ),
            }
        )

    # -- the day loop ------------------------------------------------------------------------
    def run(self, sink: Callable[[DayChunk], None], chunk_days: int = 7) -> None:
        self.move_count = np.zeros(self.S, dtype=np.int64)  # movement ids handed out per store
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
        store_ids = self.catalog.stores["store_id"].to_numpy()
        P = self.P
        for s in np.flatnonzero(self.stocktake_day == d):
            st_id = f"ST-{store_ids[s]}-{self.clock.date_of(d):%Y%m%d}"
            self.stocktake_parts.append(
                pd.DataFrame(
                    {
                        "stocktake_id": st_id,
                        "store_idx": s,
                        "prod_idx": np.arange(P),
                        "day": d,
                        "t": 6 * 3600,
                        "counted_milli": self.phys[s].copy(),
                        "system_milli": self.ledger[s].copy(),
                    }
                )
            )
            diff = self.phys[s] - self.ledger[s]
            nz = np.flatnonzero(diff)
            self._move(
                np.full(len(nz), s),
                nz,
                d,
                np.full(len(nz), 6 * 3600 + 1800),
                "stocktake_correction",
                diff[nz],
                "stocktake",
                np.full(len(nz), st_id, dtype=object),
            )
            self.ledger[s] = self.phys[s]

    def _arrive(self, d: int) -> None:
        """Goods receipts (and damaged units handed back) and transfers in, as one batch."""
        arrivals = self.arrivals.pop(d, [])
        if not arrivals:
            return
        pieces: list[tuple[int, np.ndarray, int, np.ndarray, int, str, int]] = []
        order_s, order_p, order_q = [], [], []
        for kind, doc_id, store, prod, qty, t, other in arrivals:
            if kind == "po":
                shipped, rejected, ordered = qty
                order_s.append(np.full(len(prod), store))
                order_p.append(prod)
                order_q.append(ordered)
                got = shipped > 0
                prod, shipped, rejected = prod[got], shipped[got], rejected[got]
                pieces.append((store, prod, t, shipped, 0, doc_id, -1))
                back = rejected > 0  # damaged units handed back to the driver
                pieces.append((store, prod[back], t + 900, -rejected[back], 1, doc_id, -1))
            else:
                pieces.append((store, prod, t, qty, 2, doc_id, other))
        if order_s:
            np.subtract.at(
                self.on_order,
                (np.concatenate(order_s), np.concatenate(order_p)),
                np.concatenate(order_q),
            )
        lens = np.array([len(piece[1]) for piece in pieces])
        if not lens.sum():
            return
        store, prod, t, qty, code, doc, other = zip(*pieces, strict=True)
        store_col = np.repeat(np.array(store, dtype=np.int64), lens)
        prod_col = np.concatenate(prod).astype(np.int64)
        qty_col = np.concatenate(qty).astype(np.int64)
        codes = np.repeat(np.array(code), lens)
        # the movements are the stock change: shipped in, rejected back out, transferred in
        np.add.at(self.phys, (store_col, prod_col), qty_col)
        np.add.at(self.ledger, (store_col, prod_col), qty_col)
        n = len(prod_col)
        self.moves.append(
            {
                "store_idx": store_col,
                "prod_idx": prod_col,
                "day": np.full(n, d, dtype=np.int64),
                "t": np.repeat(np.array(t, dtype=np.int64), lens),
                "movement_type": ARRIVAL_TYPES[codes],
                "qty_milli": qty_col,
                "document_type": ARRIVAL_DOCUMENTS[codes],
                "document_id": np.repeat(np.array(doc, dtype=object), lens),
                "receipt_key": np.full(n, -1, dtype=np.int64),
                "counterparty_idx": np.repeat(np.array(other, dtype=np.int64), lens),
            }
        )

    def _shrink(self, d: int) -> None:
        active = ((d < self.stocktake_day) & (d >= self.open_day))[:, None]
        hit = (self.rng.random((self.S, self.P)) < self.p.shrink_rate) & active
        loss = np.where(self.is_kg[None, :], self.rng.integers(100, 500, (self.S, self.P)), MILLI)
        loss = np.minimum(np.where(hit, loss, 0), self.phys)
        self.phys -= loss
        ex = self.excess
        for i in np.flatnonzero(ex["day"].to_numpy() == d):
            s, p = int(ex["store_idx"].iat[i]), int(ex["prod_idx"].iat[i])
            q = max(5 * MILLI, self.phys[s, p] // 2 // MILLI * MILLI)
            q = min(q, self.phys[s, p])
            self.phys[s, p] -= q
            ex.iat[i, ex.columns.get_loc("qty_milli")] = q

    def _sell(self, d: int) -> None:
        rng, S, P = self.rng, self.S, self.P
        day = self.clock.date_of(d)
        weekday, doy = day.weekday(), day.timetuple().tm_yday
        season = 1 + self.season_amp * np.cos(2 * np.pi * (doy - self.season_peak) / 365.25)
        pct = self._promo_pct(d)
        uplift = 1 + pct / 100 * 4  # 20% off roughly doubles the lines
        is_open = (self.open_day <= d).astype(float)[:, None]
        noise = rng.uniform(0.85, 1.15, size=(S, 1))
        lam = self.base_lines * WEEKDAY_FACTOR[weekday] * season[None, :] * uplift * noise * is_open
        counts = rng.poisson(lam).ravel()
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
        self._add_receipts(d, keys, r_store, voided)

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
        removed = np.bincount(cell[sold], weights=qty[sold], minlength=S * P).astype(np.int64)
        self.phys -= removed.reshape(S, P)
        self.ledger -= removed.reshape(S, P)
        r_t = self.receipt_parts[-1]["t"]
        self._move(
            store[sold],
            prod[sold],
            d,
            r_t[line_receipt[sold]],
            "sale",
            -qty[sold],
            "receipt",
            None,
            receipt_key=keys[line_receipt][sold],
        )

    def _add_receipts(
        self, d: int, keys: np.ndarray, store: np.ndarray, voided: np.ndarray
    ) -> None:
        rng, n = self.rng, len(keys)
        t = (8 * 3600 + rng.beta(1.6, 1.4, size=n) * 12 * 3600).astype(np.int64)
        card = np.full(n, -1, dtype=np.int64)
        wants = rng.random(n) < self.p.loyalty_share
        n_eligible = np.searchsorted(self.contact_day, d, side="left")
        home_pick = rng.random(n) < 0.7
        draw = rng.random(n)
        for s in np.unique(store):
            members = self.home_members[s]
            n_home = np.searchsorted(self.contact_day[members], d, side="left")
            sel = (store == s) & wants
            use_home = sel & home_pick & (n_home > 0)
            card[use_home] = members[(draw[use_home] * n_home).astype(np.int64)]
            other = sel & ~use_home & (n_eligible > 0)
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
        self._add_receipts(d, keys, store, np.zeros(len(store), dtype=bool))
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
        t = self.receipt_parts[-1]["t"]
        self._move(store, prod, d, t, "return", qty, "receipt", None, receipt_key=keys)

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
            tr_id = f"TR-{self.transfer_counter:06d}"
            out_t = int(rng.integers(10 * 3600, 16 * 3600))
            in_day = d + int(rng.integers(1, 3))
            in_t = int(rng.integers(7 * 3600, 8 * 3600))  # before opening (08:00)
            self.phys[a, prod] -= qty
            self.ledger[a, prod] -= qty
            self._move(
                np.full(k, a),
                prod,
                d,
                np.full(k, out_t),
                "transfer_out",
                -qty,
                "transfer",
                np.full(k, tr_id, dtype=object),
                counterparty=np.full(k, b),
            )
            if in_day < self.p.n_days:
                self.arrivals.setdefault(in_day, []).append(
                    ("transfer", tr_id, b, prod, qty, in_t, a)
                )
            for p_, q_ in zip(prod, qty, strict=True):
                self.transfer_rows.append((tr_id, a, b, p_, q_, d, out_t, in_day, in_t))

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
        suppliers = self.catalog.suppliers
        leads = suppliers["lead_time_days"].to_numpy()
        fill = suppliers["fill_rate"].to_numpy()[sup]
        reject = suppliers["reject_rate"].to_numpy()[sup]
        late_w = suppliers["late_weight"].to_numpy()
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
        line_po = np.repeat(po_no, ends - starts)
        self.po_line_parts.append(
            {
                "po_no": line_po,
                "line_no": np.arange(len(s_idx)) - np.repeat(starts, ends - starts) + 1,
                "prod_idx": p_idx,
                "qty_milli": qty,
                "confirmed_milli": confirmed,
                "rejected_milli": rejected,
                "unit_cost": self.cost[p_idx],
            }
        )
        late = rng.random(n) < self.late_rate * late_w[sup[starts]]
        delay = np.where(late, rng.integers(1, 4, size=n), 0)
        for i in range(n):
            s, sup_i = int(s_idx[starts[i]]), int(sup[starts[i]])
            po_id = f"PO{po_no[i]:07d}"
            due = d + int(leads[sup_i])
            arrival = due + int(delay[i])
            ship = max(d + 1, due - 1)
            self.po_rows.append(
                (po_id, sup_i, s, d, int(order_t[i]), due, ship, arrival, int(arrival_t[i]))
            )
            if arrival < self.p.n_days:
                sl = slice(starts[i], ends[i])
                self.arrivals.setdefault(arrival, []).append(
                    (
                        "po",
                        po_id,
                        s,
                        p_idx[sl],
                        (confirmed[sl], rejected[sl], qty[sl]),
                        int(arrival_t[i]),
                        -1,
                    )
                )

    # -- assembling ----------------------------------------------------------------------------
    def _chunk(self, first: int, last: int) -> DayChunk:
        """Assemble days ``first`` .. ``last`` recorded since the last chunk, and forget them."""
        store_ids = self.catalog.stores["store_id"].to_numpy()
        if self.receipt_parts:
            receipts = pd.DataFrame(
                {
                    k: np.concatenate([p[k] for p in self.receipt_parts])
                    for k in self.receipt_parts[0]
                }
            )
            lines = pd.DataFrame(
                {k: np.concatenate([p[k] for p in self.line_parts]) for k in self.line_parts[0]}
            )
        else:
            receipts = pd.DataFrame(
                {k: np.zeros(0, dtype=np.int64) for k in RECEIPT_PART_COLUMNS}
            ).astype({"voided": bool})
            lines = pd.DataFrame({k: np.zeros(0, dtype=np.int64) for k in LINE_PART_COLUMNS})
        receipts = receipts.sort_values(["store_idx", "day", "t", "receipt_key"], kind="stable")
        seq = receipts.groupby(["store_idx", "day"]).cumcount().to_numpy() + 1
        ids = pa.array(store_ids.astype(str))
        receipts["receipt_id"] = _text(
            ids.take(receipts["store_idx"].to_numpy()),
            "-",
            self.day_labels.take(receipts["day"].to_numpy()),
            "-",
            _padded(seq, 5),
        )
        registers = np.array([f"R{i}" for i in range(self.p.registers + 1)], dtype=object)
        receipts["register_id"] = registers[receipts["register_no"].to_numpy()]
        cards = self.contacts["loyalty_card"].to_numpy()
        cidx = receipts["contact_idx"].to_numpy()
        receipts["loyalty_card"] = np.where(cidx >= 0, cards[np.maximum(cidx, 0)], None)
        receipts["status"] = np.where(receipts["voided"], "voided", "completed")

        rid = receipts.set_index("receipt_key")["receipt_id"]
        lines["receipt_id"] = rid.reindex(lines["receipt_key"]).to_numpy()
        # receipt ids grow with the receipts' order (store, date, number): sort by position
        position = pd.Series(np.arange(len(receipts)), index=receipts["receipt_key"].to_numpy())
        at = position.reindex(lines["receipt_key"].to_numpy()).to_numpy()
        lines = lines.iloc[np.argsort(at, kind="stable")].reset_index(drop=True)
        at = np.sort(at, kind="stable")
        lines["line_no"] = pd.Series(at).groupby(at).cumcount().to_numpy() + 1
        totals = lines.groupby("receipt_key")["total_cents"].sum()
        receipts["total_cents"] = totals.reindex(receipts["receipt_key"]).fillna(0).to_numpy()
        receipts = receipts.reset_index(drop=True)

        moves = pd.DataFrame(
            {k: np.concatenate([m[k] for m in self.moves]) for k in MOVEMENT_COLUMNS}
        )
        is_receipt = moves["receipt_key"].to_numpy() >= 0
        moves.loc[is_receipt, "document_id"] = rid.reindex(
            moves.loc[is_receipt, "receipt_key"]
        ).to_numpy()
        moves["seq"] = np.arange(len(moves))
        moves = moves.sort_values(["store_idx", "day", "t", "seq"], kind="stable")
        m_store = moves["store_idx"].to_numpy()
        mseq = moves.groupby("store_idx").cumcount().to_numpy() + 1 + self.move_count[m_store]
        self.move_count += np.bincount(m_store, minlength=self.S)
        moves["movement_id"] = _text(ids.take(m_store), "-M", _padded(mseq, 8))
        moves = moves.drop(columns=["seq"]).reset_index(drop=True)
        stocktakes = (
            pd.concat(self.stocktake_parts, ignore_index=True)
            if self.stocktake_parts
            else pd.DataFrame(columns=STOCKTAKE_COLUMNS)
        )
        self.receipt_parts, self.line_parts, self.moves, self.stocktake_parts = [], [], [], []
        return DayChunk(first, last, receipts, lines, moves, stocktakes, store_ids)

    def result(self, seed: int, feedback: pd.DataFrame, chunks: list[DayChunk]) -> Chain:
        def joined(name: str, key: str) -> pd.DataFrame:
            frame = pd.concat([getattr(c, name) for c in chunks], ignore_index=True)
            return frame.sort_values(key, kind="stable").reset_index(drop=True)

        receipts, moves = joined("receipts", "store_idx"), joined("movements", "store_idx")
        lines = joined("lines", "receipt_id")
        # a chunk without any document id has them as objects: the same dtype at any chunk size
        moves["document_id"] = moves["document_id"].astype(object).infer_objects()
        stocktakes = pd.concat(
            [c.stocktakes for c in chunks if len(c.stocktakes)], ignore_index=True
        )
        pos = pd.DataFrame(
            self.po_rows,
            columns=[
                "po_id",
                "supplier_idx",
                "store_idx",
                "order_day",
                "order_t",
                "due_day",
                "ship_day",
                "arrival_day",
                "arrival_t",
            ],
        )
        po_lines = pd.DataFrame(
            {k: np.concatenate([p[k] for p in self.po_line_parts]) for k in self.po_line_parts[0]}
        )
        po_lines.insert(0, "po_id", "PO" + pd.Series(po_lines.pop("po_no")).map("{:07d}".format))
        transfers = pd.DataFrame(
            self.transfer_rows,
            columns=[
                "transfer_id",
                "from_idx",
                "to_idx",
                "prod_idx",
                "qty_milli",
                "out_day",
                "out_t",
                "in_day",
                "in_t",
            ],
        )
        return Chain(
            preset=self.p,
            seed=seed,
            clock=self.clock,
            catalog=self.catalog,
            contacts=self.contacts,
            feedback=feedback,
            receipts=receipts,
            lines=lines,
            movements=moves,
            stocktakes=stocktakes,
            purchase_orders=pos,
            po_lines=po_lines,
            transfers=transfers,
            true_on_hand=self.phys.copy(),
            stocktake_day=self.stocktake_day,
            open_day=self.open_day,
            excess_shrink=self.excess,
        )

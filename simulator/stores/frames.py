"""One modern store's five tables, as the store system recorded them (faults included).

Arrow tables (text ids built column-wise, timestamps as UTC ``timestamp[s]``): the SQLite writer
binds them as they are, other databases get them through pandas (``simulator.sqlio``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.chain import DOCUMENT_TYPES, MILLI, MOVEMENT_TYPES, Chain
from simulator.faults import StoreRecord
from simulator.ids import document_ids, movement_ids, receipt_ids, stocktake_id

VOID_DELAY = np.timedelta64(5, "m")


def store_index(chain: Chain, store_id: str) -> int:
    ids = list(chain.store_ids)
    if store_id not in ids:
        raise KeyError(f"unknown store {store_id!r}; stores: {ids}")
    return ids.index(store_id)


def repeated(value: str, n: int) -> pa.Array:
    """``value`` ``n`` times, as Arrow strings."""
    codes = pa.array(np.zeros(n, dtype=np.int8))
    return pa.DictionaryArray.from_arrays(codes, pa.array([value])).cast(pa.string())


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string(), from_pandas=True)


def _take(labels: np.ndarray, codes: np.ndarray) -> pa.Array:
    return pa.array(labels, type=pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def _receipt_times(chain: Chain, rec: StoreRecord) -> tuple[np.ndarray, np.ndarray]:
    """Each receipt's ``created_at`` and ``updated_at`` (UTC)."""
    r = rec.receipts
    created = chain.clock.utc(r["day"].to_numpy(), r["t"].to_numpy())
    # a void is booked minutes to a day later (a late correction: updated_at after created_at)
    void_delay = VOID_DELAY * (1 + r["receipt_key"].to_numpy() % 288)
    return created, np.where(r["voided"].to_numpy(), created + void_delay, created)


def _receipts(chain: Chain, rec: StoreRecord) -> pa.Table:
    store_id = str(chain.store_ids[rec.store_idx])
    r = rec.receipts
    r_day = r["day"].to_numpy()
    created, updated = _receipt_times(chain, rec)
    registers = pa.array([f"R{i}" for i in range(chain.preset.registers + 1)])
    voided = r["voided"].to_numpy()
    return pa.table(
        {
            "receipt_id": receipt_ids(chain.clock, store_id, r_day, r["seq"].to_numpy()),
            "store_id": repeated(store_id, len(r)),
            "register_id": registers.take(pa.array(r["register_no"].to_numpy())),
            "business_date": pa.array(chain.clock.dates(r_day)),
            "created_at": pa.array(created),
            "loyalty_card": _text(r["loyalty_card"].to_numpy()),
            "total_gross": pa.array(r["total_cents"].to_numpy() / 100),
            "status": pa.array(["completed", "voided"]).take(pa.array(voided.astype(np.int8))),
            "updated_at": pa.array(updated),
        }
    )


def _receipt_lines(chain: Chain, rec: StoreRecord) -> pa.Table:
    store_id = str(chain.store_ids[rec.store_idx])
    vat = chain.catalog.products["vat_rate"].to_numpy(dtype=float)
    lines = rec.lines
    _, updated = _receipt_times(chain, rec)
    keys = rec.receipts["receipt_key"].to_numpy()
    by_key = np.argsort(keys)
    at = by_key[np.searchsorted(keys[by_key], lines["receipt_key"].to_numpy())]
    return pa.table(
        {
            "receipt_id": receipt_ids(
                chain.clock, store_id, lines["day"].to_numpy(), lines["seq"].to_numpy()
            ),
            "line_no": pa.array(lines["line_no"].to_numpy()),
            "gtin": _text(lines["gtin"].to_numpy()),
            "qty": pa.array(lines["qty_milli"].to_numpy() / MILLI),
            "unit_price_gross": pa.array(lines["price_cents"].to_numpy() / 100),
            "discount_gross": pa.array(lines["discount_cents"].to_numpy() / 100),
            "line_total_gross": pa.array(lines["total_cents"].to_numpy() / 100),
            "vat_rate": pa.array(vat[lines["prod_idx"].to_numpy()]),
            "updated_at": pa.array(updated[at]),
        }
    )


def _stock_movements(chain: Chain, rec: StoreRecord) -> pa.Table:
    store_id = str(chain.store_ids[rec.store_idx])
    m = rec.movements
    m_day = m["day"].to_numpy()
    moved = pa.array(chain.clock.utc(m_day, m["t"].to_numpy()))
    cp = m["counterparty_idx"].to_numpy()
    return pa.table(
        {
            "movement_id": movement_ids(store_id, m["movement_no"].to_numpy()),
            "store_id": repeated(store_id, len(m)),
            "gtin": _take(chain.gtins, m["prod_idx"].to_numpy()),
            "movement_type": _take(MOVEMENT_TYPES, m["movement_type"].to_numpy()),
            "qty": pa.array(m["qty_milli"].to_numpy() / MILLI),
            "moved_at": moved,
            "business_date": pa.array(chain.clock.dates(m_day)),
            "document_type": _take(DOCUMENT_TYPES, m["document_type"].to_numpy()),
            "document_id": document_ids(
                chain.clock,
                store_id,
                m["document_type"].to_numpy(),
                m["document_no"].to_numpy(),
                m_day,
            ),
            "counterparty_store_id": pc.if_else(
                pa.array(cp >= 0),
                _take(chain.store_ids, np.maximum(cp, 0)),
                pa.scalar(None, pa.string()),
            ),
            "updated_at": moved,
        }
    )


def _stocktake_counts(chain: Chain, rec: StoreRecord) -> pa.Table:
    store_id = str(chain.store_ids[rec.store_idx])
    st = rec.stocktakes
    st_day = st["day"].to_numpy()
    counted = pa.array(chain.clock.utc(st_day, st["t"].to_numpy()))
    ids = {int(d): stocktake_id(chain.clock, store_id, int(d)) for d in np.unique(st_day)}
    return pa.table(
        {
            "stocktake_id": _text(np.array([ids[int(d)] for d in st_day], dtype=object)),
            "gtin": _take(chain.gtins, st["prod_idx"].to_numpy()),
            "counted_at": counted,
            "business_date": pa.array(chain.clock.dates(st_day)),
            "counted_qty": pa.array(st["counted_milli"].to_numpy() / MILLI),
            "system_qty": pa.array(st["system_milli"].to_numpy() / MILLI),
            "updated_at": counted,
        }
    )


def _stock_on_hand(chain: Chain, rec: StoreRecord) -> pa.Table:
    gtins = chain.gtins
    # a silent store's last report is from the evening before it went silent
    as_of = chain.clock.utc(np.array([rec.silent_from - 1]), np.array([23 * 3600 + 59 * 60]))
    as_of = pa.array(np.repeat(as_of, len(gtins)))
    return pa.table(
        {
            "gtin": _text(gtins),
            "on_hand_qty": pa.array(rec.reported_on_hand / MILLI),
            "as_of": as_of,
            "updated_at": as_of,
        }
    )


_TABLES = {
    "receipts": _receipts,
    "receipt_lines": _receipt_lines,
    "stock_movements": _stock_movements,
    "stocktake_counts": _stocktake_counts,
    "stock_on_hand": _stock_on_hand,
}


def store_tables(chain: Chain, rec: StoreRecord) -> dict[str, Callable[[], pa.Table]]:
    """The five tables, each built when called (a writer keeps one in memory at a time)."""
    return {name: partial(build, chain, rec) for name, build in _TABLES.items()}


def store_frames(chain: Chain, rec: StoreRecord) -> dict[str, pa.Table]:
    return {name: build() for name, build in store_tables(chain, rec).items()}

"""One modern store's five tables, as the store system recorded them (faults included).

Arrow tables (text ids built column-wise, timestamps as UTC ``timestamp[s]``): the SQLite writer
binds them as they are, other databases get them through pandas (``simulator.sqlio``).
"""

from __future__ import annotations

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


def store_frames(chain: Chain, rec: StoreRecord) -> dict[str, pa.Table]:
    s = rec.store_idx
    store_id = str(chain.store_ids[s])
    clock, gtins = chain.clock, chain.gtins
    vat = chain.catalog.products["vat_rate"].to_numpy(dtype=float)

    r = rec.receipts
    r_day = r["day"].to_numpy()
    created = clock.utc(r_day, r["t"].to_numpy())
    voided = r["voided"].to_numpy()
    # a void is booked minutes to a day later (a late correction: updated_at after created_at)
    void_delay = VOID_DELAY * (1 + r["receipt_key"].to_numpy() % 288)
    r_updated = np.where(voided, created + void_delay, created)
    registers = pa.array([f"R{i}" for i in range(chain.preset.registers + 1)])
    receipts = pa.table(
        {
            "receipt_id": receipt_ids(clock, store_id, r_day, r["seq"].to_numpy()),
            "store_id": repeated(store_id, len(r)),
            "register_id": registers.take(pa.array(r["register_no"].to_numpy())),
            "business_date": pa.array(clock.dates(r_day)),
            "created_at": pa.array(created),
            "loyalty_card": _text(r["loyalty_card"].to_numpy()),
            "total_gross": pa.array(r["total_cents"].to_numpy() / 100),
            "status": pa.array(["completed", "voided"]).take(pa.array(voided.astype(np.int8))),
            "updated_at": pa.array(r_updated),
        }
    )

    lines = rec.lines
    p = lines["prod_idx"].to_numpy()
    keys = r["receipt_key"].to_numpy()
    by_key = np.argsort(keys)
    at = by_key[np.searchsorted(keys[by_key], lines["receipt_key"].to_numpy())]
    receipt_lines = pa.table(
        {
            "receipt_id": receipt_ids(
                clock, store_id, lines["day"].to_numpy(), lines["seq"].to_numpy()
            ),
            "line_no": pa.array(lines["line_no"].to_numpy()),
            "gtin": _text(lines["gtin"].to_numpy()),
            "qty": pa.array(lines["qty_milli"].to_numpy() / MILLI),
            "unit_price_gross": pa.array(lines["price_cents"].to_numpy() / 100),
            "discount_gross": pa.array(lines["discount_cents"].to_numpy() / 100),
            "line_total_gross": pa.array(lines["total_cents"].to_numpy() / 100),
            "vat_rate": pa.array(vat[p]),
            "updated_at": pa.array(r_updated[at]),
        }
    )

    m = rec.movements
    m_day = m["day"].to_numpy()
    moved = pa.array(clock.utc(m_day, m["t"].to_numpy()))
    cp = m["counterparty_idx"].to_numpy()
    stock_movements = pa.table(
        {
            "movement_id": movement_ids(store_id, m["movement_no"].to_numpy()),
            "store_id": repeated(store_id, len(m)),
            "gtin": _take(gtins, m["prod_idx"].to_numpy()),
            "movement_type": _take(MOVEMENT_TYPES, m["movement_type"].to_numpy()),
            "qty": pa.array(m["qty_milli"].to_numpy() / MILLI),
            "moved_at": moved,
            "business_date": pa.array(clock.dates(m_day)),
            "document_type": _take(DOCUMENT_TYPES, m["document_type"].to_numpy()),
            "document_id": document_ids(
                clock, store_id, m["document_type"].to_numpy(), m["document_no"].to_numpy(), m_day
            ),
            "counterparty_store_id": pc.if_else(
                pa.array(cp >= 0),
                _take(chain.store_ids, np.maximum(cp, 0)),
                pa.scalar(None, pa.string()),
            ),
            "updated_at": moved,
        }
    )

    st = rec.stocktakes
    st_day = st["day"].to_numpy()
    counted = pa.array(clock.utc(st_day, st["t"].to_numpy()))
    ids = {int(d): stocktake_id(clock, store_id, int(d)) for d in np.unique(st_day)}
    stocktake_counts = pa.table(
        {
            "stocktake_id": _text(np.array([ids[int(d)] for d in st_day], dtype=object)),
            "gtin": _take(gtins, st["prod_idx"].to_numpy()),
            "counted_at": counted,
            "business_date": pa.array(clock.dates(st_day)),
            "counted_qty": pa.array(st["counted_milli"].to_numpy() / MILLI),
            "system_qty": pa.array(st["system_milli"].to_numpy() / MILLI),
            "updated_at": counted,
        }
    )

    # a silent store's last report is from the evening before it went silent
    as_of = clock.utc(np.array([rec.silent_from - 1]), np.array([23 * 3600 + 59 * 60]))
    as_of = pa.array(np.repeat(as_of, len(gtins)))
    stock_on_hand = pa.table(
        {
            "gtin": _text(gtins),
            "on_hand_qty": pa.array(rec.reported_on_hand / MILLI),
            "as_of": as_of,
            "updated_at": as_of,
        }
    )
    return {
        "receipts": receipts,
        "receipt_lines": receipt_lines,
        "stock_movements": stock_movements,
        "stocktake_counts": stocktake_counts,
        "stock_on_hand": stock_on_hand,
    }

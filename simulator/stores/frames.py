"""One modern store's five tables, as the store system recorded them (faults included)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.chain import DOCUMENT_TYPES, MILLI, MOVEMENT_TYPES, Chain
from simulator.faults import StoreRecord
from simulator.ids import as_text, document_ids, movement_ids, receipt_ids

VOID_DELAY = np.timedelta64(5, "m")


def store_index(chain: Chain, store_id: str) -> int:
    ids = list(chain.store_ids)
    if store_id not in ids:
        raise KeyError(f"unknown store {store_id!r}; stores: {ids}")
    return ids.index(store_id)


def store_frames(chain: Chain, rec: StoreRecord) -> dict[str, pd.DataFrame]:
    s = rec.store_idx
    store_id = str(chain.store_ids[s])
    clock, gtins = chain.clock, chain.gtins
    vat = chain.catalog.products["vat_rate"].to_numpy()

    r = rec.receipts
    r_day = r["day"].to_numpy()
    created = clock.utc(r_day, r["t"].to_numpy())
    voided = r["voided"].to_numpy()
    # a void is booked minutes to a day later (a late correction: updated_at after created_at)
    void_delay = VOID_DELAY * (1 + r["receipt_key"].to_numpy() % 288)
    r_updated = np.where(voided, created + void_delay, created)
    registers = np.array([f"R{i}" for i in range(chain.preset.registers + 1)], dtype=object)
    receipts = pd.DataFrame(
        {
            "receipt_id": as_text(receipt_ids(clock, store_id, r_day, r["seq"].to_numpy())),
            "store_id": store_id,
            "register_id": registers[r["register_no"].to_numpy()],
            "business_date": clock.dates(r_day),
            "created_at": created,
            "loyalty_card": r["loyalty_card"].to_numpy(),
            "total_gross": r["total_cents"].to_numpy() / 100,
            "status": np.where(voided, "voided", "completed"),
            "updated_at": r_updated,
        }
    )

    lines = rec.lines
    p = lines["prod_idx"].to_numpy()
    at = pd.Index(r["receipt_key"].to_numpy()).get_indexer(lines["receipt_key"].to_numpy())
    receipt_lines = pd.DataFrame(
        {
            "receipt_id": as_text(
                receipt_ids(clock, store_id, lines["day"].to_numpy(), lines["seq"].to_numpy())
            ),
            "line_no": lines["line_no"].to_numpy(),
            "gtin": lines["gtin"].to_numpy(),
            "qty": lines["qty_milli"].to_numpy() / MILLI,
            "unit_price_gross": lines["price_cents"].to_numpy() / 100,
            "discount_gross": lines["discount_cents"].to_numpy() / 100,
            "line_total_gross": lines["total_cents"].to_numpy() / 100,
            "vat_rate": vat[p],
            "updated_at": r_updated[at],
        }
    )

    m = rec.movements
    m_day = m["day"].to_numpy()
    moved = clock.utc(m_day, m["t"].to_numpy())
    cp = m["counterparty_idx"].to_numpy()
    stock_movements = pd.DataFrame(
        {
            "movement_id": as_text(movement_ids(store_id, m["movement_no"].to_numpy())),
            "store_id": store_id,
            "gtin": gtins[m["prod_idx"].to_numpy()],
            "movement_type": MOVEMENT_TYPES[m["movement_type"].to_numpy()],
            "qty": m["qty_milli"].to_numpy() / MILLI,
            "moved_at": moved,
            "business_date": clock.dates(m_day),
            "document_type": DOCUMENT_TYPES[m["document_type"].to_numpy()],
            "document_id": as_text(
                document_ids(
                    clock,
                    store_id,
                    m["document_type"].to_numpy(),
                    m["document_no"].to_numpy(),
                    m_day,
                )
            ),
            "counterparty_store_id": np.where(cp >= 0, chain.store_ids[np.maximum(cp, 0)], None),
            "updated_at": moved,
        }
    )

    st = rec.stocktakes
    st_day = st["day"].to_numpy()
    counted = clock.utc(st_day, st["t"].to_numpy())
    stocktake_counts = pd.DataFrame(
        {
            "stocktake_id": [f"ST-{store_id}-{clock.date_of(d):%Y%m%d}" for d in st_day],
            "gtin": gtins[st["prod_idx"].to_numpy()],
            "counted_at": counted,
            "business_date": clock.dates(st_day),
            "counted_qty": st["counted_milli"].to_numpy() / MILLI,
            "system_qty": st["system_milli"].to_numpy() / MILLI,
            "updated_at": counted,
        }
    )

    # a silent store's last report is from the evening before it went silent
    as_of = clock.utc(np.array([rec.silent_from - 1]), np.array([23 * 3600 + 59 * 60]))[0]
    stock_on_hand = pd.DataFrame(
        {
            "gtin": gtins,
            "on_hand_qty": rec.reported_on_hand / MILLI,
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

"""One modern store's five tables, as the store system recorded them (faults included)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.chain import MILLI, Chain
from simulator.faults import Recorded

VOID_DELAY = np.timedelta64(5, "m")


def store_index(chain: Chain, store_id: str) -> int:
    ids = list(chain.store_ids)
    if store_id not in ids:
        raise KeyError(f"unknown store {store_id!r}; stores: {ids}")
    return ids.index(store_id)


def store_frames(chain: Chain, rec: Recorded, store_id: str) -> dict[str, pd.DataFrame]:
    s = store_index(chain, store_id)
    clock, gtins = chain.clock, chain.gtins
    vat = chain.catalog.products["vat_rate"].to_numpy()
    store_ids = chain.store_ids

    r = rec.receipts[rec.receipts["store_idx"] == s]
    created = clock.utc(r["day"].to_numpy(), r["t"].to_numpy())
    # a void is booked minutes to a day later (a late correction: updated_at after created_at)
    void_delay = VOID_DELAY * (1 + r["receipt_key"].to_numpy() % 288)
    r_updated = np.where(r["status"].to_numpy() == "voided", created + void_delay, created)
    receipts = pd.DataFrame(
        {
            "receipt_id": r["receipt_id"].to_numpy(),
            "store_id": store_id,
            "register_id": r["register_id"].to_numpy(),
            "business_date": clock.dates(r["day"].to_numpy()),
            "created_at": created,
            "loyalty_card": r["loyalty_card"].to_numpy(),
            "total_gross": r["total_cents"].to_numpy() / 100,
            "status": r["status"].to_numpy(),
            "updated_at": r_updated,
        }
    )

    lines = rec.lines[rec.lines["receipt_key"].isin(r["receipt_key"])]
    updated_by_key = pd.Series(r_updated, index=r["receipt_key"].to_numpy())
    p = lines["prod_idx"].to_numpy()
    receipt_lines = pd.DataFrame(
        {
            "receipt_id": lines["receipt_id"].to_numpy(),
            "line_no": lines["line_no"].to_numpy(),
            "gtin": lines["gtin"].to_numpy(),
            "qty": lines["qty_milli"].to_numpy() / MILLI,
            "unit_price_gross": lines["price_cents"].to_numpy() / 100,
            "discount_gross": lines["discount_cents"].to_numpy() / 100,
            "line_total_gross": lines["total_cents"].to_numpy() / 100,
            "vat_rate": vat[p],
            "updated_at": updated_by_key.reindex(lines["receipt_key"].to_numpy()).to_numpy(),
        }
    )

    m = rec.movements[rec.movements["store_idx"] == s]
    moved = clock.utc(m["day"].to_numpy(), m["t"].to_numpy())
    cp = m["counterparty_idx"].to_numpy()
    stock_movements = pd.DataFrame(
        {
            "movement_id": m["movement_id"].to_numpy(),
            "store_id": store_id,
            "gtin": gtins[m["prod_idx"].to_numpy()],
            "movement_type": m["movement_type"].to_numpy(),
            "qty": m["qty_milli"].to_numpy() / MILLI,
            "moved_at": moved,
            "business_date": clock.dates(m["day"].to_numpy()),
            "document_type": m["document_type"].to_numpy(),
            "document_id": m["document_id"].to_numpy(),
            "counterparty_store_id": np.where(cp >= 0, store_ids[np.maximum(cp, 0)], None),
            "updated_at": moved,
        }
    )

    silent_from = rec.silent_from.get(s, chain.preset.n_days)
    st = chain.stocktakes[
        (chain.stocktakes["store_idx"] == s) & (chain.stocktakes["day"] < silent_from)
    ]
    counted = clock.utc(st["day"].to_numpy(), st["t"].to_numpy())
    stocktake_counts = pd.DataFrame(
        {
            "stocktake_id": st["stocktake_id"].to_numpy(),
            "gtin": gtins[st["prod_idx"].to_numpy()],
            "counted_at": counted,
            "business_date": clock.dates(st["day"].to_numpy()),
            "counted_qty": st["counted_milli"].to_numpy() / MILLI,
            "system_qty": st["system_milli"].to_numpy() / MILLI,
            "updated_at": counted,
        }
    )

    # a silent store's last report is from the evening before it went silent
    as_of = clock.utc(np.array([silent_from - 1]), np.array([23 * 3600 + 59 * 60]))[0]
    stock_on_hand = pd.DataFrame(
        {
            "gtin": gtins,
            "on_hand_qty": rec.reported_on_hand[s] / MILLI,
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

"""Legacy store systems: one GBK CSV per object per business day, Chinese headers, local times.

``<STORE>_<YYYYMMDD>_sales.csv``, ``..._moves.csv`` and ``..._stock.csv`` in ``legacy/<STORE>/``.
Voided receipts are not exported (the legacy till deletes them). ``stock`` is the system's on-hand
at the end of the day from its own movements: every product on the store's first day, on every
``Preset.legacy_stock_full_days``-th day after it and on the last day it reports (full snapshots),
and on the other days only the products that moved that day. The last day's file is the store's
report: it differs from the movements where ``onhand_mismatch`` says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.chain import DOCUMENT_TYPES, MOVEMENT_TYPES, Chain
from simulator.faults import StoreRecord
from simulator.formats import money_text, qty_text, times_of_day, write_csv_groups
from simulator.ids import document_ids, movement_ids, receipt_ids

ENCODING = "gbk"
SALES_COLUMNS = [
    "小票号",
    "日期",
    "时间",
    "行号",
    "条码",
    "品名",
    "数量",
    "单价",
    "折扣",
    "金额",
    "会员卡",
]
MOVES_COLUMNS = [
    "单据号",
    "日期",
    "时间",
    "条码",
    "类型",
    "数量",
    "单据类型",
    "关联单据",
    "对方门店",
]
STOCK_COLUMNS = ["日期", "条码", "库存"]


def _dates_ddmmyyyy(chain: Chain, day: np.ndarray) -> pa.Array:
    labels = pa.array([f"{chain.clock.date_of(d):%d/%m/%Y}" for d in range(chain.preset.n_days)])
    return labels.take(pa.array(np.asarray(day, dtype=np.int64)))


def _times(t: np.ndarray) -> pa.Array:
    return pa.array(times_of_day()[np.asarray(t, dtype=np.int64)]).cast(pa.string())


def stock_report_days(chain: Chain, s: int, last: int) -> np.ndarray:
    """[day] True where store ``s``'s stock file is a full snapshot (first day, every
    ``legacy_stock_full_days``-th day after it, and the last day it reports)."""
    opened = int(chain.open_day[s])
    day = np.arange(last + 1)
    full = (day >= opened) & ((day - opened) % chain.preset.legacy_stock_full_days == 0)
    full[last] = True
    return full


def legacy_columns(chain: Chain, rec: StoreRecord) -> dict[str, tuple[np.ndarray, dict]]:
    """The three objects of one legacy store over the whole period: per object the day of each
    row (rows in file order) and the columns as Arrow strings."""
    s = rec.store_idx
    store_id = str(chain.store_ids[s])
    clock, gtins = chain.clock, chain.gtins
    names = chain.catalog.products["name_zh"].to_numpy(dtype=object)
    r = rec.receipts
    at = pd.Index(r["receipt_key"].to_numpy()).get_indexer(rec.lines["receipt_key"].to_numpy())
    keep = ~r["voided"].to_numpy()[at]
    lines = rec.lines[keep]
    at = at[keep]
    day = lines["day"].to_numpy()
    p = lines["prod_idx"].to_numpy()
    cards = r["loyalty_card"].to_numpy()[at]
    sales = {
        "小票号": receipt_ids(clock, store_id, day, lines["seq"].to_numpy()),
        "日期": _dates_ddmmyyyy(chain, day),
        "时间": _times(r["t"].to_numpy()[at]),
        "行号": pa.array(lines["line_no"].to_numpy()).cast(pa.string()),
        "条码": pa.array(lines["gtin"].to_numpy(dtype=object), type=pa.string()),
        "品名": pa.array(names[p], type=pa.string()),
        "数量": qty_text(lines["qty_milli"].to_numpy()),
        "单价": money_text(lines["price_cents"].to_numpy()),
        "折扣": money_text(lines["discount_cents"].to_numpy()),
        "金额": money_text(lines["total_cents"].to_numpy()),
        "会员卡": pc.fill_null(pa.array(cards, type=pa.string(), from_pandas=True), ""),
    }

    m = rec.movements
    # the file lists a day's movements in the system's order (a booking made twice comes last)
    order = np.argsort(m["day"].to_numpy(), kind="stable")
    m = m.iloc[order]
    m_day = m["day"].to_numpy()
    cp = m["counterparty_idx"].to_numpy()
    moves = {
        "单据号": movement_ids(store_id, m["movement_no"].to_numpy()),
        "日期": _dates_ddmmyyyy(chain, m_day),
        "时间": _times(m["t"].to_numpy()),
        "条码": pa.array(gtins[m["prod_idx"].to_numpy()], type=pa.string()),
        "类型": pa.array(MOVEMENT_TYPES[m["movement_type"].to_numpy()], type=pa.string()),
        "数量": qty_text(m["qty_milli"].to_numpy()),
        "单据类型": pa.array(DOCUMENT_TYPES[m["document_type"].to_numpy()], type=pa.string()),
        "关联单据": document_ids(
            clock, store_id, m["document_type"].to_numpy(), m["document_no"].to_numpy(), m_day
        ),
        "对方门店": pa.array(
            np.where(cp >= 0, chain.store_ids[np.maximum(cp, 0)], ""), type=pa.string()
        ),
    }

    n_products = len(gtins)
    last = rec.silent_from - 1  # a silent store's last file is its report
    prod = rec.movements["prod_idx"].to_numpy()
    mday = rec.movements["day"].to_numpy()
    daily = np.zeros((last + 1, n_products), dtype=np.int64)
    np.add.at(daily, (mday, prod), rec.movements["qty_milli"].to_numpy())
    on_hand = np.cumsum(daily, axis=0)
    on_hand[last] = rec.reported_on_hand
    listed = np.zeros((last + 1, n_products), dtype=bool)
    listed[mday, prod] = True
    listed[stock_report_days(chain, s, last)] = True
    listed[: int(chain.open_day[s])] = False
    st_day, st_prod = np.nonzero(listed)
    stock = {
        "日期": _dates_ddmmyyyy(chain, st_day),
        "条码": pa.array(gtins[st_prod], type=pa.string()),
        "库存": qty_text(on_hand[st_day, st_prod]),
    }
    return {"sales": (day, sales), "moves": (m_day, moves), "stock": (st_day, stock)}


def write_legacy_store(chain: Chain, rec: StoreRecord, folder: Path) -> dict[str, int]:
    """One file per object per business day (header-only files on days without rows)."""
    s = rec.store_idx
    store_id = str(chain.store_ids[s])
    folder.mkdir(parents=True, exist_ok=True)
    labels = {d: f"{chain.clock.date_of(d):%Y%m%d}" for d in range(chain.preset.n_days)}
    days = range(int(chain.open_day[s]), rec.silent_from)
    counts = {}
    for obj, (day, columns) in legacy_columns(chain, rec).items():
        counts[f"legacy.{obj}"] = write_csv_groups(
            columns,
            day,
            lambda d, obj=obj: folder / f"{store_id}_{labels[int(d)]}_{obj}.csv",
            ENCODING,
            keys=days,
        )
    return counts

"""Legacy store systems: one GBK CSV per object per business day, Chinese headers, local times.

``<STORE>_<YYYYMMDD>_sales.csv``, ``..._moves.csv`` and ``..._stock.csv`` in ``legacy/<STORE>/``.
Voided receipts are not exported (the legacy till deletes them). ``stock`` is the system's on-hand
at the end of each day: its own movements, except where a fault makes the last day's report differ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulator.chain import Chain
from simulator.faults import Recorded
from simulator.formats import fmt_money, fmt_qty, write_csv_groups

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


def _dates_ddmmyyyy(chain: Chain, day: np.ndarray) -> np.ndarray:
    labels = np.array([f"{chain.clock.date_of(d):%d/%m/%Y}" for d in range(chain.preset.n_days)])
    return labels[np.asarray(day, dtype=np.int64)]


def _times(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=np.int64)
    return (
        np.char.mod("%02d:", t // 3600)
        + np.char.mod("%02d:", t // 60 % 60)
        + np.char.mod("%02d", t % 60)
    )


def legacy_frames(chain: Chain, rec: Recorded, s: int) -> dict[str, pd.DataFrame]:
    """The three objects for store index ``s`` over the whole period, with a ``day`` column."""
    gtins, names = chain.gtins, chain.catalog.products["name_zh"].to_numpy()
    r = rec.receipts[(rec.receipts["store_idx"] == s) & (rec.receipts["status"] != "voided")]
    lines = rec.lines.merge(
        r[["receipt_key", "day", "t", "loyalty_card"]], on="receipt_key", how="inner"
    ).sort_values(["day", "t", "receipt_id", "line_no"], kind="stable")
    p = lines["prod_idx"].to_numpy()
    sales = pd.DataFrame(
        {
            "day": lines["day"].to_numpy(),
            "小票号": lines["receipt_id"].to_numpy(),
            "日期": _dates_ddmmyyyy(chain, lines["day"].to_numpy()),
            "时间": _times(lines["t"].to_numpy()),
            "行号": lines["line_no"].to_numpy(),
            "条码": lines["gtin"].to_numpy(),
            "品名": names[p],
            "数量": fmt_qty(lines["qty_milli"].to_numpy()),
            "单价": fmt_money(lines["price_cents"].to_numpy()),
            "折扣": fmt_money(lines["discount_cents"].to_numpy()),
            "金额": fmt_money(lines["total_cents"].to_numpy()),
            "会员卡": lines["loyalty_card"].fillna("").to_numpy(),
        }
    )

    m = rec.movements[rec.movements["store_idx"] == s]
    cp = m["counterparty_idx"].to_numpy()
    moves = pd.DataFrame(
        {
            "day": m["day"].to_numpy(),
            "单据号": m["movement_id"].to_numpy(),
            "日期": _dates_ddmmyyyy(chain, m["day"].to_numpy()),
            "时间": _times(m["t"].to_numpy()),
            "条码": gtins[m["prod_idx"].to_numpy()],
            "类型": m["movement_type"].to_numpy(),
            "数量": fmt_qty(m["qty_milli"].to_numpy()),
            "单据类型": m["document_type"].to_numpy(),
            "关联单据": m["document_id"].to_numpy(),
            "对方门店": np.where(cp >= 0, chain.store_ids[np.maximum(cp, 0)], ""),
        }
    )

    n_days, n_products = chain.preset.n_days, len(gtins)
    daily = np.zeros((n_days, n_products), dtype=np.int64)
    np.add.at(daily, (m["day"].to_numpy(), m["prod_idx"].to_numpy()), m["qty_milli"].to_numpy())
    on_hand = np.cumsum(daily, axis=0)
    last = rec.silent_from.get(s, n_days) - 1  # a silent store's last file is its report
    on_hand[last] = rec.reported_on_hand[s]
    on_hand = on_hand[: last + 1]
    opened = int(chain.open_day[s])
    day = np.repeat(np.arange(last + 1), n_products)
    stock = pd.DataFrame(
        {
            "day": day,
            "日期": _dates_ddmmyyyy(chain, day),
            "条码": np.tile(gtins, last + 1),
            "库存": fmt_qty(on_hand.ravel()),
        }
    )
    stock = stock[stock["day"] >= opened]
    return {"sales": sales, "moves": moves, "stock": stock}


def write_legacy_store(chain: Chain, rec: Recorded, store_id: str, folder: Path) -> dict[str, int]:
    """One file per object per business day (header-only files on days without rows)."""
    s = list(chain.store_ids).index(store_id)
    folder.mkdir(parents=True, exist_ok=True)
    frames = legacy_frames(chain, rec, s)
    columns = {"sales": SALES_COLUMNS, "moves": MOVES_COLUMNS, "stock": STOCK_COLUMNS}
    labels = {d: f"{chain.clock.date_of(d):%Y%m%d}" for d in range(chain.preset.n_days)}
    for obj, frame in frames.items():
        write_csv_groups(
            frame,
            "day",
            columns[obj],
            lambda d, obj=obj: folder / f"{store_id}_{labels[int(d)]}_{obj}.csv",
            ENCODING,
            keys=range(int(chain.open_day[s]), rec.silent_from.get(s, chain.preset.n_days)),
        )
    return {f"legacy.{obj}": len(frame) for obj, frame in frames.items()}

"""Supplier feeds: advance shipping notices as UTF-8 CSV files, one per shipment.

Suppliers flagged ``sends_files`` write ``suppliers/<SUPPLIER_ID>/asn_<asn_id>.csv`` for each
purchase order they shipped within the period (one row per order line, shipped in full).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulator.chain import Chain
from simulator.formats import fmt_qty, write_csv_groups
from simulator.head_office import po_timeline

ASN_COLUMNS = [
    "asn_id",
    "po_id",
    "supplier_id",
    "store_id",
    "gtin",
    "qty_shipped",
    "shipped_date",
    "expected_date",
]


def file_supplier_ids(chain: Chain) -> list[str]:
    sup = chain.catalog.suppliers
    return sup.loc[sup["sends_files"], "supplier_id"].tolist()


def asn_frame(chain: Chain) -> pd.DataFrame:
    """All ASN rows of the suppliers that send files."""
    po = chain.purchase_orders
    tl = po_timeline(chain)
    supplier_ids = chain.catalog.suppliers["supplier_id"].to_numpy()
    sends = chain.catalog.suppliers["sends_files"].to_numpy()
    keep = tl.shipped & sends[po["supplier_idx"].to_numpy()]
    head = pd.DataFrame(
        {
            "po_id": po["po_id"].to_numpy()[keep],
            "asn_id": "ASN" + po["po_id"].str[2:].to_numpy()[keep],
            "supplier_id": supplier_ids[po["supplier_idx"].to_numpy()[keep]],
            "store_id": chain.store_ids[po["store_idx"].to_numpy()[keep]],
            "shipped_date": chain.clock.dates(tl.ship_day[keep]).astype(str),
            "expected_date": chain.clock.dates(po["arrival_day"].to_numpy()[keep]).astype(str),
        }
    )
    lines = chain.po_lines.merge(head, on="po_id", how="inner")
    lines["gtin"] = chain.gtins[lines["prod_idx"].to_numpy()]
    lines["qty_shipped"] = fmt_qty(lines["qty_milli"].to_numpy())
    return lines.sort_values(["asn_id", "line_no"])[ASN_COLUMNS].reset_index(drop=True)


def write_supplier_files(chain: Chain, root: Path) -> dict[str, int]:
    asn = asn_frame(chain)
    for supplier_id in file_supplier_ids(chain):
        (root / supplier_id).mkdir(parents=True, exist_ok=True)
    supplier_of = dict(zip(asn["asn_id"], asn["supplier_id"], strict=True))
    write_csv_groups(
        asn,
        "asn_id",
        ASN_COLUMNS,
        lambda asn_id: root / supplier_of[asn_id] / f"asn_{asn_id}.csv",
        "utf-8",
    )
    return {"suppliers.asn": len(asn), "suppliers.asn_files": int(asn["asn_id"].nunique())}

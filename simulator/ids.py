"""Text ids of the chain's documents, made from their numbers where a source is written.

The true chain keeps numbers only (store, day, the receipt's number that day, per-store movement
numbers, purchase order and transfer numbers); these give the ids the sources carry, vectorised with
Arrow (no Python loop per row):

- receipt ``S001-20260902-00017`` (store, business day, number that day),
- movement ``S001-M00000042`` (store, number in the store's time order),
- purchase order ``PO0001234``, its confirmation ``OC0001234`` and ASN ``ASN0001234``,
- transfer ``TR-000123``, stocktake ``ST-S001-20261020``, opening stock ``OPEN-S001``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulator.chain import (
    DOC_OPENING,
    DOC_PURCHASE_ORDER,
    DOC_RECEIPT,
    DOC_STOCKTAKE,
    DOC_TRANSFER,
)
from simulator.clock import Clock


def padded(n: np.ndarray, width: int) -> pa.Array:
    """Integers as text, zero-padded to ``width`` digits."""
    return pc.utf8_lpad(pa.array(np.asarray(n, dtype=np.int64)).cast(pa.string()), width, "0")


@lru_cache(maxsize=8)
def day_labels(clock: Clock) -> pa.Array:
    """``yyyymmdd`` per day of the period."""
    return pa.array([f"{clock.date_of(d):%Y%m%d}" for d in range(clock.n_days)])


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def receipt_ids(clock: Clock, store_id: str, day: np.ndarray, seq: np.ndarray) -> pa.Array:
    labels = day_labels(clock).take(pa.array(np.asarray(day, dtype=np.int64)))
    return _join(f"{store_id}-", labels, "-", padded(seq, 5))


def movement_ids(store_id: str, movement_no: np.ndarray) -> pa.Array:
    return _join(f"{store_id}-M", padded(movement_no, 8))


def po_ids(po_no: np.ndarray, prefix: str = "PO") -> pa.Array:
    return _join(prefix, padded(po_no, 7))


def po_id(po_no: int, prefix: str = "PO") -> str:
    return f"{prefix}{int(po_no):07d}"


def transfer_id(transfer_no: int) -> str:
    return f"TR-{int(transfer_no):06d}"


def transfer_ids(transfer_no: np.ndarray) -> pa.Array:
    return _join("TR-", padded(transfer_no, 6))


def stocktake_id(clock: Clock, store_id: str, day: int) -> str:
    return f"ST-{store_id}-{clock.date_of(day):%Y%m%d}"


def document_ids(
    clock: Clock,
    store_id: str,
    document_type: np.ndarray,
    document_no: np.ndarray,
    day: np.ndarray,
) -> pa.Array:
    """The document id of each of one store's movements (from its document type code)."""
    document_type = np.asarray(document_type)
    day = np.asarray(day, dtype=np.int64)
    no = np.asarray(document_no, dtype=np.int64)
    labels = day_labels(clock)
    makers = {
        DOC_RECEIPT: lambda sel: receipt_ids(clock, store_id, day[sel], no[sel]),
        DOC_PURCHASE_ORDER: lambda sel: po_ids(no[sel]),
        DOC_TRANSFER: lambda sel: transfer_ids(no[sel]),
        DOC_STOCKTAKE: lambda sel: _join(f"ST-{store_id}-", labels.take(pa.array(day[sel]))),
        DOC_OPENING: lambda sel: pa.array(np.full(len(sel), f"OPEN-{store_id}", dtype=object)),
    }
    order = np.argsort(document_type, kind="stable")
    codes = document_type[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    pieces = [
        makers[int(codes[part[0]])](order[part]).cast(pa.string())
        for part in np.split(np.arange(len(codes)), bounds)
        if len(part)
    ]
    if not pieces:
        return pa.array([], type=pa.string())
    joined = pa.concat_arrays(pieces)
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return joined.take(pa.array(inverse))


def as_text(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """An Arrow string array as a pandas ``str`` array."""
    return pd.Series(values, dtype="str").array

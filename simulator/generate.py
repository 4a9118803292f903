"""Write the whole simulated chain's sources (and its ground truth) under one folder, streaming.

One path for every size: the true chain is spilled store by store while its day loop runs, the
faults are planned from chain-level state (:mod:`simulator.prepared`), then each store is read
back, given its faults and written on its own (in worker processes for the big chains, in any
order), while head office and supplier files (chain-level) are written beside them; the CRM, the
file faults and the ground truth close the run.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from simulator.chain import Chain
from simulator.crm.data import write_crm
from simulator.faults import merged_contacts, store_faults
from simulator.file_faults import apply_file_faults
from simulator.ground_truth import write_ground_truth
from simulator.head_office import write_head_office
from simulator.legacy import write_legacy_store
from simulator.prepared import CHUNK_DAYS, PreparedChain, prepare_chain
from simulator.presets import get_preset
from simulator.stores.frames import store_tables
from simulator.stores.writer import write_store
from simulator.suppliers import supplier_formats, write_supplier_files

CRM_BASE_URL = "http://127.0.0.1:8765"
CRM_TOKEN_ENV = "RETAILWH_CRM_TOKEN"
log = logging.getLogger(__name__)
_OWNED = [
    "head_office.sqlite",
    "stores",
    "legacy",
    "suppliers",
    "crm",
    "ground_truth",
    "sources.yml",
]


def sources_yml(chain: Chain) -> str:
    """The chain's ``sources.yml`` (paths relative to the file through ``{here}``)."""
    lines = [
        f"chain: {chain.preset.name}",
        "timezone: Europe/Berlin",
        "head_office:",
        '  url: "sqlite:///{here}/head_office.sqlite"',
        "stores:",
    ]
    for store_id, kind in zip(chain.store_ids, chain.catalog.stores["kind"], strict=True):
        if kind == "modern":
            lines.append(
                f"  - {{store_id: {store_id}, kind: modern, "
                f'url: "sqlite:///{{here}}/stores/{store_id}.sqlite"}}'
            )
        else:
            lines.append(
                f'  - {{store_id: {store_id}, kind: legacy, path: "{{here}}/legacy/{store_id}", '
                f"encoding: gbk}}"
            )
    lines.append("suppliers:")
    for supplier_id, fmt in supplier_formats(chain).items():
        lines.append(
            f'  - {{supplier_id: {supplier_id}, path: "{{here}}/suppliers/{supplier_id}", '
            f"format: {fmt}}}"
        )
    lines += [
        "crm:",
        f'  base_url: "{CRM_BASE_URL}"',
        f"  token_env: {CRM_TOKEN_ENV}      # the token itself never sits in the file",
    ]
    return "\n".join(lines) + "\n"


def simulate(
    preset: str,
    seed: int,
    out: Path,
    *,
    workers: int | None = None,
    chunk_days: int = CHUNK_DAYS,
    store_order: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Simulate ``preset`` with ``seed`` and write every source system under ``out``.

    Replaces what an earlier run wrote there. Returns row counts per table and faults per kind.
    ``workers``: processes writing stores (default: 2 for the bench sizes, else none, i.e. in this
    process); ``chunk_days`` and ``store_order`` change how the work is cut, never the output.
    """
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in _OWNED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for stale in out.glob(".spill-*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    spill = Path(tempfile.mkdtemp(prefix=".spill-", dir=out))
    try:
        prepared = prepare_chain(get_preset(preset), seed, spill, chunk_days)
        chain = prepared.chain
        log.info("%s: true chain spilled, faults planned (%s)", preset, prepared.rows)
        n_stores = len(chain.store_ids)
        order = list(range(n_stores)) if store_order is None else [int(s) for s in store_order]
        if sorted(order) != list(range(n_stores)):
            raise ValueError(f"store_order must list every store index once: {order}")
        if workers is None:
            size = chain.preset.n_stores * chain.preset.n_products * chain.preset.n_days
            workers = min(2, os.cpu_count() or 1) if size >= 10_000_000 else 0
        (out / "stores").mkdir()
        tables: dict[str, int] = {}
        with _StoreWriters(prepared, out, workers, order) as writers:
            # chain-level sources while the workers write stores; then this process helps them
            head_office = write_head_office(chain, f"sqlite:///{out / 'head_office.sqlite'}")
            for table, n in head_office.items():
                tables[f"head_office.{table}"] = n
            log.info("%s: head office written", preset)
            tables.update(write_supplier_files(chain, out / "suppliers", prepared.plan.asn_qty))
            log.info("%s: supplier files written", preset)
            release_memory()
            results = writers.results()
            log.info("%s: %d stores written", preset, len(results))
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    merges = []
    for s in range(n_stores):  # store order never shows in the output
        for key, n in results[s]["tables"].items():
            tables[key] = tables.get(key, 0) + n
        merges += results[s]["merges"]
    contacts = merged_contacts(chain, merges)
    tables.update(write_crm(chain, contacts, out / "crm" / "crm.sqlite", out / "ground_truth"))
    own = {s: results[s]["faults"] for s in range(n_stores)}
    faults = store_faults(prepared.plan, own) + apply_file_faults(chain, out)
    tables.update(write_ground_truth(chain, faults, out / "ground_truth"))
    (out / "sources.yml").write_text(sources_yml(chain), encoding="utf-8")
    log.info("%s: CRM, file faults and ground truth written", preset)
    counts: dict[str, int] = {}
    for fault in faults:
        counts[fault["kind"]] = counts.get(fault["kind"], 0) + 1
    return {
        "preset": preset,
        "seed": seed,
        "period": [str(chain.preset.start_date), str(chain.preset.end_date)],
        "stores": {
            "modern": int(chain.modern.sum()),
            "legacy": int((~chain.modern).sum()),
        },
        "tables": tables,
        "faults": counts,
        "seconds": round(time.perf_counter() - started, 2),
    }


def write_one_store(prepared: PreparedChain, s: int, out: Path) -> dict[str, Any]:
    """Store ``s`` with its faults, written under ``out``: its faults, CRM merges, row counts."""
    chain = prepared.chain
    rec = prepared.record(s)
    store_id = str(chain.store_ids[s])
    if chain.modern[s]:
        url = f"sqlite:///{out / 'stores' / f'{store_id}.sqlite'}"
        counts = {f"stores.{t}": n for t, n in write_store(url, store_tables(chain, rec)).items()}
    else:
        counts = write_legacy_store(chain, rec, out / "legacy" / store_id)
    result = {"faults": rec.faults, "merges": rec.merges, "tables": counts}
    del rec
    release_memory()
    return result


def release_memory() -> None:
    """Hand freed memory back to the system (Arrow's pool and glibc keep it otherwise, and a
    writer process goes through a hundred stores)."""
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _StoreWriters:
    """Writes the stores of ``order``: ``workers`` processes take stores from its front, this
    process from its back once :meth:`results` is asked for (``workers=0``: all here)."""

    def __init__(self, prepared: PreparedChain, out: Path, workers: int, order: list[int]) -> None:
        self.prepared, self.out, self.workers, self.order = prepared, out, workers, order
        context = multiprocessing.get_context("spawn")
        self.claims = _Claims(context, len(order))
        self.pool: ProcessPoolExecutor | None = None
        self.loops: list[Future] = []

    def __enter__(self) -> _StoreWriters:
        if self.workers > 0:
            # the workers get what writing a store needs (not the purchase orders), once each
            chain = replace(self.prepared.chain, purchase_orders=None, po_lines=None, feedback=None)
            slim = replace(self.prepared, chain=chain, plan=replace(self.prepared.plan, records={}))
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(slim, self.out, self.order, self.claims),
            )
            self.loops = [self.pool.submit(_worker_loop) for _ in range(self.workers)]
        return self

    def results(self) -> dict[int, dict[str, Any]]:
        done: dict[int, dict[str, Any]] = {}
        while (i := self.claims.take(from_back=True)) is not None:
            s = self.order[i]
            done[s] = write_one_store(self.prepared, s, self.out)
        for loop in self.loops:
            done.update(loop.result())
        return done

    def __exit__(self, *exc: object) -> None:
        self.claims.take_all()  # on an error: the workers stop after their current store
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class _Claims:
    """Positions in the store order not taken yet, shared by processes: the front and the back
    meet in the middle."""

    def __init__(self, context: Any, n: int) -> None:
        self.lock = context.Lock()
        self.front = context.RawValue("i", 0)
        self.back = context.RawValue("i", n)

    def take(self, from_back: bool = False) -> int | None:
        with self.lock:
            if self.front.value >= self.back.value:
                return None
            if from_back:
                self.back.value -= 1
                return self.back.value
            self.front.value += 1
            return self.front.value - 1

    def take_all(self) -> None:
        with self.lock:
            self.front.value = self.back.value


_WORKER: dict[str, Any] = {}


def _init_worker(prepared: PreparedChain, out: Path, order: list[int], claims: _Claims) -> None:
    _WORKER.update(prepared=prepared, out=out, order=order, claims=claims)


def _worker_loop() -> dict[int, dict[str, Any]]:
    done = {}
    while (i := _WORKER["claims"].take()) is not None:
        s = _WORKER["order"][i]
        done[s] = write_one_store(_WORKER["prepared"], s, _WORKER["out"])
    return done

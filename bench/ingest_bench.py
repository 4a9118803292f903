"""Ingest benchmark: extraction speed per source kind, in rows per second.

    BENCH_PRESET=bench-M uv run python bench/ingest_bench.py      (or: make bench)
    BENCH_ONLY=store ...                                          (only the store databases)

Simulates the chain of the preset once (cached under ``data/bench/<preset>-<seed>/sources``; a
preset the simulator does not know yet falls back to ``demo``, and the result says so), then times
each load into a fresh landing folder:

* the chain's own sources: store databases (SQLite, Arrow/ADBC), head office, legacy GBK exports,
  supplier files, CRM (limit off, and paced under a configured rate limit);
* generated files of one size for the formats the chain does not produce in bulk: UTF-8 CSV,
  JSON lines, Excel, EDIFACT; and the landing's Parquet write.

Prints a table and writes ``bench/results/<preset>-<timestamp>.json``. No assertions here: the
goals are printed next to the measurements.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import pyarrow as pa  # noqa: E402

from ingest.config import Crm, Supplier, load_sources_config  # noqa: E402
from ingest.contracts import SUPPLIER_FILES  # noqa: E402
from ingest.landing import Landing  # noqa: E402
from ingest.run import load_source_kind  # noqa: E402
from ingest.sources.crm import CrmClient, load_crm, load_crm_object  # noqa: E402
from ingest.sources.supplier_files import load_supplier  # noqa: E402

DEFAULT_PRESET = "bench-M"
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
# rows of the generated files per preset (Excel gets a tenth)
GENERATED_ROWS = {"ci": 20_000, "demo": 200_000}
DEFAULT_GENERATED_ROWS = 1_000_000
CRM_RATE_LIMIT = 20.0  # requests/s, for the paced run


@dataclass
class Measurement:
    kind: str
    rows: int
    seconds: float
    goal: float | None  # rows/s (CRM paced: share of the rate limit)
    unit: str = "rows/s"
    note: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def row(self) -> dict[str, Any]:
        out = asdict(self)
        out["rate"] = round(self.rate, 3 if self.unit == "share of limit" else 0)
        out["meets_goal"] = None if self.goal is None else self.rate >= self.goal
        return out


def _timed(fn: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    rows = fn()
    return rows, time.perf_counter() - start


def _timed_load(fn: Callable[[], list]) -> tuple[list, int, float]:
    """A load's results, the rows it read (landed + quarantined) and its seconds."""
    start = time.perf_counter()
    results = fn()
    seconds = time.perf_counter() - start
    _check(results)
    return results, _rows(results), seconds


def ensure_chain(preset: str, seed: int, root: Path) -> tuple[str, Path, str]:
    """The simulated chain's sources folder (simulated once, then reused)."""
    from simulator.presets import get_preset

    note = ""
    try:
        get_preset(preset)
    except KeyError:
        note = f"preset {preset!r} is not registered in the simulator yet; measured on 'demo'"
        preset = "demo"
    sources = root / f"{preset}-{seed}" / "sources"
    if not (sources / "sources.yml").is_file():
        from simulator.generate import simulate

        shutil.rmtree(sources, ignore_errors=True)
        simulate(preset, seed, sources)
    return preset, sources, note


def _rows(results: list) -> int:
    return sum(r.rows_loaded + r.rows_quarantined for r in results)


def _check(results: list) -> None:
    errors = [f"{r.source_id}/{r.object}: {r.error}" for r in results if r.error]
    if errors:
        raise RuntimeError("; ".join(errors))


def bench_chain_sources(
    sources: Path, work: Path, only: frozenset[str] = frozenset()
) -> list[Measurement]:
    """Each chain kind into a fresh landing (``only``: just these kinds). The note gives the
    process CPU seconds and the load average: on a shared machine the rate alone misleads."""
    config = load_sources_config(sources / "sources.yml")
    goals = {"store": 1e6, "head_office": None, "legacy_store": 0.5e6, "supplier": None}
    labels = {
        "store": "store databases (SQLite, Arrow)",
        "head_office": "head office (SQLite, Arrow)",
        "legacy_store": "legacy GBK CSV",
        "supplier": "supplier CSV (chain's ASN files)",
    }
    out = []
    for kind, goal in goals.items():
        if only and kind not in only:
            continue
        landing = work / f"landing-{kind}"
        shutil.rmtree(landing, ignore_errors=True)
        cpu = time.process_time()
        _, rows, seconds = _timed_load(
            lambda kind=kind, landing=landing: load_source_kind(kind, config, landing)
        )
        note = f"cpu {time.process_time() - cpu:.1f} s, load {os.getloadavg()[0]:.1f}"
        out.append(Measurement(labels[kind], rows, seconds, goal, note=note))
    return out


# --- generated files --------------------------------------------------------------------------
def _price_rows(n: int) -> dict[str, list[str]]:
    columns = SUPPLIER_FILES["price_list"].columns
    values = {
        "price_list_id": ["PL1"] * n,
        "supplier_id": ["SUP01"] * n,
        "gtin": [f"{4000000000000 + i}" for i in range(n)],
        "supplier_sku": [f"SKU-{i}" for i in range(n)],
        "unit_cost": [f"{1 + (i % 997) / 100:.2f}" for i in range(n)],
        "currency": ["EUR"] * n,
        "case_pack": [str(6 + i % 3 * 6) for i in range(n)],
        "min_order_qty": [str(12 + i % 4) for i in range(n)],
        "valid_from": ["2026-03-01"] * n,
    }
    return {c: values[c] for c in columns}


def write_generated(folder: Path, fmt: str, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cols = _price_rows(n)
    names = list(cols)
    if fmt == "csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(
            pa.table(cols),
            folder / "price_list_PL1.csv",
            pacsv.WriteOptions(quoting_style="none"),
        )
    elif fmt == "jsonl":
        with (folder / "price_list_PL1.jsonl").open("w", encoding="utf-8") as fh:
            for i in range(n):
                record = {c: cols[c][i] for c in names}
                record["unit_cost"] = float(record["unit_cost"])
                record["case_pack"] = int(record["case_pack"])
                fh.write(json.dumps(record) + "\n")
    elif fmt == "xlsx":
        import xlsxwriter

        book = xlsxwriter.Workbook(folder / "price_list_PL1.xlsx", {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, names)
        for i in range(n):
            sheet.write_row(i + 1, 0, [cols[c][i] for c in names])
        book.close()
    elif fmt == "edifact":
        from pydifact.segmentcollection import Interchange, Message
        from pydifact.segments import Segment

        interchange = Interchange(
            sender="SUP01",
            recipient="RETAILWH",
            control_reference="1",
            syntax_identifier=("UNOC", 3),
        )
        message = Message("1", ("PRICAT", "D", "01B", "UN", "EAN008"))
        segments = [Segment("BGM", "9", "PL1"), Segment("NAD", "SU", ["SUP01", "", "9"])]
        segments.append(Segment("CUX", ["2", "EUR", "8"]))
        for i in range(n):
            segments += [
                Segment("LIN", str(i + 1), "", [cols["gtin"][i], "SRV"]),
                Segment("PIA", "5", [cols["supplier_sku"][i], "SA"]),
                Segment("PRI", ["AAA", cols["unit_cost"][i]]),
                Segment("QTY", ["52", cols["case_pack"][i]]),
                Segment("QTY", ["53", cols["min_order_qty"][i]]),
                Segment("DTM", ["194", "20260301", "102"]),
            ]
        message.add_segments(segments)
        interchange.add_message(message)
        (folder / "price_list_PL1.edi").write_text(interchange.serialize(), encoding="utf-8")


def bench_generated(work: Path, n: int) -> list[Measurement]:
    plan = [
        ("csv", n, 1e6, "supplier CSV (UTF-8, generated)"),
        ("jsonl", n, 1e6, "supplier JSON lines (generated)"),
        ("xlsx", max(n // 10, 1_000), 50e3, "supplier Excel (generated)"),
        ("edifact", max(n // 20, 1_000), None, "supplier EDIFACT PRICAT (generated)"),
    ]
    out = []
    for fmt, rows_wanted, goal, label in plan:
        folder = work / "generated" / f"{fmt}-{rows_wanted}"
        if not folder.is_dir():
            write_generated(folder, fmt, rows_wanted)
        landing_dir = work / f"landing-{fmt}"
        shutil.rmtree(landing_dir, ignore_errors=True)
        landing = Landing(landing_dir)
        supplier = Supplier(supplier_id="SUP01", path=folder, format=fmt)
        _, rows, seconds = _timed_load(lambda s=supplier, lg=landing: load_supplier(s, lg))
        out.append(Measurement(label, rows, seconds, goal))

    # the landing's own Parquet write: one Arrow table, batches committed
    table = pa.table(_price_rows(n))
    landing = Landing(work / "landing-parquet")

    def write() -> int:
        landing.write_batch("supplier", "price_list", "BENCH", table)
        return table.num_rows

    rows, seconds = _timed(write)
    out.append(Measurement("landing Parquet write", rows, seconds, 1e6))
    return out


# --- CRM --------------------------------------------------------------------------------------
def bench_crm(sources: Path, work: Path) -> list[Measurement]:
    from simulator.crm.server import FaultConfig, make_server

    db = sources / "crm" / "crm.sqlite"
    out = []
    # limit off
    server = make_server(db, port=0, faults=FaultConfig())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        landing = Landing(work / "landing-crm")
        shutil.rmtree(landing.root, ignore_errors=True)
        landing = Landing(work / "landing-crm")
        config = Crm(base_url=url, page_size=100)
        with CrmClient(url, "demo-token") as client:
            _, rows, seconds = _timed_load(
                lambda: load_crm(config, landing, objects=("contacts", "feedback"), client=client)
            )
        out.append(Measurement("CRM, rate limit off", rows, seconds, 20e3, unit="records/s"))
    finally:
        server.shutdown()
        server.server_close()

    # paced under a rate limit: requests per second achieved, as a share of the limit
    limit = CRM_RATE_LIMIT
    server = make_server(db, port=0, faults=FaultConfig(rate_limit_per_s=limit))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    requests: list[int] = []
    try:
        landing = Landing(work / "landing-crm-paced")
        shutil.rmtree(landing.root, ignore_errors=True)
        landing = Landing(work / "landing-crm-paced")
        with CrmClient(url, "demo-token", rate_limit_per_s=limit) as client:
            client._http.event_hooks["response"].append(lambda r: requests.append(r.status_code))
            start = time.perf_counter()
            load_crm_object(client, landing, "contacts", page_size=10, max_pages=int(limit * 3))
            seconds = time.perf_counter() - start
        ok = sum(1 for s in requests if s == 200)
        out.append(
            Measurement(
                f"CRM, paced at its {limit:g} req/s limit",
                ok,
                seconds * limit,
                0.9,
                unit="share of limit",
                note=f"{ok} requests answered 200, {len(requests) - ok} refused, {seconds:.1f} s",
            )
        )
    finally:
        server.shutdown()
        server.server_close()
    return out


def main(preset: str | None = None, seed: int = 42, results_dir: Path = RESULTS_DIR) -> Path:
    preset = preset or os.environ.get("BENCH_PRESET", DEFAULT_PRESET)
    work = PROJECT_ROOT / "data" / "bench"
    work = Path(os.environ.get("BENCH_WORK_DIR", work))
    used, sources, note = ensure_chain(preset, seed, work)
    n = GENERATED_ROWS.get(used, DEFAULT_GENERATED_ROWS)
    scratch = work / f"{used}-{seed}" / "scratch"
    # BENCH_ONLY=store (comma-separated chain kinds): only those, nothing generated, no CRM
    only = frozenset(k for k in os.environ.get("BENCH_ONLY", "").split(",") if k)
    measurements = bench_chain_sources(sources, scratch, only)
    if not only:
        measurements += bench_generated(work / f"{used}-{seed}", n) + bench_crm(sources, scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "preset_requested": preset,
        "preset": used,
        "seed": seed,
        "note": note,
        "measured_at": stamp,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "measurements": [m.row() for m in measurements],
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{used}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")

    print(f"ingest bench, preset {used} (seed {seed}){'; ' + note if note else ''}")
    print(f"| {'kind':40} | {'rows':>9} | {'seconds':>7} | {'rate':>12} | {'goal':>9} | ok |")
    print(f"|{'-' * 42}|{'-' * 11}|{'-' * 9}|{'-' * 14}|{'-' * 11}|----|")
    for m in measurements:
        rate = f"{m.rate:.2f}" if m.unit == "share of limit" else f"{m.rate:,.0f}"
        goal = "" if m.goal is None else (f"{m.goal:.2f}" if m.goal < 10 else f"{m.goal:,.0f}")
        ok = "" if m.goal is None else ("yes" if m.rate >= m.goal else "NO")
        print(
            f"| {m.kind:40} | {m.rows:>9,} | {m.seconds:>7.2f} | {rate:>12} | {goal:>9} | {ok:>2} |"
        )
    print(f"results: {path}")
    return path


if __name__ == "__main__":
    main()

"""Ingest benchmark: extraction speed per source kind, in rows per second.

    BENCH_PRESET=bench-M uv run python bench/ingest_bench.py      (or: make bench)
    BENCH_KINDS=store ...                                         (only the store databases)

Simulates the chain of the preset once (cached under ``data/bench/<preset>-<seed>/sources``; a
preset the simulator does not know yet falls back to ``demo``, and the result says so), then times
each load into a fresh landing folder:

* the chain's own sources: store databases (SQLite, Arrow/ADBC), head office, legacy GBK exports,
  supplier files, CRM (limit off, and paced under a configured rate limit);
* generated files of one size for the formats the chain does not produce in bulk: UTF-8 CSV,
  JSON lines, Excel, EDIFACT; and the landing's Parquet write.

Prints a table and writes ``bench/results/<preset>-<timestamp>.json``. No assertions here: the
goals are printed next to the measurements.

``BENCH_KINDS`` (comma-separated) runs only some sections: ``store``, ``head_office``,
``legacy_store``, ``supplier`` (the chain's sources), ``csv``, ``jsonl``, ``xlsx``, ``edifact``,
``parquet`` (generated files, the landing's write), ``crm`` (both CRM runs). Default: all.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import pyarrow as pa  # noqa: E402

from ingest.config import Crm, Supplier, load_sources_config  # noqa: E402
from ingest.contracts import LEGACY_FILES, SUPPLIER_FILES  # noqa: E402
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
SECTIONS = ("store", "head_office", "legacy_store", "supplier")
SECTIONS += ("csv", "jsonl", "xlsx", "edifact", "parquet", "crm")


def wanted(section: str) -> bool:
    """Whether ``BENCH_KINDS`` (comma-separated sections; unset = all) selects this section."""
    kinds = os.environ.get("BENCH_KINDS", "").strip()
    if not kinds:
        return True
    chosen = {k.strip() for k in kinds.split(",") if k.strip()}
    unknown = chosen - set(SECTIONS)
    if unknown:
        raise ValueError(f"BENCH_KINDS: unknown {sorted(unknown)}; known: {SECTIONS}")
    return section in chosen


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


def bench_chain_sources(sources: Path, work: Path) -> list[Measurement]:
    """Each chain kind (``BENCH_KINDS``) into a fresh landing. The note gives the
    process CPU seconds and the load average: on a shared machine the rate alone misleads."""
    config = load_sources_config(sources / "sources.yml")
    goals = {"store": 1e6, "head_office": None}
    labels = {
        "store": "store databases (SQLite, Arrow)",
        "head_office": "head office (SQLite, Arrow)",
    }
    out = []
    for kind, goal in goals.items():
        if not wanted(kind):
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


# --- files ------------------------------------------------------------------------------------
def _timed_cpu(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """fn's result, wall seconds and this process's CPU seconds (all threads)."""
    cpu, start = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start, time.process_time() - cpu


def repeats() -> int:
    """``BENCH_REPEAT`` (default 1): file and CRM loads run this many times, the fastest kept
    (on a machine shared with other work one run can take 3x another)."""
    return max(1, int(os.environ.get("BENCH_REPEAT", "1")))


def _best_of(run: Callable[[], Any]) -> tuple[Any, float, float, str, int]:
    """``_timed_cpu`` of the fastest of ``repeats()`` runs (each starts from a fresh landing),
    a note saying so, and which run it was."""
    runs = [_timed_cpu(run) for _ in range(repeats())]
    at = min(range(len(runs)), key=lambda i: runs[i][1])
    return (*runs[at], f"best of {repeats()}; " if repeats() > 1 else "", at)


def _csv_floor(folders: list[list[Path]], encoding: str, workers: int) -> tuple[int, float, float]:
    """The least any CSV load of these files costs here: read, decode to UTF-8 (unless it is
    already) and pyarrow.csv, 128 files per call as the loader groups them, one folder per thread
    on ``workers`` threads as the loader runs; nothing else (no checksum, rules, Parquet or
    manifest). Rows, seconds, and the seconds spent decoding (summed over threads)."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.csv as pacsv

    def folder(paths: list[Path]) -> tuple[int, float]:
        rows, decode_s = 0, 0.0
        for at in range(0, len(paths), 128):
            bodies, header = [], None
            for path in paths[at : at + 128]:
                data = path.read_bytes()
                first = data.find(b"\n")
                header = header or data[:first].decode(encoding, "replace").strip().split(",")
                t = time.perf_counter()
                body = data[first + 1 :]
                if encoding.lower() not in ("utf-8", "utf8"):
                    body = body.decode(encoding, "replace").encode("utf-8")
                decode_s += time.perf_counter() - t
                bodies.append(body)
            body = b"".join(bodies)
            rows += pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(column_names=header, use_threads=False),
                parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in header}
                ),
            ).num_rows
        return rows, decode_s

    start = time.perf_counter()
    with ThreadPoolExecutor(max(workers, 1)) as pool:
        done = list(pool.map(folder, folders))
    seconds = time.perf_counter() - start
    return sum(r for r, _ in done), seconds, sum(d for _, d in done)


LEGACY_OBJECTS = tuple(LEGACY_FILES)


def bench_chain_files(sources: Path, work: Path) -> list[Measurement]:
    """The chain's legacy GBK exports and supplier feeds, loaded as ``load_source_kind`` does
    (``BENCH_KINDS`` selects them, as in ``bench_chain_sources``)."""
    config = load_sources_config(sources / "sources.yml")
    out = []

    def chosen(kind: str) -> bool:
        return wanted(kind)

    if chosen("legacy_store"):
        landing = work / "landing-legacy_store"

        def legacy() -> list:
            shutil.rmtree(landing, ignore_errors=True)
            return load_source_kind("legacy_store", config, landing)

        results, seconds, cpu, best, _ = _best_of(legacy)
        _check(results)
        folders = [
            sorted(Path(s.path).glob(f"*_{obj}.csv"))
            for s in config.legacy_stores
            for obj in LEGACY_OBJECTS
        ]
        floor_rows, floor_s, decode_s = _csv_floor(folders, "gbk", config.load_workers)
        note = (
            f"{best}CPU {cpu:.2f} s; floor (read, GBK decode, pyarrow.csv only, "
            f"{config.load_workers} threads): {floor_rows / floor_s:,.0f} rows/s in "
            f"{floor_s:.2f} s, decoding {decode_s:.2f} thread-s"
        )
        out.append(Measurement("legacy GBK CSV", _rows(results), seconds, 0.5e6, note=note))
    if chosen("supplier"):
        rows, seconds, cpu, parts = 0, 0.0, 0.0, []
        for fmt in ("csv", "jsonl", "xlsx", "edifact"):
            feeds = [s for s in config.suppliers if s.format == fmt]
            if not feeds:
                continue
            landing = work / f"landing-supplier-{fmt}"
            shutil.rmtree(landing, ignore_errors=True)
            subset = config.model_copy(update={"suppliers": feeds})
            results, s, c = _timed_cpu(
                lambda subset=subset, landing=landing: _supplier(subset, landing)
            )
            _check(results)
            n = _rows(results)
            files = sum(1 for x in feeds for _ in Path(x.path).iterdir())
            parts.append(
                f"{fmt} {n:,} rows in {files:,} files {s:.1f} s ({files / s:,.0f} files/s)"
            )
            rows, seconds, cpu = rows + n, seconds + s, cpu + c
        note = f"CPU {cpu:.2f} s; " + "; ".join(parts)
        out.append(Measurement("supplier files (chain, 4 formats)", rows, seconds, None, note=note))
    return out


def _supplier(config: Any, landing: Path) -> list:
    return load_source_kind("supplier", config, landing)


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


def _reader_floor(fmt: str, path: Path) -> tuple[str, float] | None:
    """The reader alone on a file's bytes (already in memory): what no load can beat here."""
    data = path.read_bytes()
    start = time.perf_counter()
    if fmt == "csv":
        import pyarrow.csv as pacsv

        name = "pyarrow.csv.read_csv"
        header = data[: data.find(b"\n")].decode().split(",")
        rows = pacsv.read_csv(
            pa.BufferReader(data),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header}),
        ).num_rows
    elif fmt == "jsonl":
        import pyarrow.json as pajson

        name = "pyarrow.json.read_json"
        rows = pajson.read_json(
            pa.BufferReader(data), read_options=pajson.ReadOptions(block_size=1 << 20)
        ).num_rows
    elif fmt == "xlsx":
        import fastexcel

        name = "fastexcel to Arrow"
        sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
        rows = sheet.to_arrow().num_rows - 1
    else:
        return None
    return name, rows / (time.perf_counter() - start)


def bench_generated(work: Path, n: int) -> list[Measurement]:
    plan = [
        ("csv", n, 1e6, "supplier CSV (UTF-8, generated)"),
        ("jsonl", n, 1e6, "supplier JSON lines (generated)"),
        ("xlsx", max(n // 10, 1_000), 50e3, "supplier Excel (generated)"),
        ("edifact", max(n // 20, 1_000), None, "supplier EDIFACT PRICAT (generated)"),
    ]
    out = []
    for fmt, rows_wanted, goal, label in plan:
        if not wanted(fmt):
            continue
        folder = work / "generated" / f"{fmt}-{rows_wanted}"
        if not folder.is_dir():
            write_generated(folder, fmt, rows_wanted)
        supplier = Supplier(supplier_id="SUP01", path=folder, format=fmt)

        def load(supplier: Supplier = supplier, landing_dir: Path = work / f"landing-{fmt}"):
            shutil.rmtree(landing_dir, ignore_errors=True)
            return load_supplier(supplier, Landing(landing_dir))

        results, seconds, cpu, best, _ = _best_of(load)
        _check(results)
        note = f"{best}CPU {cpu:.2f} s"
        floor = _reader_floor(fmt, next(folder.iterdir()))
        if floor is not None:
            note += f"; floor ({floor[0]} alone on the same bytes): {floor[1]:,.0f} rows/s"
        out.append(Measurement(label, _rows(results), seconds, goal, note=note))

    if not wanted("parquet"):
        return out
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
def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def crm_server(db: Path, rate_limit_per_s: float | None = None) -> Iterator[tuple[str, int]]:
    """The simulated CRM API in its own process (as a real CRM is another machine: its work does
    not share this process's GIL with the client); yields its base URL and process id."""
    args = [sys.executable, "-m", "simulator.crm.server", str(db), "--port", "0"]
    if rate_limit_per_s is not None:
        args += ["--rate-limit-per-s", str(rate_limit_per_s)]
    proc = subprocess.Popen(args, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"the CRM server did not start (exit {proc.poll()})")
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def bench_crm(sources: Path, work: Path) -> list[Measurement]:
    db = sources / "crm" / "crm.sqlite"
    out: list[Measurement] = []
    if not wanted("crm"):
        return out
    # limit off; search pages of 200 records (the most the API allows)
    with crm_server(db) as (url, pid):
        config = Crm(base_url=url, page_size=200)
        server_cpu: list[float | None] = []

        def load() -> list:
            root = work / "landing-crm"
            shutil.rmtree(root, ignore_errors=True)
            landing = Landing(root)
            before = _cpu_seconds(pid)
            with CrmClient(url, "demo-token") as client:
                results = load_crm(config, landing, objects=("contacts", "feedback"), client=client)
            after = _cpu_seconds(pid)
            server_cpu.append(None if after is None or before is None else after - before)
            return results

        results, seconds, client_cpu, best, at = _best_of(load)
        _check(results)
        server = server_cpu[at]
        on_server = "" if server is None else f", server {server:.2f}"
        note = f"{best}CPU seconds: client {client_cpu:.2f}{on_server}"
        out.append(
            Measurement(
                "CRM, rate limit off", _rows(results), seconds, 20e3, unit="records/s", note=note
            )
        )

    # paced under a rate limit: requests per second achieved, as a share of the limit
    limit = CRM_RATE_LIMIT
    requests: list[int] = []
    with crm_server(db, rate_limit_per_s=limit) as (url, _):
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
    return out


def main(preset: str | None = None, seed: int = 42, results_dir: Path = RESULTS_DIR) -> Path:
    preset = preset or os.environ.get("BENCH_PRESET", DEFAULT_PRESET)
    work = PROJECT_ROOT / "data" / "bench"
    work = Path(os.environ.get("BENCH_WORK_DIR", work))
    used, sources, note = ensure_chain(preset, seed, work)
    n = GENERATED_ROWS.get(used, DEFAULT_GENERATED_ROWS)
    scratch = work / f"{used}-{seed}" / "scratch"
    # BENCH_KINDS (see the module docstring) selects the sections
    measurements = bench_chain_sources(sources, scratch)
    measurements += bench_chain_files(sources, scratch)
    measurements += bench_generated(work / f"{used}-{seed}", n) + bench_crm(sources, scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "preset_requested": preset,
        "preset": used,
        "seed": seed,
        "note": note,
        "measured_at": stamp,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
        },
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
    for m in measurements:
        if m.note:
            print(f"  {m.kind}: {m.note}")
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs")
    print(f"results: {path}")
    return path


if __name__ == "__main__":
    main()

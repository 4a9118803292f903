"""Same seed, same contents: checksums over table rows and decoded file rows, not file bytes.

Covers every table, the legacy exports, supplier feeds in all four formats (Excel through its cell
values), the file faults (including delivery times) and the ground truth. How the streamed run is
cut (chunk size, store order, worker processes) never shows in the contents.
"""

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from simulator.generate import simulate
from simulator.presets import Preset, every_fault, register

TINY = register(
    Preset(
        name="test-tiny",
        n_stores=3,
        n_legacy=1,
        n_products=25,
        n_days=20,
        n_suppliers=4,
        n_file_suppliers=4,
        n_contacts=60,
        receipts_per_day=20.0,
        stocktake_days_before_end=5,
        silent_days=2,
        faults=every_fault(1),
    )
)


def content_checksums(root: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.suffix == ".sqlite":
            with sqlite3.connect(path) as con:
                tables = [
                    t for (t,) in con.execute("select name from sqlite_master where type='table'")
                ]
                for table in sorted(tables):
                    rows = sorted(repr(r) for r in con.execute(f"select * from {table}"))
                    sums[f"{rel}:{table}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        elif path.suffix == ".xlsx":
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            rows = [repr(r) for r in sheet]
            sums[rel] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        elif path.is_file():
            encoding = "gbk" if "legacy" in path.parts else "utf-8"
            text = path.read_text(encoding=encoding, errors="surrogateescape")
            rows = sorted(text.splitlines())
            sums[rel] = hashlib.sha256("\n".join(rows).encode(errors="surrogateescape")).hexdigest()
        if path.is_file() and "suppliers" in path.parts:  # file_late: the delivery time
            sums[rel + ":mtime"] = str(int(path.stat().st_mtime) if _is_late(root, path) else 0)
    return sums


def _is_late(root: Path, path: Path) -> bool:
    lines = (root / "ground_truth" / "faults.jsonl").read_text(encoding="utf-8").splitlines()
    late = {json.loads(x)["document_id"] for x in lines if '"file_late"' in x}
    return path.name in late


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    runs = []
    for seed in (7, 7, 8):
        out = tmp_path_factory.mktemp(f"tiny_{seed}")
        simulate(TINY.name, seed, out)
        runs.append(content_checksums(out))
    return runs


def test_same_seed_same_contents(tiny_runs: list[dict[str, str]]) -> None:
    first, second, _ = tiny_runs
    assert len(first) > 60  # 5 head office tables, 2 x 5 store tables, 60 legacy files, ...
    assert first == second
    exts = {k.split(":")[0].rsplit(".", 1)[-1] for k in first if k.startswith("suppliers/")}
    assert exts == {"csv", "jsonl", "xlsx", "edi"}
    assert "ground_truth/faults.jsonl" in first
    assert any(k.endswith(":mtime") and v != "0" for k, v in first.items())  # a late file


def test_other_seed_other_contents(tiny_runs: list[dict[str, str]]) -> None:
    first, _, other = tiny_runs
    changed = [k for k in first if first[k] != other.get(k)]
    assert "stores/S001.sqlite:receipts" in changed
    assert "head_office.sqlite:products" in changed


def test_store_order_chunks_and_workers_do_not_change_the_contents(
    tiny_runs: list[dict[str, str]], tmp_path: Path
) -> None:
    """Stores written in reverse order by two worker processes, the chain streamed in 3-day
    chunks: the same contents as the default run (all stores in this process, 14-day chunks)."""
    simulate(TINY.name, 7, tmp_path, workers=2, chunk_days=3, store_order=[2, 1, 0])
    assert content_checksums(tmp_path) == tiny_runs[0]

"""A file load (legacy GBK exports) and a CRM load killed (-9) after k committed batches resume
to exactly the landing of an uninterrupted run, and every row at the source is accounted for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from ingest_fixtures import SALES, SALES_HEADER, csv_bytes, landed, quarantined, strip_meta
from test_crm_server import write_crm_db

from ingest.config import LegacyStore
from ingest.landing import Landing
from ingest.sources.crm import CrmClient, load_crm_object
from ingest.sources.legacy_files import load_legacy_store
from simulator.crm.server import CrmHttpServer, CrmStore, FaultConfig

HERE = Path(__file__).parent
N_FILES, FILES_PER_BATCH = 8, 2  # 4 sales batches when uninterrupted in batches of 2
ROWS_PER_FILE = 120


def multiset(rows: list[dict]) -> Counter:
    return Counter(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)


def data_batches(landing: Landing, obj: str) -> int:
    return sum(
        1 for b in landing.manifest_rows("batches") if b["object"] == obj and b["kind"] == "data"
    )


def kill_after(landing: Landing, obj: str, k: int, args: list[str]) -> None:
    """Start the target, kill -9 it once the manifest shows k committed data batches of obj."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "kill_file_target.py"), *args],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[1]), str(HERE)])},
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while data_batches(landing, obj) < k:
            assert proc.poll() is None, "the load ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.05)  # into the next batch's (slow) write: it is half-written
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert data_batches(landing, obj) == k


def accounted(landing: Landing) -> tuple[int, int, int]:
    counts = landing.manifest_rows("batch_counts")
    return (
        sum(c["rows_source"] for c in counts),
        sum(c["rows_landed"] for c in counts),
        sum(c["rows_quarantined"] for c in counts),
    )


@pytest.fixture
def export_folder(tmp_path: Path) -> Path:
    """Eight daily sales exports of a legacy store (GBK); one row in another encoding, one with a
    bad quantity."""
    folder = tmp_path / "legacy" / "S003"
    folder.mkdir(parents=True)
    for day in range(1, N_FILES + 1):
        rows = [
            [f"S003-{day:02d}{i:04d}", f"{day:02d}/03/2026", *SALES[i % 3][2:]]
            for i in range(ROWS_PER_FILE)
        ]
        if day == 3:
            rows[10][6] = "one"
        data = csv_bytes(SALES_HEADER, rows)
        if day == 6:
            data = data.replace("牛奶".encode("gbk"), b"\xff\xfe", 1)
        (folder / f"S003_202603{day:02d}_sales.csv").write_bytes(data)
    return folder


@pytest.mark.parametrize("k", [1, 2, 3], ids=["first", "middle", "last-1"])
def test_killed_legacy_file_load_resumes_to_the_same_landing(tmp_path, export_folder, k):
    store = LegacyStore(store_id="S003", kind="legacy", path=export_folder, encoding="gbk")
    reference = Landing(tmp_path / "reference")
    assert all(r.error is None for r in load_legacy_store(store, reference))

    landing = Landing(tmp_path / "landing")
    kill_after(
        landing,
        "sales",
        k,
        ["legacy", str(landing.root), str(export_folder), str(FILES_PER_BATCH)],
    )
    resumed = load_legacy_store(store, landing)

    assert all(r.error is None for r in resumed)
    assert not any(p.name.endswith(".tmp") for p in landing.root.rglob("*"))
    got = landed(landing, "legacy_store", "sales", "S003")
    want = landed(reference, "legacy_store", "sales", "S003")
    assert multiset(strip_meta(got)) == multiset(strip_meta(want))
    keep = ("source_file", "line_no", "raw", "reason")
    for pii in (False, True):
        q_got = quarantined(landing, "legacy_store", "sales", "S003", pii=pii)
        q_want = quarantined(reference, "legacy_store", "sales", "S003", pii=pii)
        assert multiset([{c: r[c] for c in keep} for r in q_got]) == multiset(
            [{c: r[c] for c in keep} for r in q_want]
        )
    assert len(got) == N_FILES * ROWS_PER_FILE - 2
    assert accounted(landing) == (N_FILES * ROWS_PER_FILE, N_FILES * ROWS_PER_FILE - 2, 2)
    statuses = Counter(f["status"] for f in landing.manifest_rows("files"))
    assert statuses == {"loaded": N_FILES}
    assert all(r.rows_loaded == 0 for r in load_legacy_store(store, landing))


@pytest.fixture
def crm_url(tmp_path: Path):
    db = tmp_path / "crm.sqlite"
    write_crm_db(db, n_contacts=400, n_feedback=0)
    server = CrmHttpServer(("127.0.0.1", 0), CrmStore(db), "demo-token", FaultConfig())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("k", [1, 4, 7], ids=["first", "middle", "last-1"])
def test_killed_crm_load_resumes_to_the_same_landing(tmp_path, crm_url, k):
    page = 50  # 400 contacts: 8 pages, one batch each
    reference = Landing(tmp_path / "reference")
    with CrmClient(crm_url, "demo-token", sleep=lambda s: None) as client:
        done = load_crm_object(client, reference, "contacts", page_size=page, pages_per_batch=1)
    assert done.error is None and data_batches(reference, "contacts") >= 8

    landing = Landing(tmp_path / "landing")
    kill_after(landing, "contacts", k, ["crm", str(landing.root), crm_url, str(page)])
    with CrmClient(crm_url, "demo-token", sleep=lambda s: None) as client:
        resumed = load_crm_object(client, landing, "contacts", page_size=page, pages_per_batch=1)
        again = load_crm_object(client, landing, "contacts", page_size=page)

    assert resumed.error is None and again.rows_loaded == 0
    assert not any(p.name.endswith(".tmp") for p in landing.root.rglob("*"))
    got = landed(landing, "crm", "contacts", "crm")
    want = landed(reference, "crm", "contacts", "crm")
    assert multiset(strip_meta(got)) == multiset(strip_meta(want))
    assert Counter(r["id"] for r in got) == Counter(str(i) for i in range(1, 401))
    assert accounted(landing) == (400, 400, 0)
    assert landing.get_cursor("crm", "contacts", "crm") == reference.get_cursor(
        "crm", "contacts", "crm"
    )

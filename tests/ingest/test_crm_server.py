"""The CRM loader against the real simulated CRM server, with its faults switched on."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ingest_fixtures import landed

from ingest.sources.crm import CrmClient, load_crm_object
from simulator.crm.data import CONTACT_PROPERTIES, FEEDBACK_PROPERTIES
from simulator.crm.server import CrmHttpServer, CrmStore, FaultConfig

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def write_crm_db(path: Path, n_contacts: int, n_feedback: int) -> None:
    """Contacts and feedback as the simulator stores them; many share one lastmodifieddate."""
    con = sqlite3.connect(path)
    for name, props in (("contacts", CONTACT_PROPERTIES), ("feedback", FEEDBACK_PROPERTIES)):
        cols = ", ".join(f"{p} TEXT" for p in props)
        con.execute(
            f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, {cols}, "
            "archived INTEGER NOT NULL DEFAULT 0)"
        )
    for i in range(1, n_contacts + 1):
        at = _iso(T0 + timedelta(minutes=i % 7))
        values = {p: f"{p}-{i}" for p in CONTACT_PROPERTIES}
        values.update(createdate=at, lastmodifieddate=at, loyalty_card=f"29{i:011d}")
        con.execute(
            f"INSERT INTO contacts VALUES (?, {', '.join('?' * len(CONTACT_PROPERTIES))}, 0)",
            (i, *(values[p] for p in CONTACT_PROPERTIES)),
        )
    for i in range(1, n_feedback + 1):
        at = _iso(T0 + timedelta(seconds=i))
        values = {p: str(i % 11) for p in FEEDBACK_PROPERTIES}
        values.update(submitted_at=at, lastmodifieddate=at)
        con.execute(
            f"INSERT INTO feedback VALUES (?, {', '.join('?' * len(FEEDBACK_PROPERTIES))}, 0)",
            (i, *(values[p] for p in FEEDBACK_PROPERTIES)),
        )
    con.commit()
    con.close()


class SlowSometimes(CrmHttpServer):
    """The simulator's server, plus requests that answer after the client gave up (timeouts)."""

    timeout_rate = 0.1
    stall_s = 0.3

    def before_request(self, authorization: str | None) -> None:
        super().before_request(authorization)
        with self._lock:
            stall = self._random.random() < self.timeout_rate
        if stall:
            time.sleep(self.stall_s)


@pytest.fixture
def faulty_crm(tmp_path):
    db = tmp_path / "crm.sqlite"
    write_crm_db(db, n_contacts=400, n_feedback=150)
    faults = FaultConfig(error_rate=0.2, rate_limit_per_s=60, retry_after_s=1, seed=7)
    server = SlowSometimes(("127.0.0.1", 0), CrmStore(db), "demo-token", faults)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", db
    server.shutdown()
    server.server_close()


def test_every_record_lands_exactly_once_through_500s_429s_and_timeouts(faulty_crm, landing):
    url, db = faulty_crm
    waits: list[float] = []
    client = CrmClient(
        url,
        "demo-token",
        timeout=0.1,
        max_attempts=8,
        sleep=waits.append,  # injected: the test never sleeps
        backoff_base=0.5,
    )
    errors = []
    with client:
        for obj in ("contacts", "feedback"):
            for _ in range(300):  # a load that gives up resumes from its cursor on the next run
                result = load_crm_object(client, landing, obj, page_size=25, pages_per_batch=2)
                if result.error is None:
                    break
                errors.append(result.error)
            else:
                pytest.fail(f"{obj} never finished: {errors[-3:]}")
    assert 1.0 in waits, "Retry-After of the 429s was honoured"
    assert any(w == 0.5 for w in waits), "500s and timeouts back off"
    with sqlite3.connect(db) as con:
        source = {
            obj: Counter(str(r[0]) for r in con.execute(f"select id from {obj}"))
            for obj in ("contacts", "feedback")
        }
    for obj in ("contacts", "feedback"):
        got = Counter(r["id"] for r in landed(landing, "crm", obj, "crm"))
        assert got == source[obj]  # every record, each exactly once
    counts = landing.manifest_rows("batch_counts")
    assert sum(c["rows_source"] for c in counts) == 550
    assert sum(c["rows_landed"] for c in counts) == 550


def test_pacing_keeps_under_the_rate_limit_without_429s(tmp_path, landing):
    db = tmp_path / "crm.sqlite"
    write_crm_db(db, n_contacts=300, n_feedback=0)
    server = CrmHttpServer(
        ("127.0.0.1", 0), CrmStore(db), "demo-token", FaultConfig(rate_limit_per_s=40)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    statuses: list[int] = []
    try:
        client = CrmClient(
            f"http://127.0.0.1:{server.server_address[1]}",
            "demo-token",
            rate_limit_per_s=38,
            max_attempts=1,
        )
        client._http.event_hooks["response"].append(lambda r: statuses.append(r.status_code))
        with client:
            result = load_crm_object(client, landing, "contacts", page_size=20)
    finally:
        server.shutdown()
        server.server_close()
    assert result.error is None and result.rows_loaded == 300
    assert set(statuses) == {200}


def test_search_pages_hold_up_to_200_records_and_list_pages_100(tmp_path):
    db = tmp_path / "crm.sqlite"
    write_crm_db(db, n_contacts=450, n_feedback=0)
    store = CrmStore(db)
    search = {"filterGroups": [], "limit": 500}
    first = store.search("contacts", search)
    assert len(first["results"]) == 200
    second = store.search("contacts", {**search, "after": first["paging"]["next"]["after"]})
    third = store.search("contacts", {**search, "after": second["paging"]["next"]["after"]})
    assert (len(second["results"]), len(third["results"]), "paging" in third) == (200, 50, False)
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(set(ids)) == 450
    assert len(store.list("contacts", limit=100, after=None)["results"]) == 100
    record = first["results"][0]
    assert record["properties"]["hs_object_id"] == record["id"]
    assert record["updatedAt"] == record["properties"]["lastmodifieddate"]
    assert record["createdAt"] == record["properties"]["createdate"]

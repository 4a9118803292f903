"""Large tables land as several committed batches: ties across batch boundaries, a load killed
(-9) after k batches and resumed, key reconciliation (deletes), naive and offset timestamps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from ingest_fixtures import (
    T0,
    as_utc,
    create_store,
    landed,
    quarantined,
    receipt_line,
    receipt_lines,
    strip_meta,
)

from ingest.contracts import STORE_TABLES
from ingest.landing import Batch, Landing
from ingest.sources.sql_tables import (
    DELETED_AT,
    deleted_object,
    load_sql_source,
    load_table,
    make_engine,
)

CONTRACTS = {t.name: t for t in STORE_TABLES}
HERE = Path(__file__).parent


def load_lines(url: str, landing: Landing, **kwargs):
    engine = make_engine(url)
    try:
        return load_table(
            engine,
            landing,
            source="store",
            source_id="S001",
            contract=CONTRACTS["receipt_lines"],
            **kwargs,
        )
    finally:
        engine.dispose()


def latest_per_key(rows: list[dict]) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for r in sorted(rows, key=lambda r: (r["_batch_id"], str(r["updated_at"]))):
        out[(r["receipt_id"], r["line_no"])] = {k: v for k, v in r.items() if not k.startswith("_")}
    return out


def multiset(rows: list[dict]) -> Counter:
    return Counter(tuple(sorted((k, str(v)) for k, v in r.items())) for r in strip_meta(rows))


def data_batches(landing: Landing, obj: str = "receipt_lines") -> int:
    return sum(
        1 for b in landing.manifest_rows("batches") if b["object"] == obj and b["kind"] == "data"
    )


def test_thousands_of_rows_sharing_one_updated_at_across_batch_boundaries(store_url, landing):
    # 3 000 rows at T0 straddle the boundaries of 700-row batches, then more rows at T0
    n = 3_000
    rows = [receipt_line(i, 1, T0) for i in range(n)]
    rows += [receipt_line(i, 1, T0 + timedelta(seconds=1)) for i in range(n, n + 100)]
    engine = create_store(store_url, {"receipt_lines": rows})
    first = load_lines(store_url, landing, chunk_rows=250, batch_rows=700)
    assert first.rows_loaded == n + 100
    assert len(first.batch_ids) == data_batches(landing) == 5
    with engine.begin() as conn:  # committed late, with the old timestamp
        conn.execute(receipt_lines.insert(), [receipt_line(i, 2, T0) for i in range(1_000)])
    engine.dispose()

    second = load_lines(store_url, landing, chunk_rows=250, batch_rows=700)

    assert second.rows_loaded == 1_000
    keys = [
        (r["receipt_id"], r["line_no"]) for r in landed(landing, "store", "receipt_lines", "S001")
    ]
    assert len(keys) == len(set(keys)) == n + 100 + 1_000
    assert load_lines(store_url, landing, chunk_rows=250, batch_rows=700).rows_loaded == 0


def _add_rows_and_a_bad_row(url: str, n: int) -> None:
    rows = [receipt_line(i, 1 + i % 3, T0 + timedelta(seconds=i // 7)) for i in range(n)]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(receipt_lines.insert(), rows)
        # SQLite keeps what it is given: a quantity that is not one
        conn.execute(
            sa.text(
                "insert into receipt_lines values ('S001-BAD', 1, '4006381333931', 'zwei',"
                " 2.49, 0, 2.49, 0.07, :at)"
            ),
            {"at": str(T0 + timedelta(hours=1))},
        )
    engine.dispose()


@pytest.mark.parametrize(
    ("phase", "k"),
    [("snapshot", 1), ("snapshot", 3), ("snapshot", 5), ("incremental", 1), ("incremental", 4)],
)
def test_killed_load_resumes_to_the_same_landing(tmp_path, store_url, phase, k):
    # snapshot: the first load (rowid ranges of 500: 6 data batches, the last also holding the
    # quarantined row); incremental: a later load (updated_at windows of ~500 rows, each ending
    # before the updated_at of its 500th row, which opens the next: 7)
    reference = Landing(tmp_path / "reference")
    landing = Landing(tmp_path / "landing")
    n, batch_rows = 3_000, 500
    early = [receipt_line(90_000, 1, T0 - timedelta(days=1))] if phase == "incremental" else []
    create_store(store_url, {"receipt_lines": early}).dispose()
    if early:
        for target in (reference, landing):
            assert load_lines(store_url, target).rows_loaded == 1
    before = data_batches(landing)
    _add_rows_and_a_bad_row(store_url, n)
    assert load_lines(store_url, reference, chunk_rows=250, batch_rows=batch_rows).error is None
    assert data_batches(reference) - before == (6 if phase == "snapshot" else 7)

    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "kill_target.py"),
            store_url,
            str(landing.root),
            "receipt_lines",
            "250",
            str(batch_rows),
        ],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[1]), str(HERE)])},
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while data_batches(landing) - before < k:
            assert proc.poll() is None, "the load ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.05)  # into the next batch's first (slow) chunk: it is half-written
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert data_batches(landing) - before == k
    state = landing.get_cursor("store", "receipt_lines", "S001")
    assert (state.get("snapshot") is not None) == (phase == "snapshot")
    assert (state["pass"] is not None) == (phase == "incremental")

    resumed = load_lines(store_url, landing, chunk_rows=250, batch_rows=batch_rows)

    assert resumed.error is None
    assert not any(p.name.endswith(".tmp") for p in landing.root.rglob("*"))
    got = landed(landing, "store", "receipt_lines", "S001")
    want = landed(reference, "store", "receipt_lines", "S001")
    assert latest_per_key(got) == latest_per_key(want)
    assert multiset(got) == multiset(want)
    assert len(got) == n + len(early)
    (bad,) = quarantined(landing, "store", "receipt_lines", "S001")
    assert "qty" in bad["reason"]
    # rows at the source = rows landed + rows quarantined, from the manifest
    counts = landing.manifest_rows("batch_counts")
    assert sum(c["rows_source"] for c in counts) == n + len(early) + 1
    assert sum(c["rows_landed"] for c in counts) == n + len(early)
    assert sum(c["rows_quarantined"] for c in counts) == 1
    assert load_lines(store_url, landing, chunk_rows=250, batch_rows=batch_rows).rows_loaded == 0


def test_reconciliation_lands_exactly_the_deleted_keys(store_url, landing):
    rows = [receipt_line(i, 1, T0 + timedelta(seconds=i)) for i in range(50)]
    engine = create_store(store_url, {"receipt_lines": rows})

    def load(**kwargs):
        return load_sql_source(
            source="store",
            source_id="S001",
            url=store_url,
            tables=[CONTRACTS["receipt_lines"]],
            landing=landing,
            **kwargs,
        )

    load()
    gone = ["S001-R00003", "S001-R00017", "S001-R00042"]
    with engine.begin() as conn:
        conn.execute(receipt_lines.delete().where(receipt_lines.c.receipt_id.in_(gone)))

    results = {r.object: r for r in load(reconcile=True)}

    deleted = results[deleted_object("receipt_lines")]
    assert deleted.rows_loaded == 3
    rows = landed(landing, "store", "receipt_lines__deleted", "S001")
    assert sorted((r["receipt_id"], r["line_no"]) for r in rows) == [(g, 1) for g in gone]
    assert all(r[DELETED_AT] is not None for r in rows)
    # history stays: the deleted rows are still in landing
    assert len(landed(landing, "store", "receipt_lines", "S001")) == 50
    # found once, not again; a key that comes back and goes again is found again
    assert deleted_object("receipt_lines") not in {r.object for r in load(reconcile=True)}
    with engine.begin() as conn:
        conn.execute(receipt_lines.insert(), [receipt_line(3, 1, T0 + timedelta(hours=1))])
    load()
    with engine.begin() as conn:
        conn.execute(receipt_lines.delete().where(receipt_lines.c.receipt_id == gone[0]))
    again = {r.object: r for r in load(reconcile=True)}
    assert again[deleted_object("receipt_lines")].rows_loaded == 1
    engine.dispose()


def test_reconciliation_runs_every_n_loads_that_landed_rows(store_url, landing):
    engine = create_store(store_url, {"receipt_lines": [receipt_line(0, 1, T0)]})
    with engine.begin() as conn:
        conn.execute(receipt_lines.insert(), [receipt_line(1, 1, T0)])
        conn.execute(receipt_lines.delete().where(receipt_lines.c.receipt_id == "S001-R00000"))
    found = []
    for i in range(3):
        with engine.begin() as conn:
            conn.execute(receipt_lines.insert(), [receipt_line(10 + i, 1, T0 + timedelta(hours=i))])
        results = load_sql_source(
            source="store",
            source_id="S001",
            url=store_url,
            tables=[CONTRACTS["receipt_lines"]],
            landing=landing,
            reconcile_every=3,
        )
        found.append(sum(r.rows_loaded for r in results if r.object.endswith("__deleted")))
    # nothing landed for R00000 (deleted before the first load), so nothing to find
    assert found == [0, 0, 0]
    assert landing.get_cursor("store", "receipt_lines__deleted", "S001")["loads_since"] == 0
    engine.dispose()


def test_naive_and_offset_text_timestamps_both_land_as_utc(store_url, landing):
    create_store(store_url).dispose()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        for rid, at in [
            ("A", "2026-03-02 08:00:00.000000"),
            ("B", "2026-03-02T09:00:00+00:00"),
            ("C", "2026-03-02T11:00:00+02:00"),
        ]:
            conn.execute(
                sa.text(
                    "insert into receipt_lines values (:r, 1, '4006381333931', 1, 2.49, 0,"
                    " 2.49, 0.07, :at)"
                ),
                {"r": rid, "at": at},
            )
    engine.dispose()
    assert load_lines(store_url, landing).rows_loaded == 3
    rows = {
        r["receipt_id"]: r["updated_at"] for r in landed(landing, "store", "receipt_lines", "S001")
    }
    assert {k: v.isoformat() for k, v in rows.items()} == {
        "A": "2026-03-02T08:00:00+00:00",
        "B": "2026-03-02T09:00:00+00:00",
        "C": "2026-03-02T09:00:00+00:00",
    }


def test_incremental_batches_are_updated_at_windows_never_splitting_a_value(store_url, landing):
    engine = create_store(store_url, {"receipt_lines": [receipt_line(99_999, 1, T0)]})
    load_lines(store_url, landing)
    rows = [receipt_line(i, 1, T0 + timedelta(hours=1)) for i in range(1_000)]
    rows += [receipt_line(i, 2, T0 + timedelta(hours=1, seconds=1 + i // 10)) for i in range(1_000)]
    with engine.begin() as conn:
        conn.execute(receipt_lines.insert(), rows)
    engine.dispose()

    result = load_lines(store_url, landing, chunk_rows=128, batch_rows=300)

    assert result.rows_loaded == 2_000
    got = [
        r
        for r in landed(landing, "store", "receipt_lines", "S001")
        if r["receipt_id"] != "S001-R99999"
    ]
    batches_of: dict = {}
    rows_in: Counter = Counter()
    for r in got:
        batches_of.setdefault(r["updated_at"], set()).add(r["_batch_id"])
        rows_in[r["_batch_id"]] += 1
    assert all(len(b) == 1 for b in batches_of.values())  # equal updated_at: one batch
    # one value with more rows than a batch is one larger batch (window bounds are every 300th
    # value, so that batch also holds the rows up to the next bound: fewer than 300)
    (big,) = batches_of[as_utc(T0 + timedelta(hours=1))]
    assert 1_000 <= rows_in.pop(big) < 1_300
    assert max(rows_in.values()) <= 300 and sum(rows_in.values()) + 1_000 <= 2_000
    assert load_lines(store_url, landing, chunk_rows=128, batch_rows=300).rows_loaded == 0


def test_a_pass_committed_by_the_ordered_reader_goes_on_exactly(store_url, landing, monkeypatch):
    # an earlier version committed passes ordered by (updated_at, key) with the position of the
    # last row read; such a cursor goes on from that row's updated_at, nothing repeated or lost
    engine = create_store(store_url, {"receipt_lines": [receipt_line(99_999, 1, T0)]})
    load_lines(store_url, landing)
    with engine.begin() as conn:
        conn.execute(
            receipt_lines.insert(),
            [receipt_line(i, 1, T0 + timedelta(seconds=i // 7)) for i in range(2_000)],
        )
    engine.dispose()
    original = Batch.commit
    commits = []

    def commit_then_die(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        commits.append(out)
        if len(commits) == 2:
            raise KeyboardInterrupt
        return out

    monkeypatch.setattr(Batch, "commit", commit_then_die)
    with pytest.raises(KeyboardInterrupt):
        load_lines(store_url, landing, chunk_rows=100, batch_rows=500)
    monkeypatch.setattr(Batch, "commit", original)
    rows = landed(landing, "store", "receipt_lines", "S001")
    last = max(rows, key=lambda r: (r["updated_at"], r["receipt_id"], r["line_no"]))
    state = landing.get_cursor("store", "receipt_lines", "S001")
    at = last["updated_at"].strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it
    state["pass"] = {
        "since": state["pass"]["since"],
        "after": [{"text": at}, last["receipt_id"], 1],
    }
    batch = landing.new_batch("store", "receipt_lines", "S001")
    batch.commit(cursor=state)

    resumed = load_lines(store_url, landing, chunk_rows=100, batch_rows=500)

    assert resumed.error is None
    got = landed(landing, "store", "receipt_lines", "S001")
    assert len(got) == len({(r["receipt_id"], r["line_no"]) for r in got}) == 2_001

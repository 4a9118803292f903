"""The ingest bench runs end to end at ci size and writes its results (no timing assertions)."""

from __future__ import annotations

import json

from bench import ingest_bench


def test_bench_runs_at_ci_size(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setattr(ingest_bench, "GENERATED_ROWS", {"ci": 2_000})
    monkeypatch.setattr(ingest_bench, "CRM_RATE_LIMIT", 50.0)

    path = ingest_bench.main(preset="ci", results_dir=tmp_path / "results")

    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["preset"] == "ci"
    kinds = {m["kind"]: m for m in report["measurements"]}
    assert len(kinds) == 11
    assert all(m["rows"] > 0 and m["seconds"] > 0 for m in kinds.values())

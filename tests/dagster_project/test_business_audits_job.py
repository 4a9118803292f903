"""The business_audits job, run as Dagster runs it, on a copy of the `ci` chain: it re-runs every
audit (one new run per audit in fct_audit_runs, the same findings on the same data) and publishes
them, without rebuilding anything else."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from retailwh.serving import current_snapshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def chain_copy(ci_chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(ci_chain.landing_dir, data_dir / "landing")
    (data_dir / "warehouse").mkdir(parents=True)
    shutil.copy2(ci_chain.warehouse, data_dir / "warehouse" / "warehouse.duckdb")
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data_dir))
    return data_dir


def _runs(warehouse: Path) -> dict[str, list[tuple[str, int]]]:
    """{run_id: [(audit, findings_count)]} of fct_audit_runs, oldest run first."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select run_id, audit, findings_count from audits.fct_audit_runs"
            " order by run_at, run_id, audit"
        ).fetchall()
    runs: dict[str, list[tuple[str, int]]] = {}
    for run_id, audit, count in rows:
        runs.setdefault(run_id, []).append((audit, count))
    return runs


def test_business_audits_rerun_every_audit_and_publish(chain_copy: Path) -> None:
    from dagster_project.definitions import defs

    warehouse = chain_copy / "warehouse" / "warehouse.duckdb"
    before = _runs(warehouse)
    latest_before = list(before)[-1]
    assert len(before[latest_before]) == 10  # one row per audit

    result = defs.resolve_job_def("business_audits").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    materialized = {
        tuple(event.asset_key.path) for event in result.get_asset_materialization_events()
    }
    assert ("audits", "fct_audit_runs") in materialized
    assert ("serving", "snapshot") in materialized
    # nothing but the audits and the snapshot was rebuilt
    assert {path[0] for path in materialized} == {"audits", "serving"}

    # each audit is also a Dagster asset check: WARN exactly where the audit found something
    checks = {
        evaluation.asset_key.path[-1]: evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name.startswith("no_findings")
    }
    findings = dict(before[latest_before])
    assert set(checks) == {f"audit_{audit}" for audit in findings}
    for audit, count in findings.items():
        evaluation = checks[f"audit_{audit}"]
        assert evaluation.passed == (count == 0), audit
        if count:
            assert evaluation.severity == dg.AssetCheckSeverity.WARN

    after = _runs(warehouse)
    new = set(after) - set(before)
    assert len(new) == 1
    (new_run,) = new
    # the same data gives the same findings per audit as the build's own latest run
    assert after[new_run] == before[latest_before]
    snapshot = current_snapshot()
    assert snapshot is not None
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        published = {
            row[0] for row in con.execute("select distinct run_id from fct_audit_runs").fetchall()
        }
    assert new_run in published

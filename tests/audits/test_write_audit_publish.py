"""Write-audit-publish on a copy of the `ci` chain: a real integrity fault, found by the dbt audit,
blocks the publish; the dashboards keep the last good snapshot and say why and since when."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dagster_project.lib.dbt_cli import dbt_environment, dbt_executable
from retailwh import settings
from retailwh.publish import PublishBlocked, blocked_status, list_versions, publish
from retailwh.serving import current_snapshot

pytestmark = pytest.mark.e2e

APP = str(settings.PROJECT_ROOT / "dashboards" / "streamlit_app.py")


def _run_integrity_audit(data_dir: Path) -> None:
    """``dbt run`` of the integrity audit alone against the warehouse under ``data_dir``."""
    result = subprocess.run(
        [
            str(dbt_executable()),
            "run",
            "--select",
            "audit_warehouse_integrity",
            "--profiles-dir",
            str(settings.DBT_PROJECT_DIR),
            "--target-path",
            str(data_dir.parent / "dbt_target"),
            "--log-path",
            str(data_dir.parent / "dbt_logs"),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        env={**os.environ, **dbt_environment()},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.fixture
def chain_copy(ci_chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The ci chain's landing and warehouse copied to a data dir of its own (nothing published)."""
    data_dir = tmp_path / "data"
    shutil.copytree(ci_chain.landing_dir, data_dir / "landing")
    (data_dir / "warehouse").mkdir(parents=True)
    shutil.copy2(ci_chain.warehouse, data_dir / "warehouse" / "warehouse.duckdb")
    monkeypatch.setenv("RETAILWH_DATA_DIR", str(data_dir))
    return data_dir


def _page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_duplicate_sales_line_blocks_publish_and_the_pages_say_why(
    chain_copy: Path, ci_chain
) -> None:
    serving = chain_copy / "serving"
    warehouse = chain_copy / "warehouse" / "warehouse.duckdb"
    good = publish()
    assert blocked_status() is None
    current_json = (serving / "current.json").read_bytes()

    # the fault: one sales line loaded twice, then the integrity audit as the pipeline runs it
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.fct_sales_lines select * from marts.fct_sales_lines limit 1")
        (duplicates,) = con.execute(
            "select count(*) - count(distinct sales_line_key) from marts.fct_sales_lines"
        ).fetchone()
    assert duplicates == 1
    _run_integrity_audit(chain_copy)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        findings = con.execute(
            "select rule, severity, message from audits.audit_warehouse_integrity"
        ).fetchall()
    expected_message = f"Warehouse: fct_sales_lines has {duplicates} rows with a duplicate key."
    assert findings == [("duplicate_key", "error", expected_message)]

    with pytest.raises(PublishBlocked) as blocked:
        publish()
    assert blocked.value.problems == [
        f"warehouse integrity audit, 1 blocking duplicate_key: {expected_message}"
    ]
    # the last good snapshot stays current, the refused one is gone
    assert (serving / "current.json").read_bytes() == current_json
    assert list_versions() == [good.version]
    first = blocked_status()
    assert first is not None
    assert first.problems == blocked.value.problems
    assert first.attempts == 1
    assert first.serving_version == good.version
    assert first.blocked_since == first.last_blocked_at > good.published_at

    # a second blocked attempt keeps "since when" and counts the attempt
    with pytest.raises(PublishBlocked):
        publish()
    second = blocked_status()
    assert second is not None
    assert (second.blocked_since, second.attempts) == (first.blocked_since, 2)
    assert second.last_blocked_at > first.last_blocked_at

    since = f"{first.blocked_since:%Y-%m-%d %H:%M} UTC"
    for page in ("app_pages/audits.py", "app_pages/data_health.py"):
        at = _page(page)
        errors = [e.value for e in at.error]
        assert len(errors) == 1, (page, errors)
        assert f"Publishing is blocked since {since}" in errors[0]
        assert "2 attempts" in errors[0]
        assert f"last good snapshot `{good.version}`" in errors[0]
        assert expected_message in errors[0]

    # the healthy warehouse publishes again: the status is cleared and the pages say so
    shutil.copy2(ci_chain.warehouse, warehouse)
    fixed = publish()
    assert blocked_status() is None
    assert current_snapshot() == fixed
    at = _page("app_pages/data_health.py")
    assert not at.error
    assert f"snapshot `{fixed.version}`" in at.success[0].value

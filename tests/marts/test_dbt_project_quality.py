"""The dbt project's own quality rules, on the shared `ci` chain's warehouse: every mart and audit
column documented, a contract on every model a dashboard reads, and `dbt docs generate` works."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.dbt.project import dbt_project
from dagster_project.lib.dbt_cli import dbt_environment, dbt_executable
from retailwh import settings

pytestmark = pytest.mark.e2e

DOCUMENTED_LAYERS = ("marts", "audits")


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))


def _models(manifest: dict, layers: tuple[str, ...]) -> dict[str, dict]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["fqn"][1] in layers
    }


def test_every_mart_and_audit_column_has_a_description(ci_chain, manifest) -> None:
    undocumented: dict[str, list[str]] = {}
    with duckdb.connect(str(ci_chain.warehouse), read_only=True) as con:
        for node in _models(manifest, DOCUMENTED_LAYERS).values():
            built = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [node["schema"], node["alias"] or node["name"]],
                ).fetchall()
            ]
            assert built, f"{node['name']} is not built in the ci warehouse"
            described = {
                name.lower() for name, col in node["columns"].items() if col.get("description")
            }
            missing = [column for column in built if column.lower() not in described]
            if missing:
                undocumented[node["name"]] = missing
    assert undocumented == {}


def test_every_model_a_dashboard_reads_has_an_enforced_contract(manifest) -> None:
    exposed = {
        uid
        for exposure in manifest["exposures"].values()
        for uid in exposure["depends_on"]["nodes"]
        if uid.startswith("model.")
    }
    assert len(exposed) >= 5
    without = sorted(
        manifest["nodes"][uid]["name"]
        for uid in exposed
        if not manifest["nodes"][uid]["config"].get("contract", {}).get("enforced")
    )
    assert without == []


def test_dbt_docs_generate_works(ci_chain, tmp_path: Path) -> None:
    """On a copy of the warehouse: the catalog lists every built mart."""
    data_dir = tmp_path / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    shutil.copy2(ci_chain.warehouse, data_dir / "warehouse" / "warehouse.duckdb")
    os.symlink(ci_chain.landing_dir, data_dir / "landing")
    target = tmp_path / "target"
    env = {**os.environ, **dbt_environment(), "RETAILWH_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [
            str(dbt_executable()),
            "docs",
            "generate",
            "--profiles-dir",
            str(settings.DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    assert "model.retailwh.fct_sales_lines" in catalog["nodes"]
    assert catalog["nodes"]["model.retailwh.fct_sales_lines"]["columns"]

"""A second `ci` chain with a random seed (printed), for the audit scores on a seed nobody tuned on.

Simulated, loaded and built once per session without Dagster (simulate, ingest, ``dbt build`` with
the warehouse settings as vars: the same steps the pipeline runs). Set ``RETAILWH_AUDIT_SEED`` to
rebuild a seed that failed.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class SeededChain:
    seed: int
    data_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse" / "warehouse.duckdb"

    @property
    def faults_file(self) -> Path:
        return self.data_dir / "sources" / "ground_truth" / "faults.jsonl"


@pytest.fixture(scope="session")
def ci_random_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededChain]:
    from dagster_project.lib.dbt_cli import dbt_build_args, dbt_environment, dbt_executable
    from ingest.run import load_all
    from retailwh import settings
    from simulator.crm.server import make_server
    from simulator.generate import simulate

    seed = int(os.environ.get("RETAILWH_AUDIT_SEED") or secrets.randbelow(1_000_000))
    print(f"\nci chain for the audit scores: seed {seed} (RETAILWH_AUDIT_SEED={seed} repeats it)")
    root = tmp_path_factory.mktemp(f"ci-seed-{seed}")
    data_dir = root / "data"
    simulate("ci", seed, data_dir / "sources")
    server = make_server(data_dir / "sources" / "crm" / "crm.sqlite", port=0, token="demo-token")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("RETAILWH_DATA_DIR", str(data_dir))
            env.delenv("RETAILWH_SOURCES_CONFIG", raising=False)
            env.setenv("RETAILWH_CRM_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
            env.setenv("RETAILWH_CRM_TOKEN", "demo-token")
            failed = [r for r in load_all() if r.error]
            assert not failed, f"seed {seed}: ingest failed: {failed}"
            settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
            build = subprocess.run(
                [
                    str(dbt_executable()),
                    *dbt_build_args(settings.warehouse_settings()),
                    "--profiles-dir",
                    str(settings.DBT_PROJECT_DIR),
                    "--target-path",
                    str(root / "dbt_target"),
                    "--log-path",
                    str(root / "dbt_logs"),
                ],
                cwd=settings.DBT_PROJECT_DIR,
                env={**os.environ, **dbt_environment()},
                capture_output=True,
                text=True,
                check=False,
            )
            assert build.returncode == 0, f"seed {seed}: dbt build failed:\n{build.stdout[-4000:]}"
    finally:
        server.shutdown()
    yield SeededChain(seed=seed, data_dir=data_dir)

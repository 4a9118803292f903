"""The shared `ci` chain: simulated, loaded, built and published once per test session.

Tests that only read the chain take the ``ci_chain`` fixture; nothing else rebuilds it.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CI_PRESET = "ci"
CI_SEED = 42


@dataclass(frozen=True)
class CiChain:
    data_dir: Path
    crm_url: str

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse" / "warehouse.duckdb"

    @property
    def serving_file(self) -> Path:
        current = json.loads((self.data_dir / "serving" / "current.json").read_text())
        return Path(current["path"])

    def faults(self) -> list[dict]:
        lines = (self.sources_dir / "ground_truth" / "faults.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Streamlit's AppTest runs a page as ``__main__`` and leaves it in ``sys.modules``; a process
    started with ``spawn`` afterwards (the simulator's store writers) would run the dashboard
    script on start-up and die. Every test gets the session's ``__main__`` back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


def materialize_everything():
    """Run every asset of the one Definitions in process, as the daily schedule would."""
    import dagster as dg

    from dagster_project.definitions import defs
    from dagster_project.defs.partitions import nightly_partition_key

    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=True,
        partition_key=nightly_partition_key(),
    )


@pytest.fixture(scope="session")
def ci_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `ci` chain's source systems, simulated once; tests that change them work on a copy."""
    from simulator.generate import simulate

    sources = tmp_path_factory.mktemp("ci-chain") / "data" / "sources"
    simulate(CI_PRESET, CI_SEED, sources)
    return sources


@pytest.fixture(scope="session")
def ci_chain(ci_sources: Path) -> Iterator[CiChain]:
    """The `ci` chain loaded, built and published through Dagster (sources are only read)."""
    from simulator.crm.server import make_server

    data_dir = ci_sources.parent
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RETAILWH_DATA_DIR", str(data_dir))
        env.delenv("RETAILWH_SOURCES_CONFIG", raising=False)
        server = make_server(
            data_dir / "sources" / "crm" / "crm.sqlite", port=0, token="demo-token"
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        crm_url = f"http://127.0.0.1:{server.server_address[1]}"
        env.setenv("RETAILWH_CRM_BASE_URL", crm_url)
        env.setenv("RETAILWH_CRM_TOKEN", "demo-token")
        materialize_everything()
        try:
            yield CiChain(data_dir=data_dir, crm_url=crm_url)
        finally:
            server.shutdown()


@pytest.fixture(scope="session")
def rerun_pipeline(ci_chain: CiChain):
    """Run the whole pipeline once more over the shared chain (same sources)."""
    return materialize_everything


DATABASE_SERVICES = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}


@pytest.fixture(params=sorted(DATABASE_SERVICES))
def server_schema(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(url, schema): a private PostgreSQL schema or MariaDB database on this machine's services,
    dropped afterwards so runs never collide."""
    import secrets

    import sqlalchemy as sa

    url = DATABASE_SERVICES[request.param]
    schema = f"retailwh_test_{secrets.token_hex(4)}"
    noun = "schema" if request.param == "postgresql" else "database"
    cascade = " cascade" if request.param == "postgresql" else ""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"create {noun} {schema}")
    try:
        yield url, schema
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"drop {noun} if exists {schema}{cascade}")
        admin.dispose()

"""One process writes the warehouse at a time: the steps that open it share the pool `warehouse`,
limited to 1 by config/dagster.yaml; loads never take a slot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from dagster_project.lib.instance import WAREHOUSE_POOL, prepare_dagster_home
from retailwh import settings

# A run whose one step holds the warehouse pool while it writes a DuckDB file for a second.
WRITER_RUN = """
import json, sys, time
import dagster as dg
import duckdb

@dg.asset(pool="warehouse")
def writer() -> None:
    started = time.time()
    con = duckdb.connect(sys.argv[1])
    con.execute("create table if not exists t (i int)")
    con.execute("insert into t values (1)")
    time.sleep(1.0)
    con.close()
    print("SPAN " + json.dumps([started, time.time()]), flush=True)

result = dg.materialize([writer], instance=dg.DagsterInstance.get(), raise_on_error=False)
print("RESULT=" + ("SUCCESS" if result.success else "FAILED"), flush=True)
"""


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from dagster_project.definitions import defs

    return defs


def test_every_step_that_opens_the_warehouse_holds_the_pool(defs: dg.Definitions) -> None:
    pools = {a.node_def.name: a.node_def.pool for a in defs.assets}
    for name in ("dbt_models", "dbt_daily_facts", "demand_forecast", "serving__snapshot"):
        assert pools[name] == WAREHOUSE_POOL
    assert all(pool is None for name, pool in pools.items() if name.startswith("landing_"))


@pytest.mark.parametrize("job_name", ["store_sync", "crm_sync", "file_ingest"])
def test_frequent_loads_never_wait_for_the_warehouse(defs: dg.Definitions, job_name: str) -> None:
    job = defs.resolve_job_def(job_name)
    assert [node.definition.pool for node in job.graph.node_dict.values()] == [None] * len(
        job.graph.node_dict
    )


def test_the_instance_config_limits_the_pool_to_one() -> None:
    config = yaml.safe_load(settings.dagster_instance_config_path().read_text())
    with dg.instance_for_test(overrides=config) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def _parallel_writers(tmp_path: Path, dagster_yaml: Path | None, runs: int = 3) -> list[str]:
    home = tmp_path / "dagster_home"
    if dagster_yaml is not None:
        assert prepare_dagster_home(home, dagster_yaml) == 1
    else:
        home.mkdir()
        # create the instance's storage before the runs race to do it
        dg.DagsterInstance.from_config(str(home)).dispose()
    script = tmp_path / "writer_run.py"
    script.write_text(WRITER_RUN)
    env = {"DAGSTER_HOME": str(home), "PATH": str(Path(sys.executable).parent)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "warehouse.duckdb")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(runs)
    ]
    return [proc.communicate(timeout=180)[0] for proc in procs]


def test_parallel_runs_wait_for_the_warehouse_instead_of_failing(tmp_path: Path) -> None:
    outputs = _parallel_writers(tmp_path, settings.dagster_instance_config_path())
    # a substring, not a line: Dagster's log lines share the pipe
    failed = [out[-4000:] for out in outputs if "RESULT=SUCCESS" not in out]
    assert failed == []
    assert not any("Could not set lock" in out for out in outputs)
    spans = sorted(
        json.loads(line.split(" ", 1)[1])
        for out in outputs
        for line in out.splitlines()
        if line.startswith("SPAN ")
    )
    assert len(spans) == 3
    # one writer at a time: each starts after the previous one closed the file
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


def test_without_the_pool_limit_parallel_writers_hit_the_lock(tmp_path: Path) -> None:
    """The control: the same runs on an instance without the limit collide on DuckDB's lock."""
    outputs = _parallel_writers(tmp_path, None)
    assert any("Could not set lock" in out for out in outputs), outputs

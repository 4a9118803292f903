"""``make demo``: simulate a chain, materialize every asset through Dagster, then serve both UIs.

The CRM API runs in this process for as long as the demo does, so Dagster's scheduled CRM loads
keep working while the UIs are up. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from retailwh import settings

STREAMLIT_PORT = int(os.environ.get("RETAILWH_STREAMLIT_PORT", "8501"))
DAGSTER_PORT = int(os.environ.get("RETAILWH_DAGSTER_PORT", "3000"))


def _bin(name: str) -> str:
    """An executable of this virtual environment (dbt, dagster, streamlit)."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def _wait_http(url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def _start_crm(sources: Path) -> threading.Thread:
    from simulator.crm.server import make_server

    port = int(os.environ.get("RETAILWH_CRM_PORT", "8765"))
    server = make_server(
        sources / "crm" / "crm.sqlite",
        port=port,
        token=os.environ.get("RETAILWH_CRM_TOKEN", "demo-token"),
    )
    thread = threading.Thread(target=server.serve_forever, name="crm-api", daemon=True)
    thread.start()
    print(f"CRM API listening on http://127.0.0.1:{port}", flush=True)
    return thread


def _nightly_partition_key() -> str:
    from dagster_project.defs.partitions import nightly_partition_key

    return nightly_partition_key()


def run_demo(preset: str = "demo", seed: int = 42, serve: bool = True) -> int:
    from simulator.generate import simulate

    data = settings.data_dir()
    sources = data / "sources"
    env = {
        **os.environ,
        "RETAILWH_DATA_DIR": str(data),
        "DAGSTER_HOME": str(data / "dagster_home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # the instance's concurrency pool keeps runs from writing the warehouse at the same time
    from dagster_project.lib.instance import prepare_dagster_home

    prepare_dagster_home(Path(env["DAGSTER_HOME"]), settings.dagster_instance_config_path())

    started = time.monotonic()
    print(f"Simulating the '{preset}' chain (seed {seed}) into {sources} ...", flush=True)
    simulate(preset, seed, sources)
    _start_crm(sources)

    print("Materializing every asset through Dagster ...", flush=True)
    materialize = subprocess.run(
        [
            # what the nightly schedule runs: the partitioned facts need a day (the last one)
            _bin("dagster"),
            "asset",
            "materialize",
            "--select",
            "*",
            "--partition",
            _nightly_partition_key(),
            "-m",
            "dagster_project.definitions",
        ],
        env=env,
        cwd=settings.PROJECT_ROOT,
        check=False,
    )
    if materialize.returncode != 0:
        print("The first build failed; see the Dagster output above.", file=sys.stderr)
        return materialize.returncode
    print(f"Built and published in {time.monotonic() - started:.0f} s.", flush=True)
    if not serve:
        return 0

    processes = [
        subprocess.Popen(
            [
                _bin("dagster"),
                "dev",
                "-m",
                "dagster_project.definitions",
                "-h",
                "0.0.0.0",
                "-p",
                str(DAGSTER_PORT),
            ],
            env=env,
            cwd=settings.PROJECT_ROOT,
        ),
        subprocess.Popen(
            [
                _bin("streamlit"),
                "run",
                "dashboards/streamlit_app.py",
                "--server.port",
                str(STREAMLIT_PORT),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            env=env,
            cwd=settings.PROJECT_ROOT,
        ),
    ]
    try:
        _wait_http(f"http://127.0.0.1:{STREAMLIT_PORT}/_stcore/health", 60)
        _wait_http(f"http://127.0.0.1:{DAGSTER_PORT}/server_info", 120)
        print(
            f"\nServing (ready {time.monotonic() - started:.0f} s after start):\n"
            f"  dashboards  http://localhost:{STREAMLIT_PORT}\n"
            f"  Dagster UI  http://localhost:{DAGSTER_PORT}\n"
            "Ctrl-C stops both.",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0

"""One simulated ``ci`` chain per test session for the simulator tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.generate import simulate

SEED = 42


@pytest.fixture(scope="session")
def ci_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ci_sources")
    simulate("ci", SEED, out)
    return out


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``demo`` chain (about a minute to simulate): only with ``RETAILWH_TEST_DEMO=1``."""
    if os.environ.get("RETAILWH_TEST_DEMO") != "1":
        pytest.skip("demo chain tests are opt-in: RETAILWH_TEST_DEMO=1")
    out = tmp_path_factory.mktemp("demo_sources")
    simulate("demo", SEED, out)
    return out

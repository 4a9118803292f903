"""One simulated ``ci`` chain per test session for the simulator tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.generate import simulate

SEED = 42


@pytest.fixture(scope="session")
def ci_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ci_sources")
    simulate("ci", SEED, out)
    return out

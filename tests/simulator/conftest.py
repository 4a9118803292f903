"""The simulator tests read the shared ``ci_sources`` (tests/conftest.py) and a demo chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.generate import simulate


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``demo`` chain (about 40 s to simulate), for the realism figures at demo size."""
    out = tmp_path_factory.mktemp("demo_sources")
    simulate("demo", 42, out)
    return out

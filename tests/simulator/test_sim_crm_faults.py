"""The CRM API misbehaves as configured: hangs past a client timeout, slow answers, 429 with
Retry-After, random 500s. Small timeouts keep these fast."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from simulator.crm.server import FaultConfig, make_server

TOKEN = "t"
PATH = "/crm/v3/objects/contacts"


@pytest.fixture
def serve(ci_sources: Path) -> Iterator[Callable[[FaultConfig], httpx.Client]]:
    started = []

    def start(faults: FaultConfig, timeout: float = 5.0) -> httpx.Client:
        server = make_server(ci_sources / "crm" / "crm.sqlite", port=0, token=TOKEN, faults=faults)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        host, port = server.server_address[:2]
        client = httpx.Client(
            base_url=f"http://{host}:{port}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=timeout,
        )
        started.append((server, client))
        return client

    yield start
    for server, client in started:
        client.close()
        server.shutdown()
        server.server_close()


def test_hang_outlasts_the_client_timeout(serve) -> None:
    client = serve(FaultConfig(timeout_rate=1.0, hang_s=0.6), timeout=0.15)
    t0 = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        client.get(PATH)
    assert time.perf_counter() - t0 < 0.5
    # a patient client gets the gateway's answer once the hang is over
    patient = httpx.Client(base_url=client.base_url, headers=client.headers, timeout=2.0)
    with patient:
        assert patient.get(PATH).status_code == 504


def test_some_requests_hang_the_others_answer(serve) -> None:
    client = serve(FaultConfig(timeout_rate=0.3, hang_s=0.4, seed=3), timeout=0.15)
    outcomes = []
    for _ in range(12):
        try:
            outcomes.append(client.get(PATH, params={"limit": 1}).status_code)
        except httpx.ReadTimeout:
            outcomes.append("timeout")
    assert "timeout" in outcomes and 200 in outcomes


def test_latency_and_slow_answers(serve) -> None:
    client = serve(FaultConfig(latency_s=0.05, slow_rate=0.5, slow_s=0.2, seed=1))
    times = []
    for _ in range(8):
        t0 = time.perf_counter()
        assert client.get(PATH, params={"limit": 1}).status_code == 200
        times.append(time.perf_counter() - t0)
    assert min(times) >= 0.05
    assert any(t >= 0.25 for t in times) and any(t < 0.2 for t in times)


def test_rate_limit_answers_429_with_retry_after(serve) -> None:
    client = serve(FaultConfig(rate_limit_per_s=3, retry_after_s=2))
    answers = [client.get(PATH, params={"limit": 1}) for _ in range(5)]
    codes = [a.status_code for a in answers]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert answers[3].headers["Retry-After"] == "2"
    time.sleep(1.05)  # the window has passed
    assert client.get(PATH, params={"limit": 1}).status_code == 200


def test_random_throttling_and_500s_are_seeded(serve) -> None:
    faults = FaultConfig(error_rate=0.3, throttle_rate=0.2, seed=7)

    def codes() -> list[int]:
        client = serve(faults)
        return [client.get(PATH, params={"limit": 1}).status_code for _ in range(30)]

    first = codes()
    assert {200, 429, 500} <= set(first)
    assert codes() == first  # same seed, same sequence
    answer = serve(FaultConfig(error_rate=1.0)).get(PATH)
    assert answer.status_code == 500 and answer.json()["status"] == "error"


def test_wrong_token_is_401_before_any_fault(serve) -> None:
    client = serve(FaultConfig(timeout_rate=1.0, hang_s=5.0, error_rate=1.0))
    answer = httpx.get(str(client.base_url) + PATH, timeout=1.0)
    assert answer.status_code == 401

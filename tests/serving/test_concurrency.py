"""128 clients at once against a real server on the demo district: a JSON list, an HTML page and
the public portal all answer 2xx within a bound — none hangs, none times out. (Before this wave
the server stopped answering at 8 concurrent requests on SQLite and 32 on PostgreSQL.)"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from procure.app import create_app
from tests.serving.conftest import auth_for, served_live

CLIENTS = 128
ROUNDS = 3           # requests per client
BOUND_SECONDS = 30   # every answer within this, on a 2-core machine running the suite


@pytest.fixture()
def server(demo):  # type: ignore[no-untyped-def]
    with served_live(create_app(demo.settings())) as url:
        yield url


def test_128_clients_at_once_all_answered(server, demo):  # type: ignore[no-untyped-def]
    from procure.kernel.clock import system_clock

    officer, officer_cookies = auth_for(demo.database, "officer", system_clock())
    targets = [
        ("/api/v1/tenders", {}, {}),                 # JSON list, public
        ("/api/v1/sites", officer, {}),              # JSON list as an officer
        ("/tenders", {}, officer_cookies),           # HTML page as an officer
        ("/public", {}, {}),                         # the public portal
    ]
    start = threading.Barrier(CLIENTS)

    def client(n: int) -> list[tuple[str, int, float]]:
        path, headers, cookies = targets[n % len(targets)]
        results = []
        with httpx.Client(base_url=server, timeout=BOUND_SECONDS, cookies=cookies) as http:
            start.wait()
            for _ in range(ROUNDS):
                began = time.monotonic()
                try:
                    status = http.get(path, headers=headers).status_code
                except httpx.TimeoutException:
                    status = 0
                results.append((path, status, time.monotonic() - began))
        return results

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = [r for rs in pool.map(client, range(CLIENTS)) for r in rs]
    assert len(answers) == CLIENTS * ROUNDS
    bad = [a for a in answers if not 200 <= a[1] < 300]
    assert not bad, f"{len(bad)} answers not 2xx, e.g. {bad[:5]}"
    slowest = max(a[2] for a in answers)
    assert slowest < BOUND_SECONDS, slowest

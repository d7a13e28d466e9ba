"""A saturated server says so within a bound: past the admitted requests, the rest wait their
turn for ``queue_seconds`` and then get 503 with Retry-After — never a hang."""

from __future__ import annotations

import asyncio
import json
import time

from concurrent.futures import ThreadPoolExecutor

from procure.kernel.web import RETRY_AFTER_SECONDS, AdmissionGate


def run(make_coroutine):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: the browser tests keep a loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _scope(path: str = "/api/v1/tenders") -> dict:
    return {"type": "http", "path": path, "method": "GET", "headers": [], "query_string": b""}


async def _slow_app(scope, receive, send):  # type: ignore[no-untyped-def]
    await asyncio.sleep(0.5)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _call(gate: AdmissionGate, path: str = "/api/v1/tenders") -> tuple[int, dict[bytes, bytes], bytes, float]:
    sent: list[dict] = []

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b""}

    began = time.monotonic()
    await gate.handle(_scope(path), receive, send, _slow_app)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body, time.monotonic() - began


def test_past_the_limit_requests_wait_then_get_503_with_retry_after():
    gate = AdmissionGate(limit=2, wait=0.2)

    async def burst():  # type: ignore[no-untyped-def]
        return await asyncio.gather(*(_call(gate) for _ in range(5)))

    results = run(burst)
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 200, 503, 503, 503]
    for status, headers, body, took in results:
        if status == 503:
            assert headers[b"retry-after"] == str(RETRY_AFTER_SECONDS).encode()
            assert json.loads(body)["status_code"] == 503
            assert took < 0.45  # answered after the wait, not after the slow requests finished


def test_a_waiting_request_gets_in_when_a_slot_frees():
    gate = AdmissionGate(limit=1, wait=2.0)

    async def two():  # type: ignore[no-untyped-def]
        return await asyncio.gather(_call(gate), _call(gate))

    assert [r[0] for r in run(two)] == [200, 200]


def test_static_files_skip_the_gate():
    gate = AdmissionGate(limit=1, wait=0.05)

    async def burst():  # type: ignore[no-untyped-def]
        return await asyncio.gather(*(_call(gate, "/static/app.css") for _ in range(3)))

    assert [r[0] for r in run(burst)] == [200, 200, 200]


def test_a_bid_is_stamped_when_its_last_byte_arrives_not_when_its_turn_comes():
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from procure.kernel.clock import FrozenClock
    from procure.bidding.routes import TIMED_BID_PATHS
    from procure.kernel.web import RECEIVED_AT, ReceiveThenQueue

    clock = FrozenClock(datetime(2026, 12, 20, 9, 29, 59, tzinfo=timezone.utc))
    app_state = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(clock=clock)))
    chunks = [b"a" * 300_000, b"b" * 900_000, b"c" * 5]
    seen: dict = {}

    async def receive():  # type: ignore[no-untyped-def]
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def queued_app(scope, receive, send):  # type: ignore[no-untyped-def]
        clock.advance(seconds=5)  # waits its turn past the deadline
        body = b""
        while True:
            message = await receive()
            body += message["body"]
            if not message["more_body"]:
                break
        seen.update(stamp=scope[RECEIVED_AT], body=body, handled=clock())
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message):  # type: ignore[no-untyped-def]
        pass

    scope = {"type": "http", "method": "POST", "path": "/api/v1/lots/7/bids", "headers": [], "litestar_app": app_state}
    run(lambda: ReceiveThenQueue(limit=2_000_000, paths=TIMED_BID_PATHS).handle(scope, receive, send, queued_app))
    assert seen["stamp"] == datetime(2026, 12, 20, 9, 29, 59, tzinfo=timezone.utc)
    assert seen["handled"] - seen["stamp"] == timedelta(seconds=5)
    assert seen["body"] == b"a" * 300_000 + b"b" * 900_000 + b"c" * 5

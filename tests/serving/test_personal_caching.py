"""A logged-in person's answers are reused only for the same credentials, within the same clock
second, while no commit has happened anywhere — in this process or in another one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event, select

from procure import PROJECT_ROOT
from procure.app import create_app
from procure.kernel.clock import FrozenClock, system_clock
from procure.sites.models import Site
from procure.tendering.models import Tender
from tests.serving.conftest import auth_for, served_live

SECOND = timedelta(seconds=1)


def settled(app: Litestar) -> None:
    """Wait until the test's own commits have been heard: on PostgreSQL a notice arrives on its own
    time, and one arriving mid-test would move the generation between two requests."""
    import time

    deadline, last, since = time.monotonic() + 3, app.state.changes.current(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < 0.1:
        time.sleep(0.01)
        if (now := app.state.changes.current()) != last:
            last, since = now, time.monotonic()


@contextmanager
def statements_of(app: Litestar) -> Iterator[list[str]]:
    """The SQL the app's engine runs inside the block."""
    statements: list[str] = []
    engine = app.state.database.engine

    def listener(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture()
def served(demo):  # type: ignore[no-untyped-def]
    clock = FrozenClock(system_clock())
    app = create_app(demo.settings(clock))
    with TestClient(app, base_url="http://testserver.local") as client:
        yield app, client, clock


def _first_site(demo) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with demo.database.reader() as s:
        site = s.scalar(select(Site).order_by(Site.id))
        assert site is not None
        return site.id, site.name


def test_the_same_request_is_answered_from_memory_until_the_next_second(served, demo):  # type: ignore[no-untyped-def]
    app, client, clock = served
    api, cookies = auth_for(demo.database, "officer", clock())
    settled(app)
    client.cookies.update(cookies)
    assert "procure_csrf=" in client.get("/tenders").headers["set-cookie"]  # kept by the client, as a browser does
    first, page = client.get("/api/v1/sites", headers=api), client.get("/tenders")
    assert first.status_code == 200 and page.status_code == 200 and "set-cookie" not in page.headers
    with statements_of(app) as statements:
        again = client.get("/api/v1/sites", headers=api)
        page_again = client.get("/tenders")
        assert not statements  # neither the login nor the list was looked up again
    assert again.content == first.content and page_again.text == client.get("/tenders").text
    clock.advance(seconds=1)
    with statements_of(app) as statements:
        assert client.get("/api/v1/sites", headers=api).content == first.content
        assert statements  # a new second: made again


def test_a_commit_in_this_process_is_seen_at_once(served, demo):  # type: ignore[no-untyped-def]
    app, client, clock = served
    api, _ = auth_for(demo.database, "officer", clock())
    site_id, old_name = _first_site(demo)
    assert old_name in client.get(f"/api/v1/sites/{site_id}", headers=api).text
    with app.state.database.session() as s:
        s.get(Site, site_id).name = "缓存测试：本进程改名"
        s.commit()
    try:
        assert "缓存测试：本进程改名" in client.get(f"/api/v1/sites/{site_id}", headers=api).text
    finally:
        with app.state.database.session() as s:
            s.get(Site, site_id).name = old_name
            s.commit()


RENAME = """
import sys
from procure.kernel.db import Database
from procure.sites.models import Site
database = Database(sys.argv[1])
with database.session() as s:
    s.get(Site, int(sys.argv[2])).name = sys.argv[3]
    s.commit()
database.dispose()
"""


def _rename_in_another_process(url: str, site_id: int, name: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    subprocess.run([sys.executable, "-c", RENAME, url, str(site_id), name], check=True, env=env, timeout=60)


def test_a_commit_in_another_process_is_seen_at_once(served, demo):  # type: ignore[no-untyped-def]
    """No sleep between the other process's commit and the request: the next answer shows it."""
    app, client, clock = served
    api, _ = auth_for(demo.database, "officer", clock())
    site_id, old_name = _first_site(demo)
    url = f"/api/v1/sites/{site_id}"
    settled(app)
    assert old_name in client.get(url, headers=api).text
    with statements_of(app) as statements:
        client.get(url, headers=api)
        assert not statements  # kept
    try:
        for round_ in range(3):  # the watcher keeps hearing: not only its first notice
            name = f"缓存测试：另一进程改名 {round_}"
            _rename_in_another_process(demo.url, site_id, name)
            assert name in client.get(url, headers=api).text
    finally:
        _rename_in_another_process(demo.url, site_id, old_name)


def test_one_person_never_gets_another_persons_answer(served, demo):  # type: ignore[no-untyped-def]
    app, client, clock = served
    officer, _ = auth_for(demo.database, "officer", clock())
    contractor, _ = auth_for(demo.database, "contractor", clock())
    mine = client.get("/api/v1/me/bids", headers=contractor)
    assert mine.status_code == 200
    assert client.get("/api/v1/me/bids", headers=officer).status_code == 403  # not the contractor's kept list
    sites_officer = client.get("/api/v1/sites?per_page=5", headers=officer).json()
    second_officer, _ = auth_for(demo.database, "officer", clock())
    with statements_of(app) as statements:
        assert client.get("/api/v1/sites?per_page=5", headers=second_officer).json() == sites_officer
        assert statements  # another login is another key: looked up and made for it


def test_a_logout_is_seen_at_once(served, demo):  # type: ignore[no-untyped-def]
    _, client, clock = served
    api, _ = auth_for(demo.database, "officer", clock())
    assert client.get("/api/v1/sites", headers=api).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=api).status_code == 200
    assert client.get("/api/v1/sites", headers=api).status_code == 401


def test_a_deadline_is_seen_at_its_second(served, demo):  # type: ignore[no-untyped-def]
    _, client, clock = served
    api, _ = auth_for(demo.database, "officer", clock())
    with demo.database.reader() as s:
        tender = s.scalar(select(Tender).where(Tender.state == "published", Tender.bid_deadline > clock())
                          .order_by(Tender.bid_deadline))
        assert tender is not None
        deadline = tender.bid_deadline.replace(microsecond=0) + SECOND
    url = f"/api/v1/tenders/{tender.id}"
    saved = clock.now
    try:
        with demo.database.session() as s:  # a whole-second deadline, as every form sets one
            s.get(Tender, tender.id).bid_deadline = deadline
            s.commit()
        clock.now = deadline - SECOND
        assert client.get(url, headers=api).json()["state"] == "published"
        assert client.get(url, headers=api).json()["state"] == "published"  # kept within the second
        clock.now = deadline
        assert client.get(url, headers=api).json()["state"] == "closed"
    finally:
        clock.now = saved
        with demo.database.session() as s:
            s.get(Tender, tender.id).bid_deadline = tender.bid_deadline
            s.commit()


def test_nothing_is_reused_while_changes_go_unwatched(served, demo):  # type: ignore[no-untyped-def]
    app, client, clock = served
    api, _ = auth_for(demo.database, "officer", clock())
    client.get("/api/v1/sites", headers=api)
    app.state.changes.watching = False  # the watcher lost its connection
    try:
        with statements_of(app) as statements:
            assert client.get("/api/v1/sites", headers=api).status_code == 200
            assert statements
    finally:
        app.state.changes.watching = True


def test_files_and_other_answers_pass_through_unkept(served, demo):  # type: ignore[no-untyped-def]
    app, client, clock = served
    _, cookies = auth_for(demo.database, "finance", clock())
    client.cookies.update(cookies)
    ledger = client.get("/payments/ledger.csv", params={"month": clock().strftime("%Y-%m")})
    assert ledger.status_code == 200 and ledger.headers["content-type"].startswith("text/csv")
    assert client.get("/contracts/999999").status_code == 404
    assert app.state.personal_cache.store.values() == []
    assert client.get("/payments").status_code == 200
    assert [start["status"] for start, _ in app.state.personal_cache.store.values()] == [200]


def test_a_revocation_made_outside_procure_is_seen_within_the_second(served, demo):  # type: ignore[no-untyped-def]
    """A login revoked by hand (no session of Procure's, so no notice on PostgreSQL) stops
    working at the next clock second at the latest."""
    from sqlalchemy import text

    from procure.accounts import tokens

    _, client, clock = served
    api, _ = auth_for(demo.database, "officer", clock())
    assert client.get("/api/v1/sites", headers=api).status_code == 200
    digest = tokens.digest(api["Authorization"].removeprefix("Bearer "))
    with demo.database.engine.begin() as connection:
        connection.execute(text("UPDATE login_session SET revoked_at = expires_at WHERE token_hash = :h"), {"h": digest})
    clock.advance(seconds=1)
    assert client.get("/api/v1/sites", headers=api).status_code == 401


def test_requests_in_flight_together_make_the_answer_once(demo):  # type: ignore[no-untyped-def]
    """At the turn of a second every request in flight for a busy list misses at once: they wait
    for the first one's answer instead of all running its queries. (Whatever the timing, a request
    that comes later in the same second is answered from memory, so the count is exact.)"""
    import threading

    import httpx

    clock = FrozenClock(system_clock())
    app = create_app(demo.settings(clock))
    api, _ = auth_for(demo.database, "officer", clock())

    def at_once(url: str, how_many: int) -> tuple[set[bytes], list[str]]:
        start, answers = threading.Barrier(how_many), []

        def one() -> None:
            with httpx.Client(base_url=url, timeout=30) as http:
                start.wait()
                answers.append(http.get("/api/v1/sites", headers=api))

        with statements_of(app) as statements:
            threads = [threading.Thread(target=one) for _ in range(how_many)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        assert len(answers) == how_many and all(a.status_code == 200 for a in answers)
        return {a.content for a in answers}, statements

    with served_live(app) as url:
        settled(app)
        alone, one_request = at_once(url, 1)
        clock.advance(seconds=1)
        together, twelve_requests = at_once(url, 12)
    assert together == alone
    assert one_request and len(twelve_requests) == len(one_request)

"""Public pages and OCDS are cacheable: ETag and Last-Modified, Cache-Control, 304 on revalidation."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from litestar.testing import TestClient

from procure.app import create_app
from procure.kernel.clock import FrozenClock, system_clock
from tests.serving.conftest import auth_for

PUBLIC = ["/public", "/public/contracts", "/public/scores", "/api/v1/public/ocds/releases", "/api/v1/tenders"]


@pytest.fixture()
def client(demo):  # type: ignore[no-untyped-def]
    with TestClient(create_app(demo.settings(FrozenClock(system_clock()))), base_url="http://testserver.local") as c:
        yield c


@pytest.mark.parametrize("path", PUBLIC)
def test_revalidation_answers_304(client, path):  # type: ignore[no-untyped-def]
    first = client.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "Cookie" in first.headers["vary"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    assert client.get(path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200


def test_a_change_moves_the_etag_and_last_modified(demo):  # type: ignore[no-untyped-def]
    clock = FrozenClock(system_clock())
    with TestClient(create_app(demo.settings(clock)), base_url="http://testserver.local") as client:
        before = client.get("/api/v1/tenders")
        # Forty days on, the open tender's deadline has passed: the derived state changes the list.
        clock.now = clock.now + timedelta(days=40)
        after = client.get("/api/v1/tenders", headers={"If-None-Match": before.headers["etag"],
                                                       "If-Modified-Since": before.headers["last-modified"]})
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(before.headers["last-modified"])


def test_answers_to_a_logged_in_person_stay_private(client, demo):  # type: ignore[no-untyped-def]
    headers, _ = auth_for(demo.database, "officer", system_clock())
    response = client.get("/api/v1/tenders", headers=headers)
    assert response.status_code == 200 and response.headers["cache-control"] == "private, no-cache"


def test_anonymous_answers_come_from_the_cache_until_a_write(demo):  # type: ignore[no-untyped-def]
    from sqlalchemy import event, select

    from procure.tendering.models import Tender

    clock = FrozenClock(system_clock())
    app = create_app(demo.settings(clock))
    statements: list[str] = []
    with TestClient(app, base_url="http://testserver.local") as client:
        engine = app.state.database.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            first = client.get("/api/v1/tenders")
            statements.clear()
            second = client.get("/api/v1/tenders")
            assert second.content == first.content and not statements  # served from memory
            with app.state.database.session() as s:  # a write in this process forgets the moment
                tender = s.scalar(select(Tender).where(Tender.state == "published").order_by(Tender.id))
                old_title, tender.title = tender.title, "缓存测试：标题已改"
                s.commit()
            try:
                third = client.get("/api/v1/tenders")
                assert statements and "缓存测试：标题已改" in third.text
            finally:
                with app.state.database.session() as s:
                    s.get(Tender, tender.id).title = old_title
                    s.commit()
        finally:
            event.remove(engine, "before_cursor_execute", listener)

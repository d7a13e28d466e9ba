"""Shared fixtures. Each test runs inside a transaction that is rolled back at its end.

The app under test is bound to that same connection, so services really commit (to a
savepoint) and API tests see what they wrote, yet nothing outlives the test.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from procure.app import create_app
from procure.kernel.clock import BUREAU_TZ, FrozenClock
from procure.kernel.db import Database, make_engine
from procure.kernel.settings import Settings
from tests import factories
from tests.dbutil import scratch_database

# Keys made on first use (kernel.settings.default_keys_dir) go to a folder of this run, never to
# the developer's ~/.config/procure.
os.environ.setdefault("PROCURE_KEYS_DIR", tempfile.mkdtemp(prefix="procure-test-keys-"))

#: The test world's "now": 2026-11-26 10:00 in Shanghai.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BUREAU_TZ)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with scratch_database(tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture()
def database(connection: Connection) -> Database:
    return Database(bind=connection)


@pytest.fixture()
def session(database: Database) -> Iterator[Session]:
    with database.session() as s:
        factories.bind(s)
        yield s


@pytest.fixture()
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture()
def settings(tmp_path: Path, clock: FrozenClock, engine: Engine) -> Settings:
    return Settings(database_url=engine.url.render_as_string(hide_password=False), storage_dir=tmp_path / "storage",
                    secret_key="test-secret-key", bid_index_key="test-bid-index-key-0123456789abcdef", clock=clock)


@pytest.fixture()
def app(settings: Settings, database: Database, session: Session) -> Litestar:
    return create_app(settings, database)


@pytest.fixture()
def client(app: Litestar) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver.local") as c:
        yield c


def api_login(client: TestClient, username: str, password: str = factories.PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``. The GET sets the ``procure_csrf`` cookie (once per
    client: the token stays the same until the cookies are cleared), which the token must match."""
    match = CSRF_FIELD.search(client.get(path).text)
    assert match, f"{path} carries a form with a CSRF token"
    return match.group(1)


@pytest.fixture()
def page_login() -> Callable[..., TestClient]:
    """``page_login(client, username, password=PASSWORD)`` → the client, logged in on the pages.

    Whoever was logged in before is logged out (the cookies are cleared), the login form is read
    for its CSRF cookie and token, the password posted with the token, and the session cookie
    checked. A later form needs the same token: ``csrf_token(page_login(client, name))``."""

    def login(client: TestClient, username: str, password: str = factories.PASSWORD) -> TestClient:
        client.cookies.clear()
        response = client.post("/login", data={"username": username, "password": password, "next": "/",
                                               "_csrf_token": csrf_token(client)}, follow_redirects=False)
        assert response.status_code in (302, 303) and client.cookies.get("procure_session"), \
            f"{username} could not log in: {response.status_code} {response.text[:300]}"
        return client

    return login


@pytest.fixture()
def as_role(client: TestClient, session: Session):  # type: ignore[no-untyped-def]
    """``as_role("officer")`` → API headers of a fresh user with that role."""

    def login(role: str, **kwargs: object) -> dict[str, str]:
        user = factories.UserFactory(role=role, **kwargs)
        session.commit()
        return api_login(client, user.username)

    return login

"""Shared fixtures. Each test runs inside a transaction that is rolled back at its end.

The app under test is bound to that same connection, so services really commit (to a
savepoint) and API tests see what they wrote, yet nothing outlives the test.
"""

from __future__ import annotations

from collections.abc import Iterator
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
                    secret_key="test-secret-key", clock=clock)


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


@pytest.fixture()
def as_role(client: TestClient, session: Session):  # type: ignore[no-untyped-def]
    """``as_role("officer")`` → API headers of a fresh user with that role."""

    def login(role: str, **kwargs: object) -> dict[str, str]:
        user = factories.UserFactory(role=role, **kwargs)
        session.commit()
        return api_login(client, user.username)

    return login

"""A demo district in a real database of its own (not the rolled-back test connection), shared
by the serving tests: they watch every statement the engine runs, or serve it over real sockets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from litestar.routes import HTTPRoute
from sqlalchemy import select

from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.kernel.clock import FrozenClock, system_clock
from procure.kernel.db import Database
from procure.demo import load_demo
from procure.kernel.settings import Settings
from tests.dbutil import scratch_database

SECRET = "serving-tests"


#: The demo district's blind-index key: the tests find the companies behind its sealed bids with it.
DEMO_INDEX_KEY = "demo-bid-index-key-0123456789abcdef"


@dataclass
class Demo:
    url: str
    storage: Path
    database: Database

    def settings(self, clock=system_clock, **overrides) -> Settings:  # type: ignore[no-untyped-def]
        return Settings(database_url=self.url, storage_dir=self.storage, secret_key=SECRET, clock=clock,
                        bid_index_key=DEMO_INDEX_KEY, **overrides)


@contextmanager
def demo_district(tmp: Path) -> Iterator[Demo]:
    """The demo district loaded into a scratch database of its own, dropped afterwards."""
    with scratch_database(tmp) as url:
        database = Database(url)
        world = Demo(url, tmp / "storage", database)
        with database.session() as session:
            load_demo(session, world.settings())
        yield world
        database.dispose()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with demo_district(tmp_path_factory.mktemp("serving")) as world:
        yield world


@contextmanager
def served_live(app):  # type: ignore[no-untyped-def]
    """The app on a real socket (uvicorn in a thread), stopped afterwards; yields its base URL."""
    import threading
    import time

    import uvicorn

    from tests.browser.conftest import _free_port

    port = _free_port()
    live = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=2048))
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not live.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        live.should_exit = True
        thread.join(timeout=20)


def auth_for(database: Database, username: str | None, now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    """API headers and page cookies of a demo user (None: the public)."""
    if username is None:
        return {}, {}
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        clock = FrozenClock(now)
        api = accounts.issue_token(session, clock, user, "api", 3600 * 24 * 800)
        page = accounts.issue_token(session, clock, user, "session", 3600 * 24 * 800)
        session.commit()
    return {"Authorization": f"Bearer {api}"}, {"procure_session": page}


def get_route_templates(app) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted({route.path for route in app.routes if isinstance(route, HTTPRoute) and "GET" in route.methods
                   and not route.path.startswith(("/static", "/schema", "/lang"))})


def fill(template: str, ids: dict[str, list[str]]) -> list[str]:
    """Every way to fill a route's parameters from ``ids`` (one list of values per name)."""
    paths = [template]
    for name in re.findall(r"{(\w+)(?::\w+)?}", template):
        if name not in ids:
            return []
        paths = [re.sub(r"{" + name + r"(?::\w+)?}", str(value), p, count=1) for p in paths for value in ids[name]]
    return paths

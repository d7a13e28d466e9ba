"""A real Procure server on a scratch database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from procure.app import create_app
from procure.kernel.clock import system_clock
from procure.kernel.db import Database
from procure.demo import load_demo
from procure.kernel.settings import Settings
from tests.dbutil import scratch_database

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("PROCURE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Flags for a root sandbox with no network but loopback (see the env skill's machine page).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


#: The live server's database and settings, for tests that look behind the pages (sealed bids).
LIVE: dict[str, object] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live")
    with scratch_database(tmp) as url:
        settings = Settings(database_url=url, storage_dir=tmp / "storage", secret_key="browser-tests",
                            bid_index_key="browser-bid-index-key-0123456789abcdef", clock=system_clock)
        database = Database(url)
        with database.session() as session:
            load_demo(session, settings)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, database), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        LIVE.update(database=database, settings=settings)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)
        database.dispose()


#: Every confirmation a page asked (site.js's data-confirm, the bid form's question), newest last.
DIALOGS: list[str] = []


class _Confirming:
    """The browser, whose pages answer "OK" to each confirmation and note its question: the
    tests act as a person who reads the question and goes on."""

    def __init__(self, browser) -> None:  # type: ignore[no-untyped-def]
        self._browser = browser

    def new_context(self, **options):  # type: ignore[no-untyped-def]
        context = self._browser.new_context(**options)
        context.on("page", lambda page: page.on("dialog", _accept))
        return context

    def __getattr__(self, name: str) -> object:
        return getattr(self._browser, name)


def _accept(dialog) -> None:  # type: ignore[no-untyped-def]
    DIALOGS.append(dialog.message)
    dialog.accept()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (bin/setup does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield _Confirming(browser)
        browser.close()


@pytest.fixture()
def page(browser, request):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def log_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")

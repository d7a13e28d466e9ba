"""Answers reused while the data they were made from has not changed.

Two middlewares, one store:

- ``PublicCaching`` — public data (the portal, OCDS, public lists): HTTP caching (``ETag``,
  ``Last-Modified``, ``Cache-Control``, ``304``) and an in-process micro-cache of anonymous
  answers, what a reverse proxy would keep.
- ``PersonalCaching`` — a logged-in person's own GET answers (their lists and pages), reused only
  for the same credentials and headers, only within the clock second they were made in and only
  while no commit has happened anywhere (``kernel.changes``). Every GET is a pure function of the
  committed data, the clock and the request (reads never write, issue 10), so within one second
  and one data generation the answer made once is the answer. States the clock moves are derived
  to the second, so a deadline passing is seen at the second it passes.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Generic, TypeVar

import anyio
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from procure.kernel.changes import Changes
from procure.kernel.clock import Clock
from procure.kernel.web import CSRF_COOKIE, SESSION_COOKIE

PUBLIC_MAX_AGE = 60

Answer = tuple[HTTPResponseStartEvent, bytes]
V = TypeVar("V")


class Remembered(Generic[V]):
    """A bounded least-recently-used map from a key to a value and the validity it was made
    under; a value is given back only under the same validity. Bounded by the number of entries
    and by the sum of ``size(value)`` (the answers' bodies; logins count nothing)."""

    def __init__(self, *, entries: int, max_bytes: int = 0, size: Callable[[V], int] = lambda _: 0) -> None:
        self.entries, self.max_bytes, self.size = entries, max_bytes, size
        self._stored: OrderedDict[Hashable, tuple[Hashable, V]] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable, validity: Hashable) -> V | None:
        stored = self._stored.get(key)
        if stored is None or stored[0] != validity:
            return None
        self._stored.move_to_end(key)
        return stored[1]

    def values(self) -> list[V]:
        """What is held, oldest first (for tests and diagnostics)."""
        return [value for _, value in self._stored.values()]

    def put(self, key: Hashable, validity: Hashable, value: V) -> None:
        old = self._stored.pop(key, None)
        if old is not None:
            self._bytes -= self.size(old[1])
        self._stored[key] = (validity, value)
        self._bytes += self.size(value)
        while len(self._stored) > self.entries or (self.max_bytes and self._bytes > self.max_bytes):
            _, (_, dropped) = self._stored.popitem(last=False)
            self._bytes -= self.size(dropped)


class OneAtATime:
    """Requests that would make the same answer under the same validity wait for the first one
    instead of all making it: at the turn of each second (or after a commit) the requests already
    in flight for a busy list would otherwise all miss together and all run its queries."""

    WAIT = 5.0  # seconds a request waits for the first before it makes the answer itself

    def __init__(self) -> None:
        self._making: dict[Hashable, tuple[Hashable, anyio.Event]] = {}

    @asynccontextmanager
    async def turn(self, key: Hashable, validity: Hashable) -> AsyncIterator[bool]:
        """True: this request makes the answer. False: another one did (or gave up): look again,
        and make it only if it was not kept."""
        making = self._making.get(key)
        if making is not None and making[0] == validity:
            with anyio.move_on_after(self.WAIT):
                await making[1].wait()
            yield False
            return
        done = anyio.Event()
        self._making[key] = (validity, done)
        try:
            yield True
        finally:
            done.set()
            if self._making.get(key, (None, None))[1] is done:
                del self._making[key]


async def answer_of(next_app: ASGIApp, scope: Scope, receive: Receive) -> Answer:
    """Run the app and collect its answer instead of sending it (the bodies cached here are small
    pages and lists; files stream past the caches, which never see them)."""
    start: HTTPResponseStartEvent | None = None
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message.copy()
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await next_app(scope, receive, collect)
    assert start is not None  # ASGI: an app that returns has sent its start message
    return start, b"".join(chunks)


async def send_answer(send: Send, start: HTTPResponseStartEvent, body: bytes) -> None:
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _sets_cookie(start: HTTPResponseStartEvent) -> bool:
    return any(k.lower() == b"set-cookie" for k, _ in start.get("headers", []))


def _request_headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


# --- public data ------------------------------------------------------------------------------


class PublicCaching(ASGIMiddleware):
    """HTTP caching of public data (the portal, OCDS, public lists): ``ETag`` (a hash of the body),
    ``Last-Modified`` (when public data last changed), ``Cache-Control``, ``304 Not Modified`` —
    and a small in-process cache of anonymous answers, the micro-cache a reverse proxy would keep.

    ``version(scope)`` gives a token and when public data last changed: every state change writes an
    audit row and every clock-moved state has its moment (``publishing.last_public_change``), so
    an answer stored under the same moment is still the answer. The app asks at most once a
    second (``app.py``), so a change shows within a second. ``If-Modified-Since`` is answered
    before the handler runs (RFC 9110 §13.2.2: only without ``If-None-Match``). Answers to a
    logged-in person are neither stored nor shared (``private``): their pages show their name;
    nor is any answer that sets a cookie (a CSRF token must not be shared).
    """

    def __init__(self, version: Callable[[Scope], tuple[object, datetime]], prefixes: tuple[str, ...], *,
                 fresh: Callable[[], tuple[object, datetime] | None] = lambda: None, entries: int = 512) -> None:
        self.version = version  # (scope) -> (token, last change), run in a worker thread
        self.fresh = fresh  # () -> the same without the database, or None: run on the loop
        self.prefixes = prefixes  # the paths whose answers are public data
        self.store: Remembered[tuple[HTTPResponseStartEvent, bytes, str]] = Remembered(
            entries=entries, max_bytes=64 * 1024 * 1024, size=lambda answer: len(answer[1]))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(self.prefixes):
            await next_app(scope, receive, send)
            return
        headers = _request_headers(scope)
        personal = "authorization" in headers or SESSION_COOKIE in headers.get("cookie", "")
        known = self.fresh()
        version, last = known if known is not None else await anyio.to_thread.run_sync(self.version, scope)
        changed = last.replace(microsecond=0)
        last_modified = format_datetime(changed.astimezone(timezone.utc), usegmt=True)
        cache_control = "private, no-cache" if personal else f"public, max-age={PUBLIC_MAX_AGE}, must-revalidate"
        common = [(b"last-modified", last_modified.encode()), (b"cache-control", cache_control.encode()),
                  (b"vary", b"Cookie, Authorization, Accept-Language")]
        since = headers.get("if-modified-since")
        if since and "if-none-match" not in headers and _not_after(changed, since):
            await _not_modified(send, common)
            return
        key = (scope["method"], scope["path"], scope.get("query_string", b""),
               headers.get("cookie", ""), headers.get("accept-language", ""))
        stored = None if personal else self.store.get(key, version)
        if stored is not None:
            await self._answer(send, headers, common, stored[0], stored[1], stored[2])
            return
        start, body = await answer_of(next_app, scope, receive)
        if start.get("status") != 200:
            await send_answer(send, start, body)
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if b'name="_csrf_token"' not in body:
            # Litestar sets a fresh CSRF cookie on every page; a page with no form needs none,
            # and dropping it lets the answer be shared (forms set their own on their page).
            start["headers"] = [(k, v) for k, v in start.get("headers", [])
                                if not (k.lower() == b"set-cookie" and v.startswith(CSRF_COOKIE.encode() + b"="))]
        if not personal and not _sets_cookie(start):
            self.store.put(key, version, (start, body, etag))
        await self._answer(send, headers, common, start, body, etag)

    @staticmethod
    async def _answer(send: Send, request_headers: dict[str, str], common: list[tuple[bytes, bytes]],
                      start: HTTPResponseStartEvent, body: bytes, etag: str) -> None:
        tags = request_headers.get("if-none-match", "")
        if etag in [t.strip().removeprefix("W/") for t in tags.split(",")] or tags.strip() == "*":
            await _not_modified(send, common + [(b"etag", etag.encode())])
            return
        out = [(k, v) for k, v in start.get("headers", [])
               if k.lower() not in (b"cache-control", b"etag", b"last-modified", b"vary")]
        await send_answer(send, {**start, "headers": out + common + [(b"etag", etag.encode())]}, body)


def _not_after(changed: datetime, since: str) -> bool:
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return changed <= moment


async def _not_modified(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    await send_answer(send, {"type": "http.response.start", "status": 304, "headers": headers}, b"")


# --- a person's own answers -------------------------------------------------------------------

#: Only pages and JSON are kept: files (bid documents, photos, PDFs) stream past and have their own
#: cache (``documents.pdf``), and a page larger than this is rare enough not to be worth the memory.
PERSONAL_TYPES = (b"text/html", b"application/json")
PERSONAL_MAX_BODY = 512 * 1024

#: The request headers an answer may depend on: who (the credentials in ``authorization`` and
#: ``cookie``, which also carries the language and the CSRF token), in which language (the API's
#: ``accept-language``), in which form (``accept`` chooses JSON errors; ``host`` absolute links).
PERSONAL_KEY_HEADERS = (b"authorization", b"cookie", b"accept-language", b"accept", b"host")


class PersonalCaching(ASGIMiddleware):
    """Reuse a logged-in person's answer to the same GET within the same clock second while no
    commit has happened anywhere (module docstring).

    It sits inside ``IdentityMiddleware`` (only requests that carry a valid login are considered;
    the key holds the credentials themselves, so one person's answer can never reach another) and
    outside ``SecurityHeaders`` (a reused page keeps the CSP header that matches its script nonce).
    An answer that sets a cookie, is not a 200, or is not a page or JSON is never kept. When the
    change watcher is not listening, nothing is reused.
    """

    def __init__(self, changes: Changes, clock: Clock, *, entries: int = 2048, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.changes, self.clock = changes, clock
        self.store: Remembered[Answer] = Remembered(entries=entries, max_bytes=max_bytes,
                                                    size=lambda answer: len(answer[1]))
        self.flights = OneAtATime()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in ("GET", "HEAD") or scope.get("user") is None:
            await next_app(scope, receive, send)
            return
        # Taken before the handler reads: a commit while it runs moves the generation, so its
        # answer — made from either side of that commit — is never reused.
        generation = self.changes.current()
        if generation is None:  # a change could go unseen: reuse nothing
            await next_app(scope, receive, send)
            return
        validity = (generation, int(self.clock().timestamp()))
        wanted = dict.fromkeys(PERSONAL_KEY_HEADERS, b"")
        for k, v in scope["headers"]:
            if k in wanted:
                wanted[k] = v
        key = (scope["method"], scope["path"], scope.get("query_string", b""), *wanted.values())
        stored = self.store.get(key, validity)
        if stored is not None:
            await send_answer(send, stored[0], stored[1])
            return
        async with self.flights.turn(key, validity) as first:
            if not first and (stored := self.store.get(key, validity)) is not None:
                await send_answer(send, stored[0], stored[1])
                return
            await self._make(key, validity, scope, receive, send, next_app)

    async def _make(self, key: Hashable, validity: Hashable, scope: Scope, receive: Receive, send: Send,
                    next_app: ASGIApp) -> None:
        kept: list[bytes] | None = None  # the body's chunks, while the answer may still be kept
        kept_bytes = 0
        start: HTTPResponseStartEvent | None = None

        async def pass_and_keep(message: Message) -> None:
            # The answer goes out as it comes (a download streams as before); a copy is kept
            # only of a page or JSON answer that may be reused.
            nonlocal kept, kept_bytes, start
            if message["type"] == "http.response.start":
                start = message.copy()
                content_type = next((v for k, v in start.get("headers", []) if k.lower() == b"content-type"), b"")
                if start.get("status") == 200 and not _sets_cookie(start) and content_type.startswith(PERSONAL_TYPES):
                    kept = []
            elif message["type"] == "http.response.body" and kept is not None:
                kept.append(message.get("body", b""))
                kept_bytes += len(kept[-1])
                if kept_bytes > PERSONAL_MAX_BODY:
                    kept = None
                elif not message.get("more_body") and start is not None:
                    self.store.put(key, validity, (start, b"".join(kept)))
            await send(message)

        await next_app(scope, receive, pass_and_keep)

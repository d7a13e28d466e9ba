"""Web plumbing shared by every domain's routes: who is asking, in which language, guards,
error responses, and the page renderer. No business rules live here.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, ParamSpec, TypeVar
from urllib.parse import quote

from multipart import MultipartSegment, ParserError, PushMultipartParser
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.datastructures import Cookie, State
from litestar.enums import MediaType, RequestEncodingType, ScopeType
from litestar.utils.scope.state import ScopeState
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import Body, PathParameter, QueryParameter
from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from sqlalchemy.orm import Session

from procure.kernel.bounds import MAX_ID, parse_id
from procure.kernel.clock import BUREAU_TZ, Clock
from procure.kernel.db import Database, rendering
from procure.kernel.errors import InvalidInput, ProcureError
from procure.kernel.pagination import MAX_PAGE
from procure.kernel.inputs import described, field_of, named_in
from procure.kernel.i18n import LOCALE_COOKIE, field_label, gettext, pick_locale
from procure.kernel.settings import Settings
from procure.kernel.money import chinese_capitals, format_amount

log = logging.getLogger("procure")

P = ParamSpec("P")
T = TypeVar("T")

SESSION_COOKIE = "procure_session"
CSRF_COOKIE = "procure_csrf"
#: What the last action did, shown once on the page it leads to (post → redirect → get).
DONE_COOKIE = "procure_done"
API_PREFIXES = ("/api/", "/open311/", "/schema")


#: Ids are INTEGER columns (int4 on PostgreSQL): an id outside 1 … 2^31−1 names nothing, and
#: is refused as a 400 naming the parameter before it reaches SQL (where it would overflow).
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
PageNo = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]


#: A page form: one value per field (a field sent twice is a 400, not a list the handler trips on).
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
#: A form with files (photos, documents): its fields, and UploadFile for each file.
UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def form_id(data: dict[str, str], key: str) -> int | None:
    """An optional id field of a page form; anything but a valid id is a 400 naming the field."""
    raw = str(data.get(key, "")).strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise InvalidInput("{field} is not a valid number.", field=key,
                           errors=[{"field": key, "message": "Not a valid number."}])
    return value


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def scope_locale(scope: Scope) -> str:
    """The asker's language, as ``IdentityMiddleware`` chose it (``scope["locale"]``)."""
    locale = scope.get("locale")
    return locale if isinstance(locale, str) else "zh_CN"


# --- dependencies ---------------------------------------------------------------------------

#: Handler parameter types for the app-level dependencies (``db``, ``clock``, ``settings``, ``user``).
DB = NamedDependency[Session]
AppClock = NamedDependency[Clock]
AppSettings = NamedDependency[Settings]


#: Methods whose requests only read: their session is read-only (``Database.reader``).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def provide_db(state: State, request: Request) -> Iterator[Session]:
    """The request's session: read-only for GET/HEAD, a writing one for POST/PUT/PATCH/DELETE."""
    database: Database = state.database
    with (database.reader() if request.method in READ_METHODS else database.session()) as session:
        yield session


def provide_settings(state: State) -> Settings:
    return state.settings


def provide_clock(state: State) -> Clock:
    return state.settings.clock


# --- the handlers' threads ----------------------------------------------------------------------


class RequestExecutor(ThreadPoolExecutor):
    """The threads sync handlers run in, each request's database session ended in the same thread.

    Litestar runs a sync handler in an executor and closes its generator dependencies later, on the
    event loop. A session that still holds a transaction when the handler returns — SQLite's write
    lock after ``BEGIN IMMEDIATE``, a pooled PostgreSQL connection — would then be held while the
    request waits for the loop, and a handler thread waiting for that lock waits for a release that
    may itself wait for a thread: under a bid rush every thread ended up waiting 30 s for the busy
    timeout. Here the session is closed (rolled back if a use case left it open) the moment the
    handler returns or raises, before its thread takes the next request. Everything a response
    needs is built inside the handler (``page`` renders there; API handlers return plain structs).
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return super().submit(_then_close_sessions, fn, *args, **kwargs)


def _then_close_sessions(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return fn(*args, **kwargs)
    finally:
        if isinstance(fn, functools.partial):
            for value in (*fn.args, *fn.keywords.values()):
                if isinstance(value, Session):
                    value.close()


# --- uploads whose moment of receipt decides ----------------------------------------------------

RECEIVED_AT: Final = "procure.received_at"
_REPLAY_CHUNK = 256 * 1024


MAX_FORM_FIELD_BYTES = 64 * 1024


class _FieldTooLarge(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


class MultipartFieldLimit(ASGIMiddleware):
    """Bound every non-file part of a multipart body while it streams in (ASVS V12.1.1).

    Litestar's parser keeps text parts in memory without a limit (a 200 MB ``price`` field of a
    bid took 774 MB); files have their own limits. This watches the bytes as the app reads them
    and answers 413 naming the field the moment a text part passes ``limit`` bytes."""

    def __init__(self, limit: int = MAX_FORM_FIELD_BYTES) -> None:
        self.limit = limit

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        content_type = next((v for k, v in scope.get("headers", []) if k == b"content-type"), b"")
        boundary = re.search(rb"boundary=\"?([^\";]+)", content_type) if content_type.startswith(b"multipart/") else None
        if scope["type"] != ScopeType.HTTP or boundary is None:
            await next_app(scope, receive, send)
            return
        parser: PushMultipartParser | None = PushMultipartParser(boundary.group(1))
        current: dict[str, Any] = {"segment": None, "size": 0}  # the part being read (a MultipartSegment) and its bytes so far
        started = False

        async def watched() -> ReceiveMessage:
            nonlocal parser
            message = await receive()
            if parser is not None and message["type"] == "http.request":
                try:
                    for part in parser.parse(message.get("body", b"")):
                        if isinstance(part, MultipartSegment):
                            current.update(segment=part, size=0)
                        elif part:
                            segment = current["segment"]
                            if segment is not None and not segment.filename:
                                current["size"] += len(part)
                                if current["size"] > self.limit:
                                    raise _FieldTooLarge(segment.name)
                        else:
                            current.update(segment=None, size=0)
                except ParserError:
                    parser = None  # malformed: Litestar's own parser will say so
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await next_app(scope, watched, tracking)
        except _FieldTooLarge as exc:
            if started:
                raise
            request: Request = Request(scope)
            locale = pick_locale(request.cookies.get(LOCALE_COOKIE), request.headers.get("accept-language"),
                                 scope["litestar_app"].state.settings.default_locale)
            detail = gettext(locale, "The field {name} is larger than {limit} KB.", name=exc.name, limit=self.limit // 1024)
            body = json.dumps({"status_code": 413, "detail": detail}, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body, "more_body": False})


class ReceiveThenQueue(ASGIMiddleware):
    """Read a timed upload's whole body *before* the request waits for admission, and stamp the
    moment its last byte arrived (``scope["procure.received_at"]``).

    In a rush before a deadline the admission gate may keep a request waiting for seconds; a bid
    completely received before the deadline must not become late while it waits its turn
    (招标投标法 第28条 counts the time the bid is delivered). The body is spooled (to disk past
    1 MB), bounded by ``limit`` bytes, and replayed to the app. ``paths``: the routes whose
    moment of receipt decides (the composition root passes bidding's).
    """

    def __init__(self, limit: int, paths: re.Pattern[str]) -> None:
        self.limit = limit
        self.paths = paths

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "POST" or not self.paths.match(scope["path"]):
            await next_app(scope, receive, send)
            return
        spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        size = 0
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # http.disconnect: the bidder went away, nothing was received
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.limit:
                    locale = pick_locale(Request(scope).cookies.get(LOCALE_COOKIE), None, "zh_CN")
                    body = json.dumps({"status_code": 413, "detail": gettext(locale, "The upload is too large.")},
                                      ensure_ascii=False).encode()
                    await send({"type": "http.response.start", "status": 413,
                                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                            (b"connection", b"close")]})
                    await send({"type": "http.response.body", "body": body, "more_body": False})
                    return
                spool.write(chunk)
                if not message.get("more_body"):
                    break
            # An extension key (ASGI allows them); Litestar's Scope TypedDict names only its own keys.
            scope[RECEIVED_AT] = scope["litestar_app"].state.settings.clock()  # type: ignore[typeddict-unknown-key]
            spool.seek(0)
            left = size

            async def replay() -> ReceiveMessage:
                nonlocal left
                if left <= 0:
                    return await receive()
                chunk = spool.read(_REPLAY_CHUNK)
                left -= len(chunk)
                return {"type": "http.request", "body": chunk, "more_body": left > 0}

            await next_app(scope, replay, send)
        finally:
            spool.close()


def received_at(request: Request, clock: Clock) -> datetime:
    """When a timed upload was completely received (``ReceiveThenQueue``), else now."""
    stamped = request.scope.get(RECEIVED_AT)
    return stamped if isinstance(stamped, datetime) else clock()


# --- admission: a bounded number of requests inside the app ---------------------------------


class AdmissionGate(ASGIMiddleware):
    """At most ``limit`` requests inside the app at once; the rest wait their turn for up to
    ``wait`` seconds and then get ``503 Service Unavailable`` with ``Retry-After``.

    ``limit`` equals the database pool size and is below the worker-thread limit, so an admitted
    request never waits for a thread or a connection: a saturated server queues and then says so
    within a bound instead of hanging. Static files do not touch the database and skip the gate.
    """

    def __init__(self, limit: int, wait: float) -> None:
        self.limit, self.wait = limit, wait
        self._semaphores: dict[int, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(id(loop))
        if semaphore is None:
            semaphore = self._semaphores[id(loop)] = asyncio.Semaphore(self.limit)
        return semaphore

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith("/static/"):
            await next_app(scope, receive, send)
            return
        semaphore = self._semaphore()
        try:
            await asyncio.wait_for(semaphore.acquire(), self.wait)
        except TimeoutError:
            await _busy(scope, send)
            return
        try:
            await next_app(scope, receive, send)
        finally:
            semaphore.release()


RETRY_AFTER_SECONDS = 2


async def _busy(scope: Scope, send: Send) -> None:
    locale = pick_locale(Request(scope).cookies.get(LOCALE_COOKIE), None, "zh_CN")
    detail = gettext(locale, "The server is busy; please try again in a moment.")
    body = json.dumps({"status_code": 503, "detail": detail}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# --- browser hardening (OWASP ASVS 4.0 V14.4) -----------------------------------------------

CSP_NONCE: Final = "procure.csp_nonce"


def csp_nonce(scope: Scope) -> str:
    """This response's script nonce: the only inline scripts a page may run carry it."""
    nonce = scope.get(CSP_NONCE)
    if isinstance(nonce, str):
        return nonce
    nonce = secrets.token_urlsafe(16)
    # An extension key (ASGI allows them); Litestar's Scope TypedDict names only its own keys.
    scope[CSP_NONCE] = nonce  # type: ignore[typeddict-unknown-key]
    return nonce


class SecurityHeaders(ASGIMiddleware):
    """Every answer says what a browser may do with it (ASVS V14.4.1–7, V13.1.3 for downloads):
    scripts only from Procure itself or inline with this response's nonce, no framing (the
    approve and pay forms cannot be clicked through a frame), no content sniffing, no referrer
    beyond Procure, and HSTS when Procure runs behind HTTPS (secure cookies on). It sits inside
    PublicCaching, so a shared answer keeps the header that matches its nonce."""

    def __init__(self, hsts: bool, image_hosts: str = "") -> None:
        self.hsts = hsts
        #: Where map tiles come from (their origin), allowed as images: nothing else off-site is.
        self.image_hosts = image_hosts

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http":
            await next_app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                nonce = scope.get(CSP_NONCE)
                script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
                headers = [*message.get("headers", []),
                           (b"content-security-policy",
                            (f"default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data: blob:{self.image_hosts}; "
                             "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'").encode()),
                           (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                           (b"referrer-policy", b"same-origin"), (b"cross-origin-opener-policy", b"same-origin"),
                           (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()")]
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message = {**message, "headers": headers}
            await send(message)

        await next_app(scope, receive, with_headers)


# --- who is asking, in which language -------------------------------------------------------


def client_address(request: Request) -> str:
    """Who is asking, for throttling: the peer address (behind the reverse proxy, uvicorn's
    --forwarded-allow-ips makes it the client's; docs/deployment.md)."""
    return request.client.host if request.client else "unknown"


# --- guards ---------------------------------------------------------------------------------


# --- errors ---------------------------------------------------------------------------------


def _locale(request: Request) -> str:
    return scope_locale(request.scope)


def translate_error(locale: str, exc: ProcureError) -> tuple[str, list[dict[str, Any]]]:
    detail = gettext(locale, exc.message, **exc.params)
    errors = []
    for error in getattr(exc, "errors", []):
        params = error.get("params", {})
        shown = {k: v for k, v in error.items() if k != "params"}
        errors.append(shown | {"message": gettext(locale, error["message"], **params)})
    return detail, errors


def labelled(locale: str, detail: str, errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """For a page: each problem also carries ``label``, its field as the reader names it."""
    return detail, [e | {"label": field_label(locale, str(e["field"]))} if e.get("field") else e for e in errors]


def procure_error_handler(request: Request, exc: ProcureError) -> Response:
    detail, errors = translate_error(_locale(request), exc)
    if is_api(request.url.path) or request.headers.get("accept", "").startswith("application/json"):
        body: dict[str, Any] = {"status_code": exc.status_code, "detail": detail}
        if errors:
            body["errors"] = errors
        return Response(body, status_code=exc.status_code, headers=_retry_after(exc))
    response = error_page(request, exc.status_code, *labelled(_locale(request), detail, errors))
    response.headers.update(_retry_after(exc))
    return response


def _retry_after(exc: ProcureError) -> dict[str, str]:
    seconds = exc.params.get("seconds") if exc.status_code == 429 else None
    return {"Retry-After": str(seconds)} if seconds else {}


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= 500:
        return internal_error_handler(request, exc)
    path = request.url.path
    if not is_api(path) and exc.status_code == 401 and request.method == "GET":
        return Redirect(f"/login?next={quote(path + ('?' + request.url.query if request.url.query else ''))}")
    detail = exc.detail
    errors: list[dict[str, Any]] = []
    locale = _locale(request)
    if isinstance(exc, ValidationException):
        errors = [_validation_error(locale, e) for e in (exc.extra or []) if isinstance(e, dict)]
        fields = ", ".join(e["field"] for e in errors if e.get("field"))
        detail = gettext(locale, "The request is not valid: {detail}", detail=fields or exc.detail)
    elif exc.status_code == 404:
        detail = gettext(locale, "Not found.")
    elif exc.status_code == 413:
        detail = gettext(locale, "The upload is too large.")
    elif exc.detail == "CSRF token verification failed":
        detail = gettext(locale, "The form has expired; reload the page and try again.")
    if is_api(path):
        body: dict[str, Any] = {"status_code": exc.status_code, "detail": detail}
        if errors:
            body["errors"] = errors
        return Response(body, status_code=exc.status_code, headers=exc.headers)
    return error_page(request, exc.status_code, *labelled(locale, detail, errors))




def _validation_error(locale: str, error: dict[str, Any]) -> dict[str, Any]:
    """Litestar's validation problem in Procure's shape: ``field`` names it, and the bound
    messages of msgspec ("Expected `int` <= 2147483647") are said in the asker's language."""
    out = dict(error)
    text = str(error.get("message", ""))
    if "key" in error and error.get("source", "body") == "body":
        # Body fields are named as page forms name them (lots[1].ceiling_price: rows from 1); Litestar
        # calls the body's root "data", and a missing or unknown field is named in the message.
        key = str(error["key"])
        out["field"] = field_of(named_in(text, "" if key == "data" else key)) or key
    elif "key" in error:
        out["field"] = error["key"]
    if text.startswith("Expected") or text.startswith("Invalid") or text.startswith("Object"):
        message, params = described(text)
        out["message"] = gettext(locale, message, **params)
    return out


def _nul_in_text(exc: BaseException) -> bool:
    cause = getattr(exc, "orig", None) or exc.__cause__
    return cause is not None and "NUL (0x00)" in str(cause)


def undecodable_handler(request: Request, exc: Exception) -> Response:
    """A request body in a broken text encoding or an unknown charset: a 400, not a 500."""
    if not (isinstance(exc, UnicodeError) or (type(exc) is LookupError and "encoding" in str(exc))):
        return internal_error_handler(request, exc)  # KeyError, IndexError …: a real bug
    return procure_error_handler(request, InvalidInput("The request is not valid: a text field is not in UTF-8."))


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if _nul_in_text(exc):  # PostgreSQL stores no NUL in text; no field of Procure's needs one
        return procure_error_handler(request, InvalidInput("The request is not valid: it contains a NUL character."))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = gettext(_locale(request), "Something went wrong on our side; nothing was saved. Please try again.")
    if is_api(request.url.path):
        return Response({"status_code": 500, "detail": detail}, status_code=500)
    return error_page(request, 500, detail, [])


def error_page(request: Request, status: int, detail: str, errors: list[dict[str, Any]]) -> Response:
    return page(request, "error.html", status_code=status, status=status, detail=detail, errors=errors)


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF shown inline, its file name in UTF-8 (RFC 6266: Chinese names survive every browser)."""
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}"})


# --- pages ----------------------------------------------------------------------------------


def _done_mac(settings: Settings, message: str) -> str:
    return hmac.new(settings.secret_key.encode(), b"procure.done\x00" + message.encode(), hashlib.sha256).hexdigest()[:24]


def done(url: str, request: Request, message: str) -> Redirect:
    """Go to ``url`` and say there, once, what was done (a msgid, shown in the reader's language).
    The cookie is signed, so no other site can make a page here say something."""
    settings: Settings = request.app.state.settings
    value = base64.urlsafe_b64encode(message.encode()).decode().rstrip("=") + "." + _done_mac(settings, message)
    return Redirect(url, cookies=[Cookie(key=DONE_COOKIE, value=value, max_age=120, path="/", httponly=True,
                                         samesite="lax")])


def _done_message(request: Request) -> str | None:
    raw = request.cookies.get(DONE_COOKIE)
    if not raw or "." not in raw:
        return None
    encoded, mac = raw.rsplit(".", 1)
    try:
        message = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(mac, _done_mac(request.app.state.settings, message)):
        return None
    return gettext(scope_locale(request.scope), message)


def page(request: Request, template_name: str, /, *, status_code: int = 200, **context: Any) -> Response[bytes]:
    """Render a page now, in the handler's worker thread, while its session is open.

    Litestar's ``Template`` would render later on the event loop, where a lazy load in a template
    would run a query on the loop itself (and wait there for a pooled connection): under load
    that stalls every request. Rendering here keeps all database work in the worker thread.
    """
    context.setdefault("user", request.scope.get("user"))
    context.setdefault("csp_nonce", csp_nonce(request.scope))
    said = _done_message(request) if status_code == 200 else None
    context.setdefault("done_message", said)
    csrf_token = ScopeState.from_scope(request.scope).csrf_token or ""
    engine = request.app.template_engine
    assert engine is not None
    with rendering(template_name):
        body = engine.get_template(template_name).render(
            **context, request=request,
            csrf_input=f'<input type="hidden" name="_csrf_token" value="{html.escape(str(csrf_token))}" />')
    response = Response(body.encode(), status_code=status_code, media_type=MediaType.HTML)
    if said is not None:  # said once: the next page does not repeat it
        response.delete_cookie(DONE_COOKIE, path="/")
    return response


@pass_context
def _template_gettext(context: Context, message: str, **params: Any) -> str:
    return gettext(context_locale(context), message, **params)


def _amount(value: Decimal | str | None) -> Decimal | None:
    """An amount as a template may hold it: a Decimal, or the text a JSON record keeps."""
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def money(value: Decimal | str | None) -> str:
    """The templates' money filter: 4,532,000.00 (from a Decimal or a record's text)."""
    amount = _amount(value)
    return format_amount(amount) if amount is not None or value is None else str(value)


def capitals(value: Decimal | str | None) -> str:
    """The templates' 大写 filter (kernel.money.chinese_capitals); a dash for none."""
    amount = _amount(value)
    return "—" if amount is None else chinese_capitals(amount)


area = format_amount  # the templates' area filter


@pass_context
def local_time(context: Context, value: datetime | None) -> str:
    return "—" if value is None else value.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M")


def iso_date(value: date | None) -> str:
    return "—" if value is None else value.isoformat()


def context_locale(context: Context) -> str:
    request = context.get("request")
    return scope_locale(request.scope) if request is not None else "zh_CN"


@pass_context
def _map_settings(context: Context) -> Settings | None:
    """The map's tile source and boundary for templates/_map.html."""
    request = context.get("request")
    return request.app.state.settings if request is not None else None


def install_template_helpers(environment: Environment) -> None:
    environment.globals["_"] = _template_gettext
    # For msgids that come from data (notifications) and are extracted where they are written.
    environment.globals["translate"] = _template_gettext
    environment.globals["map_settings"] = _map_settings
    environment.filters.update(money=money, area=area, local_time=local_time, iso_date=iso_date,
                               capitals=capitals)


def attempt(request: Request, db: Session, action: Callable[[], object], *, success: str,
            on_error: Callable[[int, str], Response], said: str | None = None) -> Response:
    """Run one page action: on success go to ``success`` (saying ``said`` there, a msgid); on an
    error the user caused, roll back and show the same page again with the message (field
    problems appended)."""
    try:
        action()
    except ProcureError as exc:
        db.rollback()
        detail, _, errors = form_errors(exc, _locale(request))
        if errors:
            detail += " " + "; ".join(f"{e['label']}: {e['message']}" if e.get("field") else e["message"] for e in errors)
        return on_error(exc.status_code, detail)
    return done(success, request, said) if said else Redirect(success)


def form_errors(exc: InvalidInput | ProcureError, locale: str) -> tuple[str, dict[str, str], list[dict[str, Any]]]:
    """Split an error for re-rendering a form: summary, per-field messages, and the raw list."""
    detail, errors = labelled(locale, *translate_error(locale, exc))
    by_field = {e["field"]: e["message"] for e in errors if "field" in e}
    return detail, by_field, errors

"""Who is asking: the identity middleware, the ``Me``/``MaybeMe`` dependencies and permission guards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import anyio
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from procure.accounts import services as accounts
from procure.accounts.models import Jurisdiction
from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.audit import rules as audit_rules
from procure.kernel.caching import OneAtATime, Remembered
from procure.kernel.changes import Changes
from procure.kernel.db import Database
from procure.kernel.errors import ProcureError
from procure.kernel.i18n import LOCALE_COOKIE, field_label, gettext, pick_locale, role_label
from procure.kernel.settings import Settings
from procure.kernel.web import SESSION_COOKIE, context_locale, is_api, scope_locale

#: Handler parameter types for the ``user`` dependency.
Me = NamedDependency[CurrentUser]
MaybeMe = NamedDependency[CurrentUser | None]


def provide_user(request: Request) -> CurrentUser | None:
    return request.scope.get("user")


# --- who is asking, in which language -------------------------------------------------------


class IdentityMiddleware(ASGIMiddleware):
    """Sets ``scope["user"]`` (a ``CurrentUser`` or None) and ``scope["locale"]`` for every request.

    API requests authenticate by bearer token only; pages by the session cookie only — so the
    cookie can never be used to call the API from another site (the API needs no CSRF token).

    A token once found valid is remembered with its expiry, the data generation it was checked
    under (``kernel.changes``) and the clock second: any commit anywhere — a logout, a revocation,
    a deactivated user — moves the generation and the token is looked up again, as it is in every
    new second (a revocation typed into psql is seen within it) and always when the change watcher
    is not listening.
    """

    def __init__(self, entries: int = 4096) -> None:
        self._known: Remembered[tuple[datetime, CurrentUser]] = Remembered(entries=entries)  # (expires, user)
        self.flights = OneAtATime()  # one look-up per token at a time

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request = Request(scope)
        settings: Settings = scope["litestar_app"].state.settings
        path = scope["path"]
        api = is_api(path)
        locale = pick_locale(request.cookies.get(LOCALE_COOKIE), request.headers.get("accept-language") if api else None,
                             settings.default_locale)
        # An extension key (ASGI allows them); Litestar's Scope TypedDict names only its own keys.
        scope["locale"] = locale  # type: ignore[typeddict-unknown-key]
        scope["user"] = None
        auth_error = None
        header = request.headers.get("authorization", "")
        token, purpose = None, "api"
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        elif not api:
            token, purpose = request.cookies.get(SESSION_COOKIE), "session"
        if token:
            try:
                scope["user"] = await self._user(scope, settings, token, purpose)
            except ProcureError as exc:
                auth_error = exc
        scope["auth"] = auth_error
        await next_app(scope, receive, send)

    async def _user(self, scope: Scope, settings: Settings, token: str, purpose: str) -> CurrentUser:
        changes: Changes = scope["litestar_app"].state.changes
        generation = changes.current()  # before the look-up: a commit during it makes it stale
        now = settings.clock()
        key = (token, purpose)
        validity = (generation, int(now.timestamp()))
        if (remembered := self._remembered(key, validity, now)) is not None:
            return remembered
        async with self.flights.turn(key, validity) as first:
            if not first and (remembered := self._remembered(key, validity, now)) is not None:
                return remembered
            database: Database = scope["litestar_app"].state.database
            user, expires_at = await anyio.to_thread.run_sync(_resolve, database, settings, token, purpose)
            if generation is not None:
                self._known.put(key, validity, (expires_at, user))
            return user

    def _remembered(self, key: tuple[str, str], validity: tuple[int | None, int], now: datetime) -> CurrentUser | None:
        known = self._known.get(key, validity) if validity[0] is not None else None
        return known[1] if known is not None and now < known[0] else None


def _resolve(database: Database, settings: Settings, token: str, purpose: str) -> tuple[CurrentUser, datetime]:
    with database.reader() as session:
        return accounts.login_for_token(session, settings.clock, token, purpose)


def _current(connection: ASGIConnection) -> CurrentUser:
    user = connection.scope.get("user")
    if user is None:
        error = connection.scope.get("auth")
        message = error.message if isinstance(error, ProcureError) else "Log in first."
        raise NotAuthorizedException(gettext(scope_locale(connection.scope), message))
    return user


def logged_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _current(connection)


def requires(*permissions: Permission) -> Callable[[ASGIConnection, BaseRouteHandler], None]:
    """A guard: the user must be logged in and hold every permission named."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = _current(connection)
        missing = [p for p in permissions if not user.can(p)]
        if missing:
            locale = scope_locale(connection.scope)
            raise PermissionDeniedException(
                gettext(locale, "Your role ({role}) may not do this.", role=role_label(locale, user.role)))

    guard.__name__ = "requires_" + "_".join(p.value.replace(":", "_") for p in permissions)
    return guard


@pass_context
def jurisdiction_label(context: Context, j: Jurisdiction | None) -> str:
    if j is None:
        return "—"
    return j.name if context_locale(context) == "zh_CN" or not j.name_en else j.name_en



@pass_context
def field_name(context: Context, field: str) -> str:
    """A recorded field by its label in the reader's language (the audit entry's before → after)."""
    return field_label(context_locale(context), field)


def install_template_helpers(environment: Environment) -> None:
    environment.filters.update(jurisdiction=jurisdiction_label, field_name=field_name)
    environment.globals["Permission"] = Permission
    # The audit viewer names actions and objects by msgid (audit.rules), translated in the page.
    environment.globals.update(audit_action=audit_rules.action_text, audit_entity=audit_rules.entity_text)

"""Accounts: login with lockout, tokens, users and roles. Each public function is one transaction."""

from __future__ import annotations

import re

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from procure.accounts import tokens
from procure.accounts.models import LoginSession, LoginThrottle, Notification, User
from procure.accounts.rules import (
    MIN_PASSWORD_LENGTH, THROTTLE_WINDOW, Permission, Role, password_problem, role_can, throttle_delay, throttle_keys,
)
from procure.audit import services as audit
from procure.audit.services import Actor
from procure.kernel.clock import Clock
from procure.kernel.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, TooManyAttempts
from procure.kernel.pagination import Page, PageRequest, count_of
from procure.accounts.models import Jurisdiction

_hasher = PasswordHasher()
# Verifying against this keeps a wrong username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("procure-timing-equaliser")


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in user as plain data: what guards, routes and templates see."""

    id: int
    username: str
    role: str
    display_name: str
    jurisdiction_id: int | None
    jurisdiction_code: str | None
    jurisdiction_name: str | None
    contractor_id: int | None = None
    #: Notifications not yet read, counted when a page's login is looked up (the header's badge).
    unread: int = 0

    def can(self, permission: Permission) -> bool:
        return role_can(self.role, permission)

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.username)

    @classmethod
    def of(cls, user: User) -> "CurrentUser":
        j = user.jurisdiction
        return cls(user.id, user.username, user.role, user.display_name, user.jurisdiction_id,
                   j.code if j else None, j.name if j else None, user.contractor_id)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, clock: Clock, username: str, password: str, address: str = "unknown") -> User:
    """Check a password, throttled per address, per account and per both (accounts.rules).

    An unknown username, a wrong password and an inactive account get the same answer and take
    the same time, and every kind of failure counts, so the answers say nothing about who exists."""
    now = clock()
    if not username.isprintable():  # no username holds control characters (and PostgreSQL refuses NUL)
        username = ""
    keys = throttle_keys(address, username)
    counters = {kind: session.get(LoginThrottle, key) for kind, key in keys.items()}
    waits = [c.blocked_until for c in counters.values() if c is not None and c.blocked_until and c.blocked_until > now]
    if waits:
        seconds = max(1, int((max(waits) - now).total_seconds() + 0.999))
        raise TooManyAttempts("Too many failed logins; try again in {seconds} seconds.", seconds=seconds)
    user = session.scalar(select(User).where(User.username == username.strip()))
    ok = _verify(user.password_hash if user is not None else _DUMMY_HASH, password)
    if user is None or not user.active or not ok:
        for kind, key in keys.items():
            counter = counters[kind]
            if counter is None:
                counter = LoginThrottle(key=key, failures=0, last_failed_at=now)
                session.add(counter)
            elif now - counter.last_failed_at > THROTTLE_WINDOW:
                counter.failures = 0
            counter.failures += 1
            counter.last_failed_at = now
            delay = throttle_delay(kind, counter.failures)
            counter.blocked_until = now + delay if delay else None
        session.commit()
        raise NotAuthenticated("Wrong username or password.")
    for kind in ("pair", "account"):  # the address keeps its count: it may be guessing other accounts
        if counters[kind] is not None:
            session.delete(counters[kind])
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(session: Session, clock: Clock, user: User, purpose: str, ttl_seconds: int) -> str:
    """Open a login (no commit: the caller's transaction records it)."""
    token = tokens.new_token()
    now = clock()
    session.add(LoginSession(token_hash=tokens.digest(token), user_id=user.id, purpose=purpose, created_at=now,
                             expires_at=now + timedelta(seconds=ttl_seconds)))
    session.flush()
    return token


@dataclass(frozen=True)
class Login:
    token: str
    role: str


def log_in(session: Session, clock: Clock, username: str, password: str, address: str, purpose: str,
           ttl_seconds: int) -> Login:
    """The log-in use case: check the password (throttled), open a login and commit it. A refused
    password still commits its failure count (``authenticate`` does) before it raises."""
    user = authenticate(session, clock, username, password, address)
    token = issue_token(session, clock, user, purpose, ttl_seconds)
    session.commit()
    return Login(token, user.role)


def user_for_token(session: Session, clock: Clock, token: str, purpose: str) -> CurrentUser:
    return login_for_token(session, clock, token, purpose)[0]


def login_for_token(session: Session, clock: Clock, token: str, purpose: str) -> tuple[CurrentUser, datetime]:
    """Who a token belongs to, and until when it is valid unless revoked."""
    login = session.scalar(select(LoginSession).where(LoginSession.token_hash == tokens.digest(token)))
    if login is None or login.purpose != purpose or login.revoked_at is not None:
        raise NotAuthenticated("The access token is not valid; log in again.")
    if clock() >= login.expires_at:
        raise NotAuthenticated("Your login has expired; log in again.")
    if not login.user.active:
        raise NotAuthenticated("The access token is no longer valid; log in again.")
    user = CurrentUser.of(login.user)
    if purpose == "session":  # pages show the unread count in their header; the API does not
        user = replace(user, unread=unread_count(session, user))
    return user, login.expires_at


def log_out(session: Session, clock: Clock, token: str) -> None:
    """End this one login (the cookie or the bearer token presented)."""
    session.execute(update(LoginSession).where(LoginSession.token_hash == tokens.digest(token),
                                               LoginSession.revoked_at.is_(None)).values(revoked_at=clock()))
    session.commit()


def _revoke_all(session: Session, clock: Clock, user_id: int) -> None:
    """Every login of this user, everywhere (a password change or deactivation; no commit)."""
    session.execute(update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
                    .values(revoked_at=clock()))


# --- user administration --------------------------------------------------------------------


def _jurisdiction_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    jid = session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code.strip()))
    if jid is None:
        raise InvalidInput("Unknown jurisdiction code {code}.", code=code,
                           errors=[{"field": "jurisdiction_code", "message": "Unknown jurisdiction code."}])
    return jid


def _check_role(role: str) -> str:
    try:
        return Role(role).value
    except ValueError:
        raise InvalidInput("Unknown role {role}; use one of: {roles}.", role=role,
                           roles=", ".join(r.value for r in Role),
                           errors=[{"field": "role", "message": "Unknown role."}]) from None


def create_user(session: Session, clock: Clock, actor: Actor, *, username: str, password: str, role: str,
                display_name: str = "", jurisdiction_code: str | None = None) -> User:
    user = add_user(session, clock, actor, username=username, password=password, role=role,
                    display_name=display_name, jurisdiction_code=jurisdiction_code)
    session.commit()
    return user


def add_user(session: Session, clock: Clock, actor: Actor, *, username: str, password: str, role: str,
             display_name: str = "", jurisdiction_code: str | None = None, contractor_id: int | None = None) -> User:
    """Validate and add a user inside the caller's transaction (no commit)."""
    username = username.strip()
    errors: list[dict[str, Any]] = []
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        errors.append({"field": "username", "message": "A username is 1–64 characters without spaces."})
    if problem := password_problem(password, username):
        errors.append({"field": "password", "message": problem, "params": {"n": MIN_PASSWORD_LENGTH}})
    if errors:
        raise InvalidInput("The user has errors.", errors=errors)
    role = _check_role(role)
    jurisdiction_id = _jurisdiction_id(session, jurisdiction_code)
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise Conflict("The username {username} is taken.", username=username,
                       errors=[{"field": "username", "message": "This username is taken."}])
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=display_name.strip() or username, jurisdiction_id=jurisdiction_id, active=True,
                failed_logins=0, session_version=1, created_at=clock(), contractor_id=contractor_id)
    session.add(user)
    session.flush()
    session.refresh(user)
    audit.record(session, clock, actor, "user.create", "user", user.id, None, user.audit_view())
    return user


#: Enough of an address to mail (the server's answer decides the rest): one @, a dotted domain.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def update_user(session: Session, clock: Clock, actor: Actor, user_id: int, changes: dict[str, Any]) -> User:
    user = get_user(session, user_id)
    before = user.audit_view()
    if "role" in changes:
        user.role = _check_role(str(changes["role"]))
    if "jurisdiction_code" in changes:
        user.jurisdiction_id = _jurisdiction_id(session, changes["jurisdiction_code"])
    if "display_name" in changes and str(changes["display_name"]).strip():
        user.display_name = str(changes["display_name"]).strip()
    if "email" in changes:
        email = str(changes["email"] or "").strip()
        if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
            raise InvalidInput("Not an e-mail address.", errors=[{"field": "email", "message": "Not an e-mail address."}])
        user.email = email
    if "active" in changes:
        if actor.id == user.id and not changes["active"]:
            raise InvalidInput("You cannot deactivate your own account.")
        if bool(changes["active"]) != user.active:
            user.active = bool(changes["active"])
            user.session_version += 1
            _revoke_all(session, clock, user.id)  # log the user out everywhere
    if changes.get("password"):
        if problem := password_problem(str(changes["password"]), user.username):
            raise InvalidInput(problem, n=MIN_PASSWORD_LENGTH,
                               errors=[{"field": "password", "message": problem, "params": {"n": MIN_PASSWORD_LENGTH}}])
        user.password_hash = hash_password(str(changes["password"]))
        user.session_version += 1
        _revoke_all(session, clock, user.id)
    session.flush()
    session.refresh(user)
    after = user.audit_view() | ({"password": "changed"} if changes.get("password") else {})
    audit.record(session, clock, actor, "user.update", "user", user.id, before, after)
    session.commit()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User {id} does not exist.", id=user_id)
    return user


def list_users(session: Session, paging: PageRequest, role: str | None = None, q: str | None = None) -> Page[User]:
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        stmt = stmt.where(User.username.ilike(f"%{q}%") | User.display_name.ilike(f"%{q}%"))
    total = count_of(session, stmt)
    items = list(session.scalars(stmt.order_by(User.role, User.username).offset(paging.offset).limit(paging.per_page)).unique())
    return Page(items, total, paging)


# --- in-app notifications -------------------------------------------------------------------


def notify(session: Session, clock: Clock, user_ids: Iterable[int], message: str, link: str, *,
           key: str | None = None, **params: Any) -> int:
    """Queue a message (an English msgid, translated when shown) for each user; no commit. With a
    ``key`` (a reminder: "case-due:12"), a user already told of that key is not told again.
    Returns how many were queued."""
    targets = list(dict.fromkeys(user_ids))
    if key is not None and targets:
        told = set(session.scalars(select(Notification.user_id).where(Notification.key == key,
                                                                      Notification.user_id.in_(targets))))
        targets = [t for t in targets if t not in told]
    for user_id in targets:
        session.add(Notification(user_id=user_id, created_at=clock(), message=message, params=params, link=link,
                                 key=key))
    return len(targets)


def company_logins(session: Session, contractor_id: int | None) -> list[int]:
    """The active logins of a company (who is told about its cases, contract and payments)."""
    if contractor_id is None:
        return []
    return list(session.scalars(select(User.id).where(User.contractor_id == contractor_id, User.active.is_(True))))


def logins_with(session: Session, permission: Permission) -> list[int]:
    """The active staff logins whose role holds ``permission``."""
    roles = [r.value for r in Role if role_can(r, permission)]
    return list(session.scalars(select(User.id).where(User.role.in_(roles), User.active.is_(True))))


def notifications(session: Session, user: CurrentUser, limit: int = 50) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                .order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user: CurrentUser) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, clock: Clock, user: CurrentUser) -> None:
    for note in session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))):
        note.read_at = clock()
    session.commit()


# --- the bureau's jurisdictions (属地) ---------------------------------------------------------


def list_jurisdictions(session: Session) -> list[Jurisdiction]:
    return list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)))


def jurisdiction_by_code(session: Session, code: str) -> Jurisdiction:
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is None:
        raise NotFound("Unknown jurisdiction code {code}.", code=code)
    return found


# --- read models: the administrator's pages -----------------------------------------------------


def users_page(session: Session, paging: PageRequest, role: str | None) -> dict[str, Any]:
    """The user list with what its "new user" form offers (roles, streets)."""
    return {"result": list_users(session, paging, role=role), "roles": list(Role),
            "jurisdictions": list_jurisdictions(session)}


def user_page(session: Session, user_id: int) -> dict[str, Any]:
    """One user to edit, with the choices of the form and the user's audit history."""
    return {"target": get_user(session, user_id), "roles": list(Role), "jurisdictions": list_jurisdictions(session),
            "history": audit.entries_for(session, "user", user_id)}

"""Login, logout, language, home, and user administration — API and pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect

from procure.accounts import services
from procure.accounts.rules import Permission
from procure.accounts.schemas import TokenRequest, TokenResponse, UserCreate, UserOut, UserPage, UserUpdate
from procure.audit import rules as audit_rules
from procure.audit import services as audit
from procure.kernel.errors import ProcureError
from procure.kernel.i18n import LOCALE_COOKIE, LOCALES, N_
from procure.kernel.pagination import PageRequest
from procure.kernel.web import done, scope_locale, client_address, AppClock, AppSettings, DB, form_errors, FormData, page, PageNo, PathId, SESSION_COOKIE
from procure.accounts.web import Me, requires



#: A text filter of the audit viewer: short, or the request is refused (400) before any query.
AuditText = Annotated[str | None, QueryParameter(max_length=64)]


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/token", sync_to_thread=True, status_code=200, summary="Log in and get a bearer token")
    def token(self, request: Request, data: JSONBody[TokenRequest], db: DB, settings: AppSettings,
              clock: AppClock) -> TokenResponse:
        login = services.log_in(db, clock, data.username, data.password, client_address(request), "api",
                                settings.token_ttl_seconds)
        return TokenResponse(login.token, "bearer", login.role, settings.token_ttl_seconds)

    @post("/logout", sync_to_thread=True, status_code=200, guards=[requires()],
          summary="End this token's login (it stops working at once)")
    def logout(self, request: Request, db: DB, clock: AppClock) -> dict[str, bool]:
        services.log_out(db, clock, request.headers.get("authorization", "")[7:].strip())
        return {"logged_out": True}

    @get("/me", sync_to_thread=True, guards=[requires()], summary="The current user")
    def me(self, db: DB, user: Me) -> UserOut:
        return UserOut.of(services.get_user(db, user.id))


class UsersApi(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [requires(Permission.USERS_MANAGE)]

    @post("/", sync_to_thread=True, summary="Create a user (admin)")
    def create(self, data: JSONBody[UserCreate], db: DB, clock: AppClock, user: Me) -> UserOut:
        created = services.create_user(db, clock, user.actor, username=data.username, password=data.password,
                                       role=data.role, display_name=data.display_name,
                                       jurisdiction_code=data.jurisdiction_code)
        return UserOut.of(created)

    @get("/", sync_to_thread=True, summary="List users (admin)")
    def index(self, db: DB, page_no: PageNo = 1,
              per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50, role: FromQuery[str | None] = None) -> UserPage:
        result = services.list_users(db, PageRequest(page_no, per_page), role=role)
        return UserPage([UserOut.of(u) for u in result.items], result.total, page_no, per_page)

    @patch("/{user_id:int}", sync_to_thread=True, summary="Change role, jurisdiction, activity or password (admin)")
    def update(self, user_id: PathId, data: JSONBody[UserUpdate], db: DB, clock: AppClock, user: Me) -> UserOut:
        changes = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not None}
        return UserOut.of(services.update_user(db, clock, user.actor, user_id, changes))


class SessionPages(Controller):
    """Login/logout and language (the home page is ``procure.home``: it shows every domain's work)."""

    include_in_schema = False

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request, next_url: Annotated[str, QueryParameter(name="next")] = "/") -> Response:
        return page(request, "accounts/login.html", next=_safe_next(next_url), error=None, username="")

    @post("/login", sync_to_thread=True)
    def login(self, request: Request, data: FormData, db: DB, settings: AppSettings, clock: AppClock) -> Response:
        username, next_url = data.get("username", ""), _safe_next(data.get("next", "/"))
        try:
            login = services.log_in(db, clock, username, data.get("password", ""), client_address(request), "session",
                                    settings.session_ttl_seconds)
        except ProcureError as exc:
            detail, _, _ = form_errors(exc, scope_locale(request.scope))
            return page(request, "accounts/login.html", status_code=exc.status_code,
                        next=next_url, error=detail, username=username)
        return Redirect(next_url, cookies=[Cookie(key=SESSION_COOKIE, value=login.token, httponly=True, samesite="lax",
                                                   secure=settings.secure_cookies, path="/",
                                                   max_age=settings.session_ttl_seconds)])

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Request, db: DB, clock: AppClock) -> Redirect:
        if token := request.cookies.get(SESSION_COOKIE):
            services.log_out(db, clock, token)  # the cookie stops working everywhere, not just here
        return Redirect("/login", cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True)])

    @get("/lang/{code:str}", sync_to_thread=False)
    def language(self, request: Request, code: FromPath[str]) -> Redirect:
        back = _safe_next(request.headers.get("referer", "/"), allow_absolute_same_host=request.url.netloc)
        if code not in LOCALES:
            code = "zh_CN"
        return Redirect(back, cookies=[Cookie(key=LOCALE_COOKIE, value=code, path="/", max_age=365 * 86400,
                                              samesite="lax")])


def _safe_next(target: str, allow_absolute_same_host: str | None = None) -> str:
    """Only ever redirect within Procure (no open redirects)."""
    if allow_absolute_same_host and "://" in target:
        scheme_less = target.split("://", 1)[1]
        host, _, rest = scheme_less.partition("/")
        if host == allow_absolute_same_host:
            target = "/" + rest
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class AdminPages(Controller):
    """User administration, unit rates and the audit trail for admins."""

    path = "/admin"
    include_in_schema = False

    @get("/users", sync_to_thread=True, guards=[requires(Permission.USERS_MANAGE)])
    def users(self, request: Request, db: DB, page_no: PageNo = 1,
              role: FromQuery[str | None] = None) -> Response:
        return page(request, "admin/users.html", role=role or "", form={}, errors={}, error=None,
                    **services.users_page(db, PageRequest(page_no, 50), role or None))

    @post("/users", sync_to_thread=True, guards=[requires(Permission.USERS_MANAGE)])
    def create_user(self, request: Request, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        try:
            services.create_user(db, clock, user.actor, username=data.get("username", ""),
                                 password=data.get("password", ""), role=data.get("role", ""),
                                 display_name=data.get("display_name", ""),
                                 jurisdiction_code=data.get("jurisdiction_code") or None)
        except ProcureError as exc:
            detail, by_field, _ = form_errors(exc, scope_locale(request.scope))
            return page(request, "admin/users.html", status_code=exc.status_code, role="", form=data,
                        errors=by_field, error=detail, **services.users_page(db, PageRequest(1, 50), None))
        return done("/admin/users", request, N_("Saved."))

    @get("/users/{user_id:int}", sync_to_thread=True, guards=[requires(Permission.USERS_MANAGE)])
    def edit_user(self, request: Request, user_id: PathId, db: DB) -> Response:
        return page(request, "admin/user_edit.html", error=None, **services.user_page(db, user_id))

    @post("/users/{user_id:int}", sync_to_thread=True, guards=[requires(Permission.USERS_MANAGE)])
    def update_user(self, request: Request, user_id: PathId, data: FormData, db: DB, clock: AppClock,
                    user: Me) -> Response:
        changes: dict[str, Any] = {"role": data.get("role", ""), "display_name": data.get("display_name", ""),
                                   "email": data.get("email", ""),
                                   "jurisdiction_code": data.get("jurisdiction_code") or None,
                                   "active": data.get("active") == "on"}
        if data.get("password"):
            changes["password"] = data["password"]
        try:
            services.update_user(db, clock, user.actor, user_id, changes)
        except ProcureError as exc:
            db.rollback()
            detail, _, _ = form_errors(exc, scope_locale(request.scope))
            return page(request, "admin/user_edit.html", status_code=exc.status_code, error=detail,
                        **services.user_page(db, user_id))
        return done("/admin/users", request, N_("Saved."))

    @get("/audit", sync_to_thread=True, guards=[requires(Permission.AUDIT_READ)])
    def audit_trail(self, request: Request, db: DB, page_no: PageNo = 1, verify: FromQuery[bool] = False,
                    entity: AuditText = None, entity_id: AuditText = None, actor: AuditText = None,
                    action: AuditText = None, since: FromQuery[date | None] = None,
                    until: FromQuery[date | None] = None) -> Response:
        where = audit.AuditFilter(entity or None, entity_id or None, actor or None, action or None, since, until)
        return page(request, "admin/audit.html", **audit.trail_page(db, PageRequest(page_no, 50), walk=verify,
                                                                    where=where))

    @get("/audit/export.csv", sync_to_thread=True, guards=[requires(Permission.AUDIT_READ)])
    def audit_export(self, request: Request, db: DB, entity: AuditText = None, entity_id: AuditText = None,
                     actor: AuditText = None, action: AuditText = None, since: FromQuery[date | None] = None,
                     until: FromQuery[date | None] = None) -> Response:
        where = audit.AuditFilter(entity or None, entity_id or None, actor or None, action or None, since, until)
        return Response(audit.export_csv(db, where, scope_locale(request.scope)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=audit-trail.csv"})

    @get("/audit/{entry_id:int}", sync_to_thread=True, guards=[requires(Permission.AUDIT_READ)])
    def audit_entry(self, request: Request, db: DB, entry_id: PathId) -> Response:
        found = audit.entry(db, entry_id)
        return page(request, "admin/audit_entry.html", e=found, changes=audit_rules.changes(found.before, found.after))

"""The application factory: ``create_app(settings) -> Litestar``."""

from __future__ import annotations


import asyncio
import time
from datetime import datetime, timedelta
from typing import Any, Callable

import anyio.to_thread
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from procure import PROJECT_ROOT, domains  # noqa: F401  (every hand-off wired before a request)
from procure.accounts.routes import AdminPages, AuthApi, SessionPages, UsersApi
from procure.home import HomePage
from procure.audit.routes import AuditHeadApi
from procure.kernel.caching import PersonalCaching, PublicCaching
from procure.kernel.changes import Changes
from procure.kernel.db import Database, DatabaseNotMigrated, ensure_migrated
from procure.documents.pdf import PdfRenderer
from procure.documents.storage import LocalStorage
from procure.kernel.errors import ProcureError
from procure.kernel.settings import Settings
from procure.awards.routes import AwardPages, AwardsApi
from procure.bidding.routes import MAX_BID_BYTES, TIMED_BID_PATHS, BidPages, BidsApi
from procure.cases.routes import CasePages, CasesApi, Open311Api, georeport_error
from procure.documents.routes import DocumentPages
from procure.inspection.routes import InspectionApi, InspectionPages
from procure.payments.routes import PaymentPages, PaymentsApi
from procure.publishing import services as publishing
from procure.publishing.routes import OcdsApi, PortalPages
from procure.reports.routes import ReportPages
from procure.contracts.routes import ContractPages, ContractsApi
from procure.evaluation import services as evaluation
from procure.openapi import document_answers
from procure.evaluation.routes import EvaluationApi, EvaluationPages
from procure.contractors.routes import ContractorPages, ContractorsApi
from procure.sites.routes import RegistryApi, SitePages, SitesApi, UnitRatePages
from procure.tendering.routes import TenderPages, TendersApi
from procure.kernel.web import CSRF_COOKIE, AdmissionGate, ReceiveThenQueue, MultipartFieldLimit, SecurityHeaders, RequestExecutor, http_error_handler, install_template_helpers, undecodable_handler, internal_error_handler, procure_error_handler, provide_clock, provide_db, provide_settings
from procure.accounts import web as accounts_web
from procure.accounts.web import IdentityMiddleware, provide_user
from procure.documents.web import provide_pdf, provide_storage
from procure.sites import web as sites_web
from procure.kernel.maps import tile_origins
from procure.inspection import web as inspection_web
from procure.cases import web as cases_web

STATIC_DIR = PROJECT_ROOT / "procure" / "static"

ROUTES = [
    AuthApi, UsersApi, SessionPages, HomePage, AdminPages, SitesApi, RegistryApi, SitePages, UnitRatePages,
    TendersApi, TenderPages, ContractorsApi, ContractorPages, BidsApi, BidPages,
    EvaluationApi, EvaluationPages, AwardsApi, AwardPages, ContractsApi, ContractPages,
    InspectionApi, InspectionPages, CasesApi, Open311Api, CasePages, DocumentPages, PaymentsApi, PaymentPages,
    OcdsApi, PortalPages, ReportPages, AuditHeadApi,
]


#: Paths whose answers are public data: cacheable, revalidated with ETag / Last-Modified
#: (the portal, open data, Open311's service list, the public tender list).
PUBLIC_PREFIXES = ("/public", "/api/v1/public/", "/open311/v2/services", "/api/v1/tenders")


class PublicVersion:
    """When public data last changed (``PublicCaching``): asked of the database at most once a
    second per process, and again at once after any commit anywhere (``kernel.changes``)."""

    def __init__(self, db: Database, clock: Callable[[], datetime], changes: Changes) -> None:
        self.db, self.clock, self.changes = db, clock, changes
        self.known: tuple[float, datetime, int, datetime] | None = None

    def fresh(self) -> tuple[tuple[int, datetime], datetime] | None:
        """The version without asking the database, if the last look is still good (on the loop)."""
        now, generation = self.clock(), self._generation()
        known = self.known
        if (known and known[2] == generation and time.monotonic() - known[0] < 1.0
                and timedelta(0) <= now - known[1] < timedelta(seconds=1)):
            return (known[2], known[3]), known[3]
        return None

    def __call__(self, _scope: object) -> tuple[tuple[int, datetime], datetime]:
        """The version, asking the database when the last look is stale (in a worker thread)."""
        if (answer := self.fresh()) is not None:
            return answer
        now, generation = self.clock(), self._generation()
        with self.db.reader() as session:
            known = self.known = (time.monotonic(), now, generation, publishing.last_public_change(session, now))
        return (known[2], known[3]), known[3]

    def _generation(self) -> int:
        generation = self.changes.current()
        # No watcher: this process's own commits, and the one-second look, as before it existed.
        return self.changes.generation if generation is None else generation

    def forget(self) -> None:
        """Look again at the next request (a test that must see the look-up happen)."""
        self.known = None


def in_georeport_shape(handler: Callable[[Request, Any], Response]) -> Callable[[Request, Any], Response]:
    """Errors under /open311/ in GeoReport v2's shape and the path's format (an Open311 client
    reads ``[{code, description}]`` or ``<errors>``, whoever raised: the route, Litestar's
    validation, the router's 404 or 405); every other path keeps Procure's shape."""

    def handle(request: Request, exc: Any) -> Response:
        answer = handler(request, exc)
        if not request.url.path.startswith("/open311/"):
            return answer
        content = answer.content if isinstance(answer.content, dict) else {}
        status = answer.status_code or 500
        shaped = georeport_error(request.url.path, status, status, str(content.get("detail") or exc))
        shaped.headers.update({k: v for k, v in answer.headers.items() if k.lower() == "retry-after"})
        return shaped

    return handle


def create_app(settings: Settings, database: Database | None = None, *, check_migrations: bool = True) -> Litestar:
    """Build Procure. ``database`` lets tests bind the app to a connection inside a transaction."""
    db = database or Database(settings.database_url, pool_size=settings.max_concurrency,
                              audit_key=settings.audit_mac_key())

    changes = Changes(db)
    personal_cache = PersonalCaching(changes, settings.clock)
    public_version = PublicVersion(db, settings.clock, changes)

    async def on_startup(app: Litestar) -> None:
        # Threads: one per admitted request for the handlers (plus a margin for upload files,
        # which Litestar also moves to threads), so an admitted request never waits for a thread
        # or, with the pool as large as the gate, for a connection. anyio's threads serve the
        # identity look-up and the caching middleware, and static files.
        # Litestar runs sync handlers in the loop's default executor (unless one is set globally).
        asyncio.get_running_loop().set_default_executor(
            RequestExecutor(max_workers=settings.max_concurrency + 4, thread_name_prefix="procure"))
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.max_concurrency + 8
        if check_migrations:
            try:
                ensure_migrated(db.bind)
            except DatabaseNotMigrated:
                on_shutdown(app)
                raise
        settings.storage_dir.mkdir(parents=True, exist_ok=True)
        changes.start()
        if settings.worker_in_process:
            from procure.worker import InProcessScheduler  # late: only the embedded default runs jobs in-process

            app.state.scheduler = InProcessScheduler(settings, db)
            app.state.scheduler.start()

    def on_shutdown(app: Litestar) -> None:
        scheduler = getattr(app.state, "scheduler", None)
        if scheduler is not None:
            scheduler.stop()
        changes.stop()
        if database is None:
            db.dispose()

    def configure_jinja(engine: JinjaTemplateEngine) -> None:
        for install in (install_template_helpers, accounts_web.install_template_helpers,
                        sites_web.install_template_helpers, inspection_web.install_template_helpers,
                        cases_web.install_template_helpers):
            install(engine.engine)

    app = Litestar(
        route_handlers=[*ROUTES, create_static_files_router(path="/static", directories=[STATIC_DIR],
                                                             include_in_schema=False)],
        dependencies={
            "db": Provide(provide_db),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "clock": Provide(provide_clock, sync_to_thread=False),
            "user": Provide(provide_user, sync_to_thread=False),
            "storage": Provide(provide_storage, sync_to_thread=False),
            "pdf": Provide(provide_pdf, sync_to_thread=False),
            "seated": Provide(lambda: evaluation.declared_member, use_cache=True, sync_to_thread=False),
        },
        middleware=[MultipartFieldLimit(), ReceiveThenQueue(MAX_BID_BYTES, TIMED_BID_PATHS), AdmissionGate(settings.max_concurrency, settings.queue_seconds), PublicCaching(public_version, PUBLIC_PREFIXES, fresh=public_version.fresh),
                    IdentityMiddleware(), personal_cache,
                    SecurityHeaders(hsts=settings.secure_cookies, image_hosts=tile_origins(settings.map_tiles, settings.map_subdomains))],
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_name=CSRF_COOKIE, cookie_samesite="lax",
                               cookie_secure=settings.secure_cookies, exclude=["^/api/", "^/open311/", "^/schema"]),
        template_config=TemplateConfig(directory=settings.templates_dir, engine=JinjaTemplateEngine,
                                       engine_callback=configure_jinja),
        exception_handlers={
            ProcureError: in_georeport_shape(procure_error_handler),
            # A multipart text part in a broken encoding or an unknown charset: the client's fault.
            UnicodeError: in_georeport_shape(undecodable_handler),
            LookupError: in_georeport_shape(undecodable_handler),
            HTTPException: in_georeport_shape(http_error_handler),
            Exception: in_georeport_shape(internal_error_handler),
        },
        openapi_config=OpenAPIConfig(
            title="Procure API", version="1", path="/schema", render_plugins=[SwaggerRenderPlugin()],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        # JSON and forms are small; the routes that take files set their own limit. (Litestar also
        # keeps parsed form bodies in a cache, so a small default bounds what strangers can park.)
        request_max_body_size=1024 * 1024,
        multipart_form_part_limit=200,
        debug=settings.debug,
        logging_config=None,
    )
    document_answers(app)
    app.state.settings = settings
    app.state.database = db
    app.state.public_version = public_version
    app.state.changes = changes
    app.state.personal_cache = personal_cache
    app.state.storage = LocalStorage(settings.storage_dir)
    app.state.pdf = PdfRenderer(settings.templates_dir, cache_dir=settings.storage_dir / "pdf-cache")
    return app

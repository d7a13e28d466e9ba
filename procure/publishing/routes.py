"""Public oversight (社会监督): the OCDS API and the portal's pages. No login."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi import ResponseSpec
from litestar.response import File
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter

from procure.cases import open311
from procure.cases import services as cases
from procure.cases.services import Open311Error
from procure.kernel.clock import BUREAU_TZ
from procure.kernel.errors import InvalidInput, NotFound, ProcureError
from procure.kernel.clock import month_bounds, month_of
from procure.publishing import ocds, services
from procure.reports import svgchart
from procure.publishing.services import ReleaseQuery
from procure.documents.web import AppStorage
from procure.kernel.i18n import N_, gettext
from procure.kernel.web import AppClock, AppSettings, DB, UploadData, done, form_errors, page, PageNo, scope_locale



def _since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("since is an ISO 8601 date-time, e.g. 2026-10-01T00:00:00+08:00.") from None
    return value if value.tzinfo else value.replace(tzinfo=BUREAU_TZ)


def base_url(request: Request, settings: AppSettings) -> str:
    """Where the public reaches Procure: PROCURE_PUBLIC_BASE_URL, else the address this request came to."""
    return settings.public_base_url or str(request.base_url).rstrip("/")


def _cursor(after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    if len(cursor) > 400:  # a real one is about 80 characters; a longer one is not ours
        raise InvalidInput("cursor is not one this API gave out; follow links.next as it is.")
    try:
        date, rid = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(date, str) or not isinstance(rid, str):
            raise ValueError
    except (ValueError, TypeError, RecursionError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API gave out; follow links.next as it is.") from None
    return date, rid


#: A report's form with one phone photo (photos are normalised down to ≤ 2560 px anyway).
MAX_REPORT_BYTES = 16 * 1024 * 1024
#: A tracking code as written in its address (secrets.token_urlsafe(12) is 16 characters).
TrackingCode = Annotated[str, PathParameter(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class OcdsApi(Controller):
    path = "/api/v1/public/ocds"
    tags = ["public"]

    @get("/releases", sync_to_thread=True,
         summary="OCDS 1.1 release package, oldest first (filters since, ocid; links.next pages on)")
    def releases(self, request: Request, db: DB, clock: AppClock, settings: AppSettings,
                 since: FromQuery[str | None] = None, ocid: FromQuery[str | None] = None,
                 cursor: FromQuery[str | None] = None, page_no: PageNo = 1,
                 per_page: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> Response:
        base = base_url(request, settings)
        found = services.releases(db, clock, settings.ocds_prefix,
                                  ReleaseQuery(since=_since(since), ocid=ocid, after=_after(cursor), page=page_no,
                                               per_page=per_page), base)
        body = ocds.package(found.releases, base + request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                            clock(), base)
        if found.after is not None:
            # The next page starts after this page's last release in the stable order (date, id):
            # releases published meanwhile never shift or repeat a page.
            query = urlencode([(k, v) for k, v in (("since", since), ("ocid", ocid)) if v]
                              + [("cursor", _cursor(found.after)), ("per_page", str(per_page))])
            body["links"] = {"next": f"{base}/api/v1/public/ocds/releases?{query}"}
        return Response(body, headers={"X-Total-Count": str(found.total)})

    @get("/records/{ocid:str}", sync_to_thread=True,
         summary="A record package for one ocid: its releases and the compiled release (the OCDS merge)")
    def record(self, request: Request, ocid: FromPath[str], db: DB, clock: AppClock, settings: AppSettings) -> Response:
        base = base_url(request, settings)
        rec = services.record(db, clock, settings.ocds_prefix, ocid, base)
        return Response(ocds.record_package([rec], base + request.url.path, clock(), base))

    @get("/bulk", sync_to_thread=True, summary="The bulk files: one release package per calendar year")
    def bulk_index(self, request: Request, db: DB, clock: AppClock, settings: AppSettings) -> list[dict[str, object]]:
        base = base_url(request, settings)
        return [{"year": year, "releases": count, "url": f"{base}/api/v1/public/ocds/bulk/{year}.json"}
                for year, count in services.release_years(db, clock, settings.ocds_prefix, base)]

    @get("/bulk/{bulk_file:str}", sync_to_thread=True,
         summary="Every release dated in a calendar year, as one package: bulk/{year}.json",
         responses={404: ResponseSpec(None, description="No releases in that year, or not a {year}.json name")})
    def bulk_year(self, request: Request, bulk_file: FromPath[str], db: DB, clock: AppClock, settings: AppSettings) -> Response:
        # One path segment as {year}.json: the router matches whole segments only.
        year_text = bulk_file.removesuffix(".json")
        if not bulk_file.endswith(".json") or not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
            raise NotFound("A bulk file is named by its year, e.g. bulk/2026.json.")
        year = int(year_text)
        base = base_url(request, settings)
        found = services.releases(db, clock, settings.ocds_prefix, ReleaseQuery(year=year, per_page=10_000_000), base)
        if not found.releases:
            raise NotFound("No releases are dated in {year}.", year=year)
        return Response(ocds.package(found.releases, f"{base}/api/v1/public/ocds/bulk/{year}.json", clock(), base),
                        headers={"Content-Disposition": f'attachment; filename="ocds-{settings.ocds_prefix}-{year}.json"'})

    @get("/extensions/{name:str}/{file:path}", sync_to_thread=False, media_type=MediaType.TEXT,
         summary="The OCDS extensions the packages declare, served as published",
         responses={404: ResponseSpec(None, description="Not a file of a declared extension")})
    def extension(self, name: FromPath[str], file: FromPath[str]) -> File:
        found = ocds.extension_file(name, file.lstrip("/"))
        if found is None:
            raise NotFound("{name}/{file} is not a file of an extension Procure declares.", name=name, file=file)
        media = "application/json" if found.suffix == ".json" else "text/csv" if found.suffix == ".csv" else "text/plain"
        return File(found, media_type=f"{media}; charset=utf-8", content_disposition_type="inline")


class PortalPages(Controller):
    """The public portal: works on a phone, needs no login, shows nothing sealed or personal."""

    path = "/public"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request, db: DB, clock: AppClock) -> Response:
        month = month_of(clock())
        return page(request, "publishing/home.html", month=month, last_month=_last_month(month),
                    **services.portal_home(db, clock, _last_month(month)))

    @get("/boundary.geojson", sync_to_thread=True)
    def boundary(self, settings: AppSettings) -> Response:
        """The district's outline for maps without tiles (PROCURE_MAP_BOUNDARY), as GeoJSON."""
        try:
            outline = settings.map_boundary.read_bytes()
        except OSError:
            raise NotFoundException() from None
        return Response(outline, media_type="application/geo+json", headers={"Cache-Control": "public, max-age=86400"})

    @get("/contracts", sync_to_thread=True)
    def contracts(self, request: Request, db: DB) -> Response:
        return page(request, "publishing/contracts.html", **services.public_contracts_page(db))

    @get("/scores", sync_to_thread=True)
    def scores(self, request: Request, db: DB, clock: AppClock, month: FromQuery[str | None] = None) -> Response:
        month = month or _last_month(month_of(clock()))
        month_bounds(month)
        return page(request, "publishing/scores.html", month=month, board=services.score_board(db, clock, month))

    @get("/payments", sync_to_thread=True)
    def payments(self, request: Request, db: DB, month: FromQuery[str | None] = None) -> Response:
        if month:
            month_bounds(month)
        return page(request, "publishing/payments.html", month=month or "", rows=services.payments_made(db, month or None))

    @get("/cases", sync_to_thread=True)
    def case_rates(self, request: Request, db: DB, clock: AppClock, month: FromQuery[str | None] = None) -> Response:
        month = month or _last_month(month_of(clock()))
        context = services.case_handling_page(db, month)
        return page(request, "publishing/cases.html", evaluation_charts=svgchart.evaluation_charts(context["evaluation"]),
                    **context)

    @get("/open-data", sync_to_thread=True)
    def open_data(self, request: Request, db: DB, clock: AppClock, settings: AppSettings) -> Response:
        base = base_url(request, settings)
        return page(request, "publishing/open_data.html", base=base, prefix=settings.ocds_prefix,
                    publisher=ocds.BUREAU_NAME, extensions=ocds.extension_urls(base),
                    years=services.release_years(db, clock, settings.ocds_prefix, base))

    @get("/report", sync_to_thread=False)
    def report_form(self, request: Request) -> Response:
        return page(request, "publishing/report.html", services_list=open311.SERVICES, form={}, error=None)

    @post("/report", sync_to_thread=True, request_max_body_size=MAX_REPORT_BYTES)
    def report(self, request: Request, data: UploadData, db: DB, clock: AppClock, storage: AppStorage) -> Response:
        form = {k: str(v) for k, v in data.items() if k not in ("_csrf_token", "photo") and isinstance(v, str)}
        upload = data.get("photo")
        # The upload's SpooledTemporaryFile, which file_report reads as a photo (cases._photos does the same).
        photo = (upload.filename or "photo.jpg", upload.file) if isinstance(upload, UploadFile) and upload.filename else None
        try:
            filed = cases.file_report(db, clock, form, api_client="public-portal", photo=photo, storage=storage)
        except Open311Error as exc:
            db.rollback()
            return page(request, "publishing/report.html", status_code=exc.status, services_list=open311.SERVICES,
                        form=form, error=form_errors(exc.__cause__, scope_locale(request.scope))[0]
                        if isinstance(exc.__cause__, ProcureError) else gettext(scope_locale(request.scope), exc.description))
        assert filed.tracking_code is not None
        return done(f"/public/track/{filed.tracking_code}", request,
                    N_("Thank you. Keep this page's address: it is how you follow your report."))

    @get("/track/{code:str}", sync_to_thread=True)
    def track(self, request: Request, code: TrackingCode, db: DB) -> Response:
        """A citizen's report, found by the random code its page was given (never by its id)."""
        return page(request, "publishing/track.html", code=code, **cases.tracked(db, code))

    @get("/track/{code:str}/photo", sync_to_thread=True)
    def track_photo(self, code: TrackingCode, db: DB, storage: AppStorage) -> Response:
        picture = cases.tracked_photo(db, storage, code)
        # Private: whoever holds the code may see it; no shared cache keeps a citizen's photo.
        return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})



def _last_month(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"

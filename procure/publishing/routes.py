"""Public oversight (社会监督): the OCDS API and the portal's pages. No login."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from procure.cases import open311
from procure.cases import services as cases
from procure.cases.services import Open311Error
from procure.kernel.clock import BUREAU_TZ
from procure.kernel.errors import InvalidInput
from procure.kernel.clock import month_bounds, month_of
from procure.publishing import ocds, services
from procure.publishing.services import ReleaseQuery
from procure.kernel.web import AppClock, AppSettings, DB, FormData, page, PageNo, PathId



def _since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("since is an ISO 8601 date-time, e.g. 2026-10-01T00:00:00+08:00.") from None
    return value if value.tzinfo else value.replace(tzinfo=BUREAU_TZ)


class OcdsApi(Controller):
    path = "/api/v1/public/ocds"
    tags = ["public"]

    @get("/releases", sync_to_thread=True, summary="OCDS 1.1 release package (filters since, ocid; paging)")
    def releases(self, request: Request, db: DB, clock: AppClock, settings: AppSettings,
                 since: FromQuery[str | None] = None, ocid: FromQuery[str | None] = None,
                 page_no: PageNo = 1,
                 per_page: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> Response:
        found, total = services.releases(db, clock, settings.ocds_prefix,
                                         ReleaseQuery(_since(since), ocid, page_no, per_page))
        body = ocds.package(found, str(request.url), clock())
        if page_no * per_page < total:
            query = "&".join(f"{k}={v}" for k, v in (("since", since), ("ocid", ocid)) if v)
            body["links"] = {"next": f"/api/v1/public/ocds/releases?{query}{'&' if query else ''}page={page_no + 1}"
                                     f"&per_page={per_page}"}
        return Response(body, headers={"X-Total-Count": str(total)})

    @get("/records/{ocid:str}", sync_to_thread=True, summary="A compiled record per ocid (its releases merged)")
    def record(self, request: Request, ocid: FromPath[str], db: DB, clock: AppClock, settings: AppSettings) -> Response:
        rec = services.record(db, clock, settings.ocds_prefix, ocid)
        return Response({"uri": str(request.url), "version": "1.1", "publishedDate": clock().isoformat(),
                         "publisher": {"name": ocds.BUREAU_NAME, "scheme": "CN-USCC", "uid": ocds.BUREAU_USCC},
                         "records": [rec]})


class PortalPages(Controller):
    """The public portal: works on a phone, needs no login, shows nothing sealed or personal."""

    path = "/public"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request, db: DB, clock: AppClock) -> Response:
        month = month_of(clock())
        return page(request, "publishing/home.html", month=month, last_month=_last_month(month),
                    **services.portal_home(db, clock, _last_month(month)))

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
        return page(request, "publishing/cases.html", **services.case_handling_page(db, month))

    @get("/report", sync_to_thread=False)
    def report_form(self, request: Request) -> Response:
        return page(request, "publishing/report.html", services_list=open311.SERVICES, form={}, error=None, done=None)

    @post("/report", sync_to_thread=True)
    def report(self, request: Request, data: FormData, db: DB, clock: AppClock) -> Response:
        form = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        try:
            filed = cases.file_report(db, clock, form, api_client="public-portal")
        except Open311Error as exc:
            db.rollback()
            return page(request, "publishing/report.html", status_code=exc.status, services_list=open311.SERVICES,
                        form=form, error=exc.description, done=None)
        return Redirect(f"/public/report/{filed.id}")

    @get("/report/{report_id:int}", sync_to_thread=True)
    def report_status(self, request: Request, report_id: PathId, db: DB) -> Response:
        try:
            found = cases.get_report(db, report_id)
        except Open311Error:
            raise NotFoundException() from None
        return page(request, "publishing/report.html", services_list=open311.SERVICES, form={}, error=None, done=found)


def _last_month(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"

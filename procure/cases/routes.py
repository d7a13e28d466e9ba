"""Cases (整改), citizen reports, and the Open311 GeoReport v2 endpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.orm import Session

from procure.accounts import policy
from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.cases import open311, services
from procure.cases.models import Case, CitizenReport
from procure.cases.schemas import CaseOut, CasePage, NoteIn, RatesOut, ReasonIn
from procure.cases.services import CaseFilter, Open311Error
from procure.kernel.i18n import N_
from procure.kernel.errors import ProcureError
from procure.kernel.clock import Clock, month_of
from procure.kernel.pagination import PageRequest
from procure.kernel.bounds import parse_id
from procure.kernel.web import UploadData, done, form_errors, scope_locale, AppClock, AppSettings, attempt, DB, form_id, FormData, page, PageNo, PathId, QueryId
from procure.documents.web import AppStorage
from procure.accounts.web import Me, requires

READERS = requires(Permission.CASES_READ)


def case_out(case: Case, now: datetime) -> CaseOut:
    return CaseOut.of(case, services.overdue(case, now), services.timer(case, now))


def rates_out(rows: list[services.RateRow]) -> list[RatesOut]:
    s = lambda v: None if v is None else str(v)  # noqa: E731
    return [RatesOut(r.key, r.label, r.rates.due, s(r.rates.on_time_rate), s(r.rates.closure_rate),
                     s(r.rates.rework_rate)) for r in rows]


def _photos(data: dict[str, Any]) -> list[tuple[str, Any]]:
    # Any, not IO[bytes]: cases.services still asks for BinaryIO, which an UploadFile's SpooledTemporaryFile is not.
    files = data.get("photos") or []
    files = files if isinstance(files, list) else [files]
    return [(f.filename or "photo.jpg", f.file) for f in files if isinstance(f, UploadFile) and f.filename]


class CasesApi(Controller):
    path = "/api/v1"
    tags = ["cases"]

    @get("/cases", sync_to_thread=True, guards=[READERS], summary="Cases by deadline (contractors: their own)")
    def index(self, db: DB, clock: AppClock, user: Me, state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              contract_id: QueryId = None, overdue: FromQuery[bool | None] = None,
              month: FromQuery[str | None] = None, page_no: PageNo = 1,
              per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> CasePage:
        result = services.list_cases(db, clock, user, CaseFilter(state_filter, contract_id, overdue, month),
                                     PageRequest(page_no, per_page))
        now = clock()
        return CasePage([case_out(c, now) for c in result.items], result.total, page_no, per_page)

    @get("/cases/{case_id:int}", sync_to_thread=True, guards=[READERS], summary="One case")
    def show(self, case_id: PathId, db: DB, clock: AppClock, user: Me) -> CaseOut:
        return case_out(services.get(db, case_id, user), clock())

    @post("/cases/{case_id:int}/respond", sync_to_thread=True, status_code=200, guards=[requires(Permission.CASES_RESPOND)],
          summary="The contractor reports the defect fixed")
    def respond(self, case_id: PathId, data: JSONBody[NoteIn], db: DB, clock: AppClock, storage: AppStorage,
                user: Me) -> CaseOut:
        return case_out(services.respond(db, clock, storage, user, case_id, data.note), clock())

    @post("/cases/{case_id:int}/close", sync_to_thread=True, status_code=200, guards=[requires(Permission.CASES_CHECK)],
          summary="The inspector confirms the fix")
    def close(self, case_id: PathId, db: DB, clock: AppClock, user: Me, data: JSONBody[NoteIn | None] = None) -> CaseOut:
        return case_out(services.close(db, clock, user, case_id, data.note if data else ""), clock())

    @post("/cases/{case_id:int}/reopen", sync_to_thread=True, status_code=200, guards=[requires(Permission.CASES_CHECK)],
          summary="The inspector sends it back (返工)")
    def reopen(self, case_id: PathId, data: JSONBody[NoteIn], db: DB, clock: AppClock, user: Me) -> CaseOut:
        return case_out(services.reopen(db, clock, user, case_id, data.note), clock())

    @post("/cases/{case_id:int}/void", sync_to_thread=True, status_code=200, guards=[requires(Permission.CASES_VOID)],
          summary="An officer voids a case with a reason")
    def void(self, case_id: PathId, data: JSONBody[ReasonIn], db: DB, clock: AppClock, user: Me) -> CaseOut:
        return case_out(services.void(db, clock, user, case_id, data.reason), clock())

    @get("/cases/rates", sync_to_thread=True, guards=[requires(Permission.CASE_RATES_READ)],
         summary="On-time handling, closure and rework rates per contract and jurisdiction for a month")
    def rates(self, month: FromQuery[str], db: DB) -> dict[str, list[RatesOut]]:
        by_contract, by_jurisdiction = services.month_rates(db, month)
        return {"contracts": rates_out(by_contract), "jurisdictions": rates_out(by_jurisdiction)}


# --- Open311 GeoReport v2 ------------------------------------------------------------------------


def georeport_format(path: str) -> str:
    """The format a GeoReport path asks for: its extension, ``.xml`` or ``.json`` (v2 serves both;
    XML is the spec's default, so a path with neither gets XML)."""
    return "json" if path.endswith(".json") else "xml"


def georeport_answer(path: str, root: str, payload: list[dict[str, Any]] | dict[str, Any],
                     status_code: int = 200) -> Response:
    """``payload`` in the format the path asks for."""
    if georeport_format(path) == "json":
        return Response(payload, status_code=status_code)
    return Response(open311.to_xml(root, payload), status_code=status_code, media_type="application/xml; charset=utf-8")


def georeport_error(path: str, status: int, code: int, description: str) -> Response:
    """GeoReport v2's error shape (wiki.open311.org/GeoReport_v2#Errors), in the path's format."""
    return georeport_answer(path, "errors", [{"code": code, "description": description}], status)


def _request_entry(r: CitizenReport) -> dict[str, Any]:
    return {
        "service_request_id": str(r.id), "status": r.status, "status_notes": r.status_notes,
        "service_name": r.service_name, "service_code": r.service_code,
        "description": r.description, "agency_responsible": "杭州市余杭区城市管理局", "service_notice": "",
        "requested_datetime": r.requested_at.isoformat(), "updated_datetime": r.updated_at.isoformat(),
        "expected_datetime": None, "address": r.address or (r.site.name if r.site else ""), "address_id": "",
        "zipcode": "", "lat": float(r.lat) if r.lat is not None else None,
        "long": float(r.lon) if r.lon is not None else None,
        "media_url": r.media_url or None,
    }


def _check_jurisdiction(settings: AppSettings, jurisdiction_id: str | None) -> None:
    """Optional in v2 (one jurisdiction here); a wrong one is refused rather than ignored."""
    if jurisdiction_id not in (None, "", settings.open311_jurisdiction):
        raise Open311Error(404, 404, f"jurisdiction_id {jurisdiction_id} is not served here "
                                     f"(this endpoint serves {settings.open311_jurisdiction})")


Jurisdiction = Annotated[str | None, QueryParameter(name="jurisdiction_id", required=False)]


def _operation(name: str) -> Callable[[Any, Any, list[Any]], str]:
    """One OpenAPI operation id per format of a route served as .xml and .json."""

    def operation_id(_handler: Any, _method: Any, components: list[Any]) -> str:
        return f"open311_{name}_{'xml' if str(components[-1]).endswith('.xml') else 'json'}"

    return operation_id


class Open311Api(Controller):
    """GeoReport v2 (https://wiki.open311.org/GeoReport_v2): citizens' reports become cases. Every
    resource in both formats, by extension (.xml, the spec's default, or .json); every error,
    Litestar's own included (``kernel.web.http_error_handler``), in the spec's error shape."""

    path = "/open311/v2"
    tags = ["open311"]

    @get(["/services.xml", "/services.json"], sync_to_thread=False, summary="Service list (GET Service List)",
         operation_id=_operation("services"))  # on the loop (no thread): several paths are safe here
    def services_list(self, request: Request, settings: AppSettings, jurisdiction_id: Jurisdiction = None) -> Response:
        try:
            _check_jurisdiction(settings, jurisdiction_id)
        except Open311Error as exc:
            return georeport_error(request.url.path, exc.status, exc.code, exc.description)
        return georeport_answer(request.url.path, "services", [open311.service_entry(s) for s in open311.SERVICES])

    @get("/services/{service_file:str}", sync_to_thread=False,
         summary="A service's attributes (GET Service Definition: …/services/{service_code}.xml|json)")
    def service_definition(self, request: Request, service_file: FromPath[str], settings: AppSettings,
                           jurisdiction_id: Jurisdiction = None) -> Response:
        path = request.url.path
        try:
            _check_jurisdiction(settings, jurisdiction_id)
            service = open311.BY_CODE.get(service_file.removesuffix(".json").removesuffix(".xml"))
            if service is None or not service_file.endswith((".json", ".xml")):
                raise Open311Error(404, 404, "no such service_code")
        except Open311Error as exc:
            return georeport_error(path, exc.status, exc.code, exc.description)
        return georeport_answer(path, "service_definition", open311.service_definition(service))

    def _file(self, request: Request, data: FormData, db: DB, clock: AppClock, settings: AppSettings) -> Response:
        try:
            _check_jurisdiction(settings, data.get("jurisdiction_id"))
            report = services.file_report(db, clock, dict(data))
        except Open311Error as exc:
            return georeport_error(request.url.path, exc.status, exc.code, exc.description)
        return georeport_answer(request.url.path, "service_requests",
                                [{"service_request_id": str(report.id), "service_notice": "", "account_id": None}],
                                status_code=201)

    # One route per format: a handler given several paths is wrapped for its thread once per path
    # (Litestar 2.25), and its answer arrives as an un-awaited coroutine.
    _filing = "File a service request (POST Service Request, form-encoded, with api_key)"
    file_xml = post("/requests.xml", sync_to_thread=True, status_code=201, summary=_filing)(_file)
    file_json = post("/requests.json", sync_to_thread=True, status_code=201, summary=_filing)(_file)

    def _requests(self, request: Request, db: DB, clock: AppClock, settings: AppSettings,
              service_request_id: FromQuery[str | None] = None,
              service_code: FromQuery[str | None] = None, start_date: FromQuery[str | None] = None,
              end_date: FromQuery[str | None] = None, status_filter: Annotated[str | None, QueryParameter(name="status")] = None,
              jurisdiction_id: Jurisdiction = None) -> Response:
        try:
            _check_jurisdiction(settings, jurisdiction_id)
            rows = services.list_reports(db, clock, ids=service_request_id, service_code=service_code, start=start_date,
                                         end=end_date, status=status_filter)
        except Open311Error as exc:
            return georeport_error(request.url.path, exc.status, exc.code, exc.description)
        return georeport_answer(request.url.path, "service_requests", [_request_entry(r) for r in rows])

    _listing = "Service requests (GET Service Requests: ids, service_code, start_date, end_date, status; ≤ 90 days)"
    requests_xml = get("/requests.xml", sync_to_thread=True, summary=_listing)(_requests)
    requests_json = get("/requests.json", sync_to_thread=True, summary=_listing)(_requests)

    @get("/requests/{request_file:str}", sync_to_thread=True,
         summary="One service request (GET Service Request: …/requests/{id}.xml|json)")
    def show(self, request: Request, request_file: FromPath[str], db: DB, settings: AppSettings,
             jurisdiction_id: Jurisdiction = None) -> Response:
        path = request.url.path
        try:
            _check_jurisdiction(settings, jurisdiction_id)
            report_id = parse_id(request_file.removesuffix(".json").removesuffix(".xml"))
            if report_id is None or not request_file.endswith((".json", ".xml")):
                raise Open311Error(404, 404, "no such service request")
            return georeport_answer(path, "service_requests", [_request_entry(services.get_report(db, report_id))])
        except Open311Error as exc:
            return georeport_error(path, exc.status, exc.code, exc.description)


# --- pages --------------------------------------------------------------------------------------


class CasePages(Controller):
    include_in_schema = False

    @get("/cases", sync_to_thread=True, guards=[READERS])
    def index(self, request: Request, db: DB, clock: AppClock, user: Me,
              state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              page_no: PageNo = 1) -> Response:
        state = state_filter if state_filter is not None else ("open" if policy.acts_for_company(user) else "")
        return page(request, "cases/list.html", state=state,
                    **services.cases_page(db, clock, user, CaseFilter(state=state or None), PageRequest(page_no, 30)))

    @get("/cases/{case_id:int}", sync_to_thread=True, guards=[READERS])
    def show(self, request: Request, case_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._detail(request, db, clock, user, case_id)

    def _detail(self, request: Request, db: Session, clock: Clock, user: CurrentUser, case_id: int, *, status: int = 200,
                error: str | None = None) -> Response:
        return page(request, "cases/detail.html", status_code=status, error=error,
                    **services.case_page(db, clock, user, case_id))

    def _act(self, request: Request, db: Session, clock: Clock, user: CurrentUser, case_id: int,
             action: Callable[[], object], said: str | None = None) -> Response:
        return attempt(request, db, action, success=f"/cases/{case_id}", said=said, on_error=lambda status, message: self._detail(
            request, db, clock, user, case_id, status=status, error=message))

    @post("/cases/{case_id:int}/respond", sync_to_thread=True, guards=[requires(Permission.CASES_RESPOND)],
          request_max_body_size=80 * 1024 * 1024)
    def respond(self, request: Request, case_id: PathId, data: UploadData, db: DB, clock: AppClock,
                storage: AppStorage, user: Me) -> Response:
        return self._act(request, db, clock, user, case_id, lambda: services.respond(
            db, clock, storage, user, case_id, str(data.get("note", "")), _photos(data)),
            said=N_("Reported fixed; an inspector will check it."))

    @post("/cases/{case_id:int}/check", sync_to_thread=True, guards=[requires(Permission.CASES_CHECK)])
    def check(self, request: Request, case_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        action = services.close if data.get("decision") == "close" else services.reopen
        return self._act(request, db, clock, user, case_id, lambda: action(db, clock, user, case_id, data.get("note", "")),
                         said=N_("Closed.") if action is services.close else N_("Sent back for rework."))

    @post("/cases/{case_id:int}/void", sync_to_thread=True, guards=[requires(Permission.CASES_VOID)])
    def void(self, request: Request, case_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        return self._act(request, db, clock, user, case_id,
                         lambda: services.void(db, clock, user, case_id, data.get("reason", "")),
                         said=N_("The case is void."))

    @post("/reports/{report_id:int}/verify", sync_to_thread=True, guards=[requires(Permission.CASES_CHECK)])
    def verify(self, request: Request, report_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        accept = data.get("decision") == "accept"
        try:
            site_id = form_id(data, "site_id")
            services.verify_report(db, clock, user, report_id, accept=accept, note=data.get("note", ""), site_id=site_id)
        except ProcureError as exc:
            db.rollback()
            return page(request, "cases/list.html", status_code=exc.status_code, state="",
                        error=form_errors(exc, scope_locale(request.scope))[0],
                        **services.cases_page(db, clock, user, CaseFilter(), PageRequest(1, 30)))
        return done("/cases", request, N_("Verified: a case is opened for the company.") if accept
                    else N_("The report is closed as not a problem."))

    @get("/cases/rates", sync_to_thread=True, guards=[requires(Permission.CASE_RATES_READ)])
    def rates(self, request: Request, db: DB, clock: AppClock, month: FromQuery[str | None] = None) -> Response:
        month = month or month_of(clock())
        by_contract, by_jurisdiction = services.month_rates(db, month)
        return page(request, "cases/rates.html", month=month, by_contract=by_contract, by_jurisdiction=by_jurisdiction)

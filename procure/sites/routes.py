"""The site registry: JSON API and pages. Thin: parse, call one service, render."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery, JSONBody, QueryParameter

from procure.accounts import services as accounts
from procure.accounts.rules import Permission
from procure.kernel.i18n import N_
from procure.kernel.errors import InvalidInput, ProcureError
from procure.kernel.pagination import PageRequest
from procure.sites import services
from procure.sites.importing import MAX_IMPORT_BYTES
from procure.sites.rules import parse_grade
from procure.sites.schemas import (
    BudgetOut, ImportOut, JurisdictionOut, SiteChangesIn, SiteIn, SiteOut, SitePage, UnitRateIn, UnitRateOut,
)
from procure.sites.services import SiteFilter
from procure.kernel import inputs
from procure.kernel.web import done, scope_locale, attempt, AppClock, DB, form_errors, FormData, page, PageNo, PathId
from procure.accounts.web import Me, requires

UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def site_filter(kind: str | None = None, jurisdiction: str | None = None, grade: str | None = None,
                handed_over: str | None = None, q: str | None = None) -> SiteFilter:
    """Query parameters → a filter; unknown values are a 400, not an empty list."""
    errors = []
    if kind and kind not in {"road", "square", "park", "green_space", "river"}:
        errors.append({"field": "kind", "message": "Unknown site kind."})
    grade_value = parse_grade(grade) if grade else None
    if grade and grade_value is None:
        errors.append({"field": "grade", "message": "Unknown grade; use 1, 2 or 3."})
    answers: dict[str, bool | None] = {"true": True, "1": True, "yes": True, "false": False, "0": False,
                                       "no": False, "": None}
    key = (handed_over or "").lower()
    handed = answers.get(key)
    if key not in answers:
        errors.append({"field": "handed_over", "message": "Use true or false."})
    if errors:
        raise InvalidInput("The filter is not valid.", errors=errors)
    return SiteFilter(kind=kind or None, jurisdiction=jurisdiction or None, grade=grade_value,
                      handed_over=handed, q=q or None)


class SitesApi(Controller):
    path = "/api/v1/sites"
    tags = ["sites"]

    @get("/", sync_to_thread=True, guards=[requires(Permission.SITES_READ)], summary="List sites (filters, paging)")
    def index(self, db: DB, clock: AppClock, user: Me, kind: FromQuery[str | None] = None,
              jurisdiction: FromQuery[str | None] = None, grade: FromQuery[str | None] = None, handed_over: FromQuery[str | None] = None,
              q: FromQuery[str | None] = None, page_no: PageNo = 1,
              per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> SitePage:
        flt = site_filter(kind, jurisdiction, grade, handed_over, q)
        result = services.list_sites(db, clock, flt, PageRequest(page_no, per_page), user.jurisdiction_id)
        return SitePage([SiteOut.of(s) for s in result.items], result.total, page_no, per_page)

    @post("/", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)], summary="Register a site")
    def create(self, data: JSONBody[SiteIn], db: DB, clock: AppClock, user: Me) -> SiteOut:
        return SiteOut.of(services.create_site(db, clock, user.actor, msgspec.structs.asdict(data)))

    @get("/budget", sync_to_thread=True, guards=[requires(Permission.BUDGET_READ)],
         summary="Yearly maintenance budget estimate of a selection (Σ area × unit rate)")
    def budget(self, db: DB, clock: AppClock, kind: FromQuery[str | None] = None, jurisdiction: FromQuery[str | None] = None,
               grade: FromQuery[str | None] = None, handed_over: FromQuery[str | None] = None, q: FromQuery[str | None] = None) -> BudgetOut:
        flt = site_filter(kind, jurisdiction, grade, handed_over, q)
        return BudgetOut.of(services.estimate_budget(db, clock, flt))

    @post("/import", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)],
          request_max_body_size=MAX_IMPORT_BYTES, status_code=201,
          summary="Import sites from CSV (UTF-8 or GBK) or XLSX: all rows or none")
    def import_file(self, data: UploadData, db: DB, clock: AppClock, user: Me) -> ImportOut:
        upload = _upload(data)
        result = services.import_sites(db, clock, user.actor, upload.file.read(), upload.filename or "")
        return ImportOut(result.created, result.codes)

    @get("/{site_id:int}", sync_to_thread=True, guards=[requires(Permission.SITES_READ)], summary="One site")
    def show(self, site_id: PathId, db: DB) -> SiteOut:
        return SiteOut.of(services.get_site(db, site_id))

    @patch("/{site_id:int}", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)], summary="Edit a site")
    def update(self, site_id: PathId, data: JSONBody[SiteChangesIn], db: DB, clock: AppClock, user: Me) -> SiteOut:
        return SiteOut.of(services.update_site(db, clock, user.actor, site_id, inputs.sent(data)))


def _upload(data: dict[str, Any]) -> UploadFile:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("Attach the CSV or XLSX file in the form field 'file'.")
    return upload


class RegistryApi(Controller):
    path = "/api/v1"
    tags = ["sites"]

    @get("/jurisdictions", sync_to_thread=True, guards=[requires()], summary="The jurisdiction tree, flat")
    def jurisdictions(self, db: DB) -> list[JurisdictionOut]:
        return [JurisdictionOut.of(j) for j in accounts.list_jurisdictions(db)]

    @get("/unit-rates", sync_to_thread=True, guards=[requires(Permission.BUDGET_READ)], summary="Unit rates")
    def unit_rates(self, db: DB) -> list[UnitRateOut]:
        return [UnitRateOut(r.kind, r.grade, str(r.yuan_per_m2_year)) for r in services.list_unit_rates(db)]

    @put("/unit-rates", sync_to_thread=True, guards=[requires(Permission.UNIT_RATES_MANAGE)],
         summary="Set the unit rate of a (kind, grade) (admin)")
    def set_unit_rate(self, data: JSONBody[UnitRateIn], db: DB, clock: AppClock, user: Me) -> UnitRateOut:
        rate = services.set_unit_rate(db, clock, user.actor, data)
        return UnitRateOut(rate.kind, rate.grade, str(rate.yuan_per_m2_year))


# --- pages ----------------------------------------------------------------------------------


def _filter_args(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "") for k in ("kind", "jurisdiction", "grade", "handed_over", "q")}


class SitePages(Controller):
    path = "/sites"
    include_in_schema = False
    guards = [requires(Permission.SITES_READ)]

    @get("/", sync_to_thread=True)
    def index(self, request: Request, db: DB, clock: AppClock, user: Me,
              page_no: PageNo = 1) -> Response:
        args = _filter_args(request)
        error = None
        try:
            flt = site_filter(**args)
        except ProcureError as exc:
            error, _, _ = form_errors(exc, scope_locale(request.scope))
            flt = SiteFilter()
        query = "&".join(f"{k}={v}" for k, v in args.items() if v)
        return page(request, "sites/list.html", args=args, query=query, error=error,
                    **services.sites_page(db, clock, user, flt, PageRequest(page_no, 25)))

    @get("/new", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)])
    def new(self, request: Request, db: DB) -> Response:
        return page(request, "sites/form.html", site=None, form={}, errors={}, error=None,
                    jurisdictions=accounts.list_jurisdictions(db))

    @post("/new", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)])
    def create(self, request: Request, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        try:
            site = services.create_site(db, clock, user.actor, _site_form(data))
        except ProcureError as exc:
            db.rollback()
            detail, by_field, _ = form_errors(exc, scope_locale(request.scope))
            return page(request, "sites/form.html", status_code=exc.status_code, site=None, form=data,
                        errors=by_field, error=detail, jurisdictions=accounts.list_jurisdictions(db))
        return done(f"/sites/{site.id}", request, N_("The site is added."))

    @get("/import", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)])
    def import_form(self, request: Request) -> Response:
        return page(request, "sites/import.html", result=None, error=None, errors=[])

    @post("/import", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)],
          request_max_body_size=MAX_IMPORT_BYTES)
    def import_file(self, request: Request, data: UploadData, db: DB, clock: AppClock, user: Me) -> Response:
        try:
            upload = _upload(data)
            result = services.import_sites(db, clock, user.actor, upload.file.read(), upload.filename or "")
        except ProcureError as exc:
            db.rollback()
            detail, _, errors = form_errors(exc, scope_locale(request.scope))
            return page(request, "sites/import.html", status_code=exc.status_code, result=None, error=detail,
                        errors=errors)
        return page(request, "sites/import.html", result=result, error=None, errors=[])

    @get("/{site_id:int}", sync_to_thread=True)
    def show(self, request: Request, site_id: PathId, db: DB) -> Response:
        return page(request, "sites/detail.html", **services.site_page(db, site_id))

    @get("/{site_id:int}/edit", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)])
    def edit(self, request: Request, site_id: PathId, db: DB) -> Response:
        return page(request, "sites/form.html", errors={}, error=None, **services.site_form_page(db, site_id))

    @post("/{site_id:int}/edit", sync_to_thread=True, guards=[requires(Permission.SITES_WRITE)])
    def update(self, request: Request, site_id: PathId, data: FormData, db: DB, clock: AppClock,
               user: Me) -> Response:
        try:
            services.update_site(db, clock, user.actor, site_id, _site_form(data))
        except ProcureError as exc:
            db.rollback()
            detail, by_field, _ = form_errors(exc, scope_locale(request.scope))
            return page(request, "sites/form.html", status_code=exc.status_code, site=services.get_site(db, site_id),
                        form=data, errors=by_field, error=detail, jurisdictions=accounts.list_jurisdictions(db))
        return done(f"/sites/{site_id}", request, N_("The site is saved."))


def _site_form(data: dict[str, str]) -> dict[str, Any]:
    raw = {f: (data.get(f) or "").strip() or None for f in services.SITE_FIELDS}
    if raw["kind"] in ("road", "道路") and raw["length_m"] and raw["width_m"]:
        raw["area_m2"] = None  # a road's area is always length × width
    return raw


class UnitRatePages(Controller):
    """The unit-rate table (元/m²·年) budget estimates price sites with; kept by the admin."""

    path = "/admin"
    include_in_schema = False

    @get("/unit-rates", sync_to_thread=True, guards=[requires(Permission.BUDGET_READ)])
    def unit_rates(self, request: Request, db: DB) -> Response:
        return page(request, "admin/unit_rates.html", rates=services.list_unit_rates(db), error=None)

    @post("/unit-rates", sync_to_thread=True, guards=[requires(Permission.UNIT_RATES_MANAGE)])
    def set_unit_rate(self, request: Request, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        return attempt(request, db, lambda: services.set_unit_rate(db, clock, user.actor, dict(data)),
                       success="/admin/unit-rates", on_error=lambda status, message: page(
                           request, "admin/unit_rates.html", status_code=status, rates=services.list_unit_rates(db),
                           error=message))

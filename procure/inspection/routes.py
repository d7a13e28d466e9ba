"""Inspections: API (DESIGN §6) and the inspector's phone pages."""

from __future__ import annotations


from sqlalchemy.orm import Session

from procure.kernel.clock import Clock


from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery, JSONBody
from litestar.response import Redirect

from procure.accounts.rules import Permission
from procure.kernel.clock import month_of
from procure.kernel.errors import InvalidInput, ProcureError
from procure.inspection import services
from procure.inspection.schemas import (
    ContractScoresOut, InspectionIn, InspectionOut, PlanIn, PlanOut, SiteScoreOut, TemplateOut,
)
from procure.kernel import inputs
from procure.kernel.web import scope_locale, pdf_response
from procure.tendering.services import parse_deadline
from procure.kernel.web import AppClock, DB, form_errors, form_id, page, PathId, QueryId
from procure.documents.web import AppStorage, Pdf
from procure.accounts.web import Me, requires

UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
MAX_FORM_BYTES = 120 * 1024 * 1024


def scores_out(cm: services.ContractMonth) -> ContractScoresOut:
    return ContractScoresOut(
        cm.contract.id, cm.month, None if cm.score is None else str(cm.score), cm.score is not None,
        [SiteScoreOut(r.site.id, r.site.name, str(r.area), None if r.score is None else str(r.score),
                      [i.id for i in r.inspections]) for r in cm.sites],
        cm.plan.seed if cm.plan else None, list(cm.plan.site_ids) if cm.plan else [])


class InspectionApi(Controller):
    path = "/api/v1"
    tags = ["inspection"]

    @get("/inspection-templates", sync_to_thread=True, guards=[requires()], summary="The current template of a site kind")
    def template(self, db: DB, kind: FromQuery[str]) -> TemplateOut:
        return TemplateOut.of(services.current_template(db, kind))

    @put("/inspection-templates", sync_to_thread=True, guards=[requires(Permission.TEMPLATES_MANAGE)],
         summary="Publish a new version of a kind's template (admin)")
    def save_template(self, data: JSONBody[dict[str, Any]], db: DB, clock: AppClock, user: Me) -> TemplateOut:
        return TemplateOut.of(services.save_template(db, clock, user.actor, data))

    @post("/inspections", sync_to_thread=True, guards=[requires(Permission.INSPECTIONS_WRITE)],
          summary="Record an inspection {site_id, inspected_at, findings:[{item_code, count, note}]} → {id, score, categories}")
    def create(self, data: JSONBody[InspectionIn], db: DB, clock: AppClock, storage: AppStorage, user: Me) -> InspectionOut:
        findings = services.parse_findings(data.findings)
        done = services.submit(db, clock, storage, user, site_id=data.site_id, inspected_at=data.inspected_at,
                               findings=findings, note=data.note, supersedes_id=data.supersedes_id,
                               correction_reason=data.correction_reason, require_photos=False)
        return InspectionOut.of(done.inspection, cases=done.cases, warnings=done.warnings, missing_photos=done.missing_photos)

    @get("/inspections/{inspection_id:int}", sync_to_thread=True, guards=[requires()],
         summary="One inspection (staff who read inspections; a company, those of its own contracts)")
    def show(self, inspection_id: PathId, db: DB, user: Me) -> InspectionOut:
        return InspectionOut.of(services.readable(db, user, inspection_id))

    @get("/contracts/{contract_id:int}/scores", sync_to_thread=True, guards=[requires()],
         summary="A contract's month: {contract_score, sites:[{site_id, score, inspections}]}")
    def scores(self, contract_id: PathId, month: FromQuery[str], db: DB, clock: AppClock, user: Me) -> ContractScoresOut:
        return scores_out(services.contract_month_for(db, clock, user, contract_id, month))

    @post("/sampling-plans", sync_to_thread=True, guards=[requires(Permission.INSPECTIONS_WRITE)],
          summary="The month's sampling plan of a contract (created once; the seed is recorded)")
    def plan(self, data: JSONBody[PlanIn], db: DB, clock: AppClock, user: Me) -> PlanOut:
        p = services.plan_month(db, clock, user.actor, data.contract_id, data.month, data.seed)
        return PlanOut(p.contract_id, p.month, p.seed, str(p.share), list(p.pool), list(p.site_ids))

    @get("/sampling-plans", sync_to_thread=True, guards=[requires(Permission.INSPECTIONS_READ)],
         summary="Every contract's drawn plan for a month (the worker draws them on the 1st; POST draws one sooner)")
    def plans(self, month: FromQuery[str], db: DB) -> list[PlanOut]:
        drawn, _ = services.month_plans(db, month)
        return [PlanOut(p.contract_id, p.month, p.seed, str(p.share), list(p.pool), list(p.site_ids)) for p in drawn]


def _uploads(data: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    photos: dict[str, list[tuple[str, Any]]] = {}
    for key, value in data.items():
        if not key.startswith("photo_"):
            continue
        values = value if isinstance(value, list) else [value]
        files = [(v.filename or "photo.jpg", v.file) for v in values if isinstance(v, UploadFile) and v.filename]
        if files:
            photos[key[6:]] = files
    return photos


def _kept_ids(data: dict[str, Any]) -> dict[str, list[int]]:
    """kept_<item>=<document id> fields: photos kept from a refused attempt (checked by the service)."""
    kept: dict[str, list[int]] = {}
    for key, value in data.items():
        if key.startswith("kept_") and len(key) < 40:
            for raw in value if isinstance(value, list) else [value]:
                if isinstance(raw, str) and raw.isdigit() and len(raw) < 12:
                    kept.setdefault(key[5:], []).append(int(raw))
    return kept


class InspectionPages(Controller):
    include_in_schema = False

    @get("/inspect", sync_to_thread=True, guards=[requires(Permission.INSPECTIONS_WRITE)])
    def plan(self, request: Request, db: DB, clock: AppClock, user: Me, month: FromQuery[str | None] = None) -> Response:
        return page(request, "inspection/plan.html", **services.plan_page(db, user, month or month_of(clock())))

    @post("/inspect/plans", sync_to_thread=True, guards=[requires(Permission.INSPECTIONS_WRITE)])
    def draw_plans(self, db: DB, clock: AppClock, user: Me, month: FromQuery[str]) -> Redirect:
        """Draw the month's missing plans now rather than wait for the worker."""
        services.ensure_plans(db, clock, month, user.actor)
        return Redirect(f"/inspect?month={month}")

    @get("/inspect/site/{site_id:int}", sync_to_thread=True, guards=[requires(Permission.INSPECTIONS_WRITE)])
    def form(self, request: Request, site_id: PathId, db: DB, clock: AppClock,
             supersedes: QueryId = None) -> Response:
        return self._form(request, db, clock, site_id, supersedes)

    def _form(self, request: Request, db: Session, clock: Clock, site_id: int, supersedes: int | None, *, status: int = 200,
              error: str | None = None, errors: list | None = None, form: dict | None = None,
              kept: dict[str, list[int]] | None = None) -> Response:
        return page(request, "inspection/form.html", status_code=status, supersedes=supersedes, error=error,
                    errors=errors or [], form=form or {}, kept=kept or {}, **services.form_page(db, clock, site_id))

    @post("/inspect/site/{site_id:int}", sync_to_thread=True, guards=[requires(Permission.INSPECTIONS_WRITE)],
          request_max_body_size=MAX_FORM_BYTES)
    def submit(self, request: Request, site_id: PathId, data: UploadData, db: DB, clock: AppClock,
               storage: AppStorage, user: Me) -> Response:
        supersedes = None
        try:
            supersedes = form_id({"supersedes": str(data.get("supersedes") or "")}, "supersedes")
            given = inputs.convert(InspectionIn, {
                "site_id": site_id, "note": data.get("note"), "supersedes_id": supersedes,
                "correction_reason": data.get("reason"),
                "findings": [{"item_code": k[6:], "count": v or "0", "note": data.get(f"note_{k[6:]}")}
                             for k, v in data.items() if k.startswith("count_")]})
            findings = services.parse_findings(given.findings)
            inspected_at = None
            if data.get("inspected_at"):
                try:
                    inspected_at = parse_deadline(data["inspected_at"])
                except ValueError:
                    raise InvalidInput("Not a date and time; use ISO 8601, e.g. 2026-12-31T09:30.") from None
            done = services.submit(db, clock, storage, user, site_id=site_id, inspected_at=inspected_at,
                                   findings=findings, photos=_uploads(data), note=given.note,
                                   supersedes_id=given.supersedes_id, correction_reason=given.correction_reason,
                                   kept=_kept_ids(data))
        except ProcureError as exc:
            db.rollback()
            detail, _, errors = form_errors(exc, scope_locale(request.scope))
            form = {k: v for k, v in data.items() if isinstance(v, str)}
            kept = services.keep_photos(db, clock, storage, user, _uploads(data))
            for code, ids in _kept_ids(data).items():  # kept from an earlier attempt: still kept
                kept.setdefault(code, []).extend(ids)
            return self._form(request, db, clock, site_id, supersedes, status=exc.status_code, error=detail,
                              errors=errors, form=form, kept=kept)
        return Redirect(f"/inspections/{done.inspection.id}?new=1")

    @get("/inspections/{inspection_id:int}", sync_to_thread=True, guards=[requires()])
    def show(self, request: Request, inspection_id: PathId, db: DB, user: Me) -> Response:
        return page(request, "inspection/detail.html", new=request.query_params.get("new") == "1",
                    **services.inspection_page(db, user, inspection_id))

    @get("/inspections/{inspection_id:int}/report.pdf", sync_to_thread=True, guards=[requires()])
    def pdf(self, request: Request, inspection_id: PathId, db: DB, pdf: Pdf, storage: AppStorage, user: Me) -> Response:
        context = services.inspection_print(db, storage, user, inspection_id) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/inspection.html", context),
                            f"考核记录-{inspection_id}.pdf")

    @get("/contracts/{contract_id:int}/month", sync_to_thread=True, guards=[requires()])
    def month(self, request: Request, contract_id: PathId, db: DB, clock: AppClock, user: Me,
              month: FromQuery[str | None] = None) -> Response:
        month = month or month_of(clock())
        return page(request, "inspection/month.html", cm=services.contract_month_for(db, clock, user, contract_id, month),
                    month=month)

    @get("/contracts/{contract_id:int}/month.pdf", sync_to_thread=True, guards=[requires()])
    def month_pdf(self, request: Request, contract_id: PathId, db: DB, clock: AppClock, user: Me, pdf: Pdf,
                  month: FromQuery[str]) -> Response:
        cm = services.contract_month_for(db, clock, user, contract_id, month)
        return pdf_response(pdf.render("pdf/contract_month.html", {"cm": cm, "locale": scope_locale(request.scope)}),
                            f"月度考核-{cm.contract.number}-{month}.pdf")

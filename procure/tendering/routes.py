"""Tenders: JSON API (DESIGN §6) and pages. Thin: parse, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect

from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.contractors import services as contractors
from sqlalchemy.orm import Session

from procure.kernel.i18n import N_
from procure.kernel.clock import BUREAU_TZ, Clock
from procure.kernel import inputs
from procure.kernel.settings import Settings
from procure.kernel.errors import ProcureError
from procure.kernel.pagination import PageRequest
from procure.documents.pdf import PdfRenderer
from procure.tendering import services
from procure.tendering.models import Tender
from procure.tendering.rules import TenderState
from procure.tendering.schemas import (
    PublishIn,
    AmendmentIn, AnswerIn, QuestionIn, ReasonIn, TenderIn, TenderOut, TenderPage, TenderSummary,
)
from procure.tendering.services import TenderFilter
from procure.kernel.web import done, scope_locale, pdf_response, AppClock, AppSettings, DB, form_errors, form_id, FormData, page, PageNo, PathId
from procure.accounts.web import MaybeMe, Me, requires
from procure.documents.web import Pdf



def notice_pdf(pdf: PdfRenderer, context: dict[str, Any], locale: str = "zh_CN") -> bytes:
    return pdf.render("pdf/tender_notice.html", context | {"locale": locale})


class TendersApi(Controller):
    path = "/api/v1"
    tags = ["tenders"]

    @post("/tenders", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)], summary="Create a draft tender")
    def create(self, data: JSONBody[TenderIn], db: DB, clock: AppClock, settings: AppSettings, user: Me) -> TenderOut:
        return TenderOut.of(services.create_tender(db, clock, user.actor, data), show_unanswered=True)

    @patch("/tenders/{tender_id:int}", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
           summary="Edit a draft")
    def update(self, tender_id: PathId, data: JSONBody[dict[str, Any]], db: DB, clock: AppClock, user: Me) -> TenderOut:
        return TenderOut.of(services.update_draft(db, clock, user.actor, tender_id, data), show_unanswered=True)

    @get("/tenders", sync_to_thread=True, summary="Published tenders (drafts too, for officers)")
    def index(self, db: DB, clock: AppClock, user: MaybeMe, state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              q: FromQuery[str | None] = None, page_no: PageNo = 1,
              per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> TenderPage:
        officer = user is not None and user.can(Permission.TENDERS_MANAGE)
        result = services.list_tenders(db, clock, TenderFilter(state=state_filter, q=q), PageRequest(page_no, per_page),
                                       include_drafts=officer)
        return TenderPage([TenderSummary(t.id, t.reference, t.title, t.state, t.bid_deadline, t.published_at,
                                         len(t.lots)) for t in result.items], result.total, page_no, per_page)

    @get("/tenders/{tender_id:int}", sync_to_thread=True, summary="One tender")
    def show(self, tender_id: PathId, db: DB, clock: AppClock, user: MaybeMe) -> TenderOut:
        tender = services.visible(user, services.get(db, clock, tender_id))
        return TenderOut.of(tender, show_unanswered=user is not None and user.can(Permission.TENDERS_MANAGE))

    @get("/tenders/{tender_id:int}/notice.pdf", sync_to_thread=True, summary="The tender notice (招标公告) PDF",
         media_type="application/pdf")
    def notice(self, request: Request, tender_id: PathId, db: DB, clock: AppClock, user: MaybeMe, pdf: Pdf) -> Response:
        context = services.notice_view(db, clock, user, tender_id)
        return pdf_response(notice_pdf(pdf, context, scope_locale(request.scope)), f"{context['tender'].reference}-招标公告.pdf")

    @post("/tenders/{tender_id:int}/publish", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Publish (every §4.1 rule is checked)")
    def publish(self, tender_id: PathId, db: DB, clock: AppClock, user: Me,
                data: JSONBody[PublishIn | None] = None) -> TenderOut:
        choice = data or PublishIn()
        return TenderOut.of(services.publish(db, clock, user.actor, tender_id, opening_holders=choice.opening_holders,
                                             opening_threshold=choice.opening_threshold), show_unanswered=True)

    @post("/tenders/{tender_id:int}/amendments", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
          summary="Amend a published tender (更正公告)")
    def amend(self, tender_id: PathId, data: JSONBody[AmendmentIn], db: DB, clock: AppClock, user: Me) -> TenderOut:
        services.amend(db, clock, user.actor, tender_id, data.reason, data.changes)
        return TenderOut.of(services.get(db, clock, tender_id), show_unanswered=True)

    @post("/tenders/{tender_id:int}/cancel", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Cancel with a reason")
    def cancel(self, tender_id: PathId, data: JSONBody[ReasonIn], db: DB, clock: AppClock, user: Me) -> TenderOut:
        return TenderOut.of(services.cancel(db, clock, user.actor, tender_id, data.reason), show_unanswered=True)

    @post("/tenders/{tender_id:int}/enquiries", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)],
          summary="Ask a question (answered publicly, anonymously)")
    def ask(self, tender_id: PathId, data: JSONBody[QuestionIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        contractor = contractors.of_user(db, user)
        enquiry = services.ask(db, clock, user.actor, tender_id, contractor.id, data.question)
        return {"id": enquiry.id, "question": enquiry.question, "asked_at": enquiry.asked_at}

    @post("/enquiries/{enquiry_id:int}/answer", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Answer publicly (a clarification)")
    def answer(self, enquiry_id: PathId, data: JSONBody[AnswerIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        enquiry = services.answer(db, clock, user.actor, enquiry_id, data.answer)
        return {"id": enquiry.id, "answer": enquiry.answer, "answered_at": enquiry.answered_at}

    @post("/lots/{lot_id:int}/retender", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
          summary="Copy an unsuccessful lot into a new draft tender")
    def retender(self, lot_id: PathId, db: DB, clock: AppClock, settings: AppSettings, user: Me) -> TenderOut:
        return TenderOut.of(services.retender(db, clock, user.actor, lot_id), show_unanswered=True)


# --- pages ----------------------------------------------------------------------------------

CRITERIA_ROWS = 6
LOT_ROWS = 3


def _tender_form(data: dict[str, Any]) -> dict[str, Any]:
    """The new/edit page's fields → the service's raw tender."""
    criteria = []
    for i in range(1, CRITERIA_ROWS + 1):
        code, name, points = (str(data.get(f"c{i}_{k}", "")).strip() for k in ("code", "name", "points"))
        if code or name or points:
            criteria.append({"code": code, "name": name, "max_points": points or "0"})
    lots = []
    for i in range(1, LOT_ROWS + 1):
        site_ids = [form_id({"site": k[5:]}, "site") for k, v in data.items() if k.startswith("site_") and str(v) == str(i)]
        fields = {k: str(data.get(f"l{i}_{k}", "")).strip() for k in ("title", "ceiling_price", "term_months", "bid_bond")}
        if site_ids or fields["title"] or fields["ceiling_price"]:
            lots.append({"title": fields["title"] or f"标段{i}", "site_ids": site_ids,
                         "ceiling_price": fields["ceiling_price"] or "0", "term_months": fields["term_months"] or "12",
                         "bid_bond": fields["bid_bond"] or "0"})
    return {"title": data.get("title", ""), "description": data.get("description", ""),
            "method": data.get("method", "comprehensive"), "price_points": data.get("price_points") or None,
            "sme_deduction": data.get("sme_deduction") or None,
            "abnormal_threshold": data.get("abnormal_threshold") or "0.20",
            "bid_deadline": data.get("bid_deadline") or None, "criteria": criteria, "lots": lots,
            "standing_rule": data.get("standing_rule") or "off"}


def _form_of(tender: Tender | None) -> dict[str, Any]:
    if tender is None:
        return {"method": "comprehensive", "price_points": "30", "sme_deduction": "0.10", "abnormal_threshold": "0.20",
                "c1_code": "T1", "c1_name": "养护方案与质量保证措施", "c1_points": "30",
                "c2_code": "T2", "c2_name": "人员、机械设备配置", "c2_points": "20",
                "c3_code": "B1", "c3_name": "类似项目业绩与信誉", "c3_points": "20", "l1_term_months": "12"}
    form: dict[str, Any] = {k: ("" if v is None else str(v)) for k, v in {
        "title": tender.title, "description": tender.description, "method": tender.method,
        "price_points": tender.price_points, "sme_deduction": tender.sme_deduction,
        "abnormal_threshold": tender.abnormal_threshold, "standing_rule": tender.standing_rule}.items()}
    if tender.bid_deadline:
        form["bid_deadline"] = tender.bid_deadline.astimezone(BUREAU_TZ).strftime("%Y-%m-%dT%H:%M")
    for i, c in enumerate(tender.criteria, start=1):
        form |= {f"c{i}_code": c.code, f"c{i}_name": c.name, f"c{i}_points": str(c.max_points)}
    for i, lot in enumerate(tender.lots, start=1):
        form |= {f"l{i}_title": lot.title, f"l{i}_ceiling_price": str(lot.ceiling_price),
                 f"l{i}_term_months": str(lot.term_months), f"l{i}_bid_bond": str(lot.bid_bond)}
        form |= {f"site_{s.id}": str(i) for s in lot.sites}
    return form


def detail_page(request: Request, db: Session, clock: Clock, settings: Settings, user: CurrentUser | None,
                tender_id: int, *, status: int = 200, error: str | None = None,
                errors: list[dict[str, Any]] | None = None) -> Response:
    """The tender page as this user may see it (shared by the tender and bid handlers)."""
    viewer = services.PageViewer(user, scope_locale(request.scope), settings.bid_index_mac_key())
    context = services.tender_page(db, clock, viewer, tender_id)
    return page(request, "tendering/detail.html", status_code=status, error=error, errors=errors or [], **context)


def act_on_tender(request: Request, db: Session, clock: Clock, settings: Settings, user: CurrentUser,
                  tender_id: int, action: Callable[[], object], *, anchor: str = "", said: str | None = None) -> Response:
    """Run one action from the tender page (bidding's too): back to the page (at ``anchor``, saying
    ``said``), or the page again with the error."""
    try:
        action()
    except ProcureError as exc:
        db.rollback()
        detail, _, errors = form_errors(exc, scope_locale(request.scope))
        return detail_page(request, db, clock, settings, user, tender_id, status=exc.status_code, error=detail,
                           errors=errors)
    return done(f"/tenders/{tender_id}{anchor}", request, said) if said else Redirect(f"/tenders/{tender_id}{anchor}")


class TenderPages(Controller):
    path = "/tenders"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(self, request: Request, db: DB, clock: AppClock, user: MaybeMe, state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              page_no: PageNo = 1) -> Response:
        officer = user is not None and user.can(Permission.TENDERS_MANAGE)
        result = services.list_tenders(db, clock, TenderFilter(state=state_filter or None), PageRequest(page_no, 20),
                                       include_drafts=officer)
        return page(request, "tendering/list.html", result=result, state=state_filter or "", states=list(TenderState))

    def _editor(self, request: Request, db: Session, clock: Clock, tender: Tender | None, form: dict[str, Any],
                status: int = 200, error: str | None = None, errors: list | None = None) -> Response:
        return page(request, "tendering/form.html", status_code=status, form=form,
                    criteria_rows=CRITERIA_ROWS, lot_rows=LOT_ROWS, error=error, errors=errors or [],
                    **services.editor_page(db, clock, tender))

    @get("/new", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def new(self, request: Request, db: DB, clock: AppClock) -> Response:
        return self._editor(request, db, clock, None, _form_of(None))

    @post("/new", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def create(self, request: Request, data: FormData, db: DB, clock: AppClock, settings: AppSettings, user: Me) -> Response:
        try:
            tender = services.create_tender(db, clock, user.actor, inputs.convert(TenderIn, _tender_form(data)))
        except ProcureError as exc:
            db.rollback()
            detail, _, errors = form_errors(exc, scope_locale(request.scope))
            return self._editor(request, db, clock, None, data, exc.status_code, detail, errors)
        return done(f"/tenders/{tender.id}", request, N_("The draft is saved. Check it, then publish it."))

    @get("/{tender_id:int}/edit", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def edit(self, request: Request, tender_id: PathId, db: DB, clock: AppClock) -> Response:
        tender = services.get(db, clock, tender_id)
        return self._editor(request, db, clock, tender, _form_of(tender))

    @post("/{tender_id:int}/edit", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def update(self, request: Request, tender_id: PathId, data: FormData, db: DB, clock: AppClock,
               user: Me) -> Response:
        try:
            services.update_draft(db, clock, user.actor, tender_id, _tender_form(data))  # merged, then converted
        except ProcureError as exc:
            db.rollback()
            detail, _, errors = form_errors(exc, scope_locale(request.scope))
            return self._editor(request, db, clock, services.get(db, clock, tender_id), data, exc.status_code,
                                detail, errors)
        return done(f"/tenders/{tender_id}", request, N_("The draft is saved."))

    @get("/{tender_id:int}", sync_to_thread=True)
    def show(self, request: Request, tender_id: PathId, db: DB, clock: AppClock, settings: AppSettings,
             user: MaybeMe) -> Response:
        return detail_page(request, db, clock, settings, user, tender_id)

    def _act(self, request: Request, db: Session, clock: Clock, settings: Settings, user: CurrentUser,
             tender_id: int, action: Callable[[], object], said: str | None = None) -> Response:
        return act_on_tender(request, db, clock, settings, user, tender_id, action, said=said)

    @post("/{tender_id:int}/publish", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def publish(self, request: Request, tender_id: PathId, data: FormData, db: DB, clock: AppClock,
                settings: AppSettings, user: Me) -> Response:
        # One checkbox per official (holder_<user id>): the form body is read as a plain dict.
        holders = [int(k[7:]) for k in data if k.startswith("holder_") and k[7:].isdigit() and len(k) < 20]
        threshold = str(data.get("opening_threshold") or "").strip()
        return self._act(request, db, clock, settings, user, tender_id, lambda: services.publish(
            db, clock, user.actor, tender_id, opening_holders=holders if "opening_threshold" in data else None,
            opening_threshold=int(threshold) if threshold.isdigit() and len(threshold) < 3 else None),
            said=N_("The tender is published: companies can see it and bid until the deadline."))

    @post("/{tender_id:int}/amend", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def amend(self, request: Request, tender_id: PathId, data: FormData, db: DB, clock: AppClock,
              settings: AppSettings, user: Me) -> Response:
        changes = {k: data[k] for k in ("description", "bid_deadline") if data.get(k)}
        return self._act(request, db, clock, settings, user, tender_id,
                         lambda: services.amend(db, clock, user.actor, tender_id, data.get("reason", ""), changes),
                         said=N_("The amendment is published; every company that may bid is told."))

    @post("/{tender_id:int}/cancel", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def cancel(self, request: Request, tender_id: PathId, data: FormData, db: DB, clock: AppClock,
               settings: AppSettings, user: Me) -> Response:
        return self._act(request, db, clock, settings, user, tender_id,
                         lambda: services.cancel(db, clock, user.actor, tender_id, data.get("reason", "")),
                         said=N_("The tender is cancelled; every company that may bid is told."))

    @post("/{tender_id:int}/ask", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)])
    def ask(self, request: Request, tender_id: PathId, data: FormData, db: DB, clock: AppClock,
            settings: AppSettings, user: Me) -> Response:
        return self._act(request, db, clock, settings, user, tender_id, lambda: services.ask(
            db, clock, user.actor, tender_id, contractors.of_user(db, user).id, data.get("question", "")),
            said=N_("Your question is sent; the answer will be published to every bidder."))

    @post("/{tender_id:int}/enquiries/{enquiry_id:int}/answer", sync_to_thread=True,
          guards=[requires(Permission.TENDERS_MANAGE)])
    def answer(self, request: Request, tender_id: PathId, enquiry_id: PathId, data: FormData, db: DB,
               clock: AppClock, settings: AppSettings, user: Me) -> Response:
        return self._act(request, db, clock, settings, user, tender_id,
                         lambda: services.answer(db, clock, user.actor, enquiry_id, data.get("answer", "")),
                         said=N_("The answer is published."))

    @post("/{tender_id:int}/lots/{lot_id:int}/retender", sync_to_thread=True,
          guards=[requires(Permission.TENDERS_MANAGE)])
    def retender(self, request: Request, tender_id: PathId, lot_id: PathId, db: DB, clock: AppClock,
                 settings: AppSettings, user: Me) -> Response:
        try:
            copy = services.retender(db, clock, user.actor, lot_id)
        except ProcureError as exc:
            db.rollback()
            detail, _, errors = form_errors(exc, scope_locale(request.scope))
            return detail_page(request, db, clock, settings, user, tender_id, status=exc.status_code, error=detail)
        return Redirect(f"/tenders/{copy.id}/edit")

    @get("/{tender_id:int}/notice.pdf", sync_to_thread=True)
    def notice(self, request: Request, tender_id: PathId, db: DB, clock: AppClock, user: MaybeMe, pdf: Pdf) -> Response:
        context = services.notice_view(db, clock, user, tender_id)
        return pdf_response(notice_pdf(pdf, context, scope_locale(request.scope)), f"{context['tender'].reference}-招标公告.pdf")

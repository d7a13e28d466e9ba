"""Awards: API and pages (publicity, objections, the notice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody

from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.accounts.web import MaybeMe, Me, requires
from procure.awards import services
from procure.awards.schemas import AnswerIn, AwardOut, ObjectionOut, ProposeIn, TextIn
from procure.documents.web import Pdf
from procure.evaluation import services as evaluation
from procure.kernel.i18n import N_
from procure.kernel.clock import Clock
from procure.kernel.errors import NotFound
from procure.kernel import inputs
from procure.kernel.web import scope_locale, DB, AppClock, FormData, PathId, attempt, page, pdf_response
from sqlalchemy.orm import Session


class AwardsApi(Controller):
    path = "/api/v1"
    tags = ["awards"]

    @post("/lots/{lot_id:int}/award", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
          summary="Propose the winner (rank 1, or another candidate with a reason) and publish the candidates")
    def propose(self, lot_id: PathId, db: DB, clock: AppClock, user: Me,
                data: JSONBody[ProposeIn | None] = None) -> AwardOut:
        award = services.propose(db, clock, user.actor, lot_id, data.bid_id if data else None, data.reason if data else "")
        return services.award_view(db, award)

    @get("/awards/{award_id:int}", sync_to_thread=True, summary="An award with its publicity and objections")
    def show(self, award_id: PathId, db: DB) -> AwardOut:
        return services.award_view(db, services.get(db, award_id))

    @post("/awards/{award_id:int}/objections", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)],
          summary="A bidder objects during the publicity (质疑)")
    def objection(self, award_id: PathId, data: JSONBody[TextIn], db: DB, clock: AppClock, user: Me) -> ObjectionOut:
        o = services.object_to(db, clock, user, award_id, data.text)
        return ObjectionOut(o.id, o.text, o.filed_at, o.answer, o.answered_at)

    @post("/objections/{objection_id:int}/answer", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Answer an objection")
    def answer(self, objection_id: PathId, data: JSONBody[AnswerIn], db: DB, clock: AppClock, user: Me) -> ObjectionOut:
        o = services.answer_objection(db, clock, user.actor, objection_id, data.answer)
        return ObjectionOut(o.id, o.text, o.filed_at, o.answer, o.answered_at)

    @post("/awards/{award_id:int}/notice", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Issue the award notice (中标通知书); drafts the contract")
    def notice(self, award_id: PathId, db: DB, clock: AppClock, user: Me) -> AwardOut:
        return services.award_view(db, services.issue_notice(db, clock, user.actor, award_id))

    @get("/awards/{award_id:int}/notice.pdf", sync_to_thread=True, media_type="application/pdf",
         summary="The award notice PDF")
    def notice_pdf(self, request: Request, award_id: PathId, db: DB, pdf: Pdf) -> Response:
        context = services.notice_view(db, award_id) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/award_notice.html", context), f"中标通知书-{award_id}.pdf")

    @get("/lots/{lot_id:int}/my-result", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)],
         summary="My own score and rank, after the notice")
    def my_result(self, lot_id: PathId, db: DB, user: Me) -> dict[str, Any]:
        found = services.my_result(db, user, lot_id)
        if found is None:
            raise NotFound("No result to show yet.")
        result, award = found
        s = lambda v: None if v is None else str(v)  # noqa: E731
        return {"lot_id": lot_id, "rank": result.rank, "total": s(result.total), "price_score": s(result.price_score),
                "technical_score": s(result.technical_score), "evaluated_price": s(result.evaluated_price),
                "compliant": result.compliant, "won": award.bid_id == result.bid_id}


class AwardPages(Controller):
    include_in_schema = False

    @get("/awards/{award_id:int}", sync_to_thread=True)
    def show(self, request: Request, award_id: PathId, db: DB, clock: AppClock, user: MaybeMe) -> Response:
        return self._page(request, db, clock, user, award_id)

    def _page(self, request: Request, db: Session, clock: Clock, user: CurrentUser | None, award_id: int, *, status: int = 200,
              error: str | None = None) -> Response:
        return page(request, "awards/award.html", status_code=status, error=error,
                    **services.award_page(db, clock, user, award_id))

    def _act(self, request: Request, db: Session, clock: Clock, user: CurrentUser | None, award_id: int, action: Callable[[], object],
             said: str | None = None) -> Response:
        return attempt(request, db, action, success=f"/awards/{award_id}", said=said, on_error=lambda status, message: self._page(
            request, db, clock, user, award_id, status=status, error=message))

    @post("/lots/{lot_id:int}/award", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def propose(self, request: Request, lot_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        """Proposed from the lot's evaluation overview, which shows the refusal if there is one."""
        def action() -> object:
            given = inputs.convert(ProposeIn, {"bid_id": data.get("bid_id"), "reason": data.get("reason")})
            return services.propose(db, clock, user.actor, lot_id, given.bid_id, given.reason)
        return attempt(request, db, action, success=f"/lots/{lot_id}/evaluation", said=N_("The award is proposed and published for objections."),
                       on_error=lambda status, message: page(
                request, "evaluation/overview.html", status_code=status, error=message,
                **evaluation.overview_page(db, clock, lot_id)))

    @post("/awards/{award_id:int}/object", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)])
    def object_to(self, request: Request, award_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        return self._act(request, db, clock, user, award_id,
                         lambda: services.object_to(db, clock, user, award_id, data.get("text", "")),
                         said=N_("Your objection is lodged; the bureau must answer it in writing."))

    @post("/awards/{award_id:int}/objections/{objection_id:int}/answer", sync_to_thread=True,
          guards=[requires(Permission.TENDERS_MANAGE)])
    def answer(self, request: Request, award_id: PathId, objection_id: PathId, data: FormData, db: DB,
               clock: AppClock, user: Me) -> Response:
        return self._act(request, db, clock, user, award_id,
                         lambda: services.answer_objection(db, clock, user.actor, objection_id, data.get("answer", "")),
                         said=N_("The answer is recorded and sent to the company."))

    @post("/awards/{award_id:int}/notice", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def notice(self, request: Request, award_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._act(request, db, clock, user, award_id,
                         lambda: services.issue_notice(db, clock, user.actor, award_id),
                         said=N_("The award notice is issued; every bidder is told the result."))

    @get("/awards/{award_id:int}/notice.pdf", sync_to_thread=True)
    def notice_pdf(self, request: Request, award_id: PathId, db: DB, pdf: Pdf) -> Response:
        context = services.notice_view(db, award_id) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/award_notice.html", context), f"中标通知书-{award_id}.pdf")

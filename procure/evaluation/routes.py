"""Evaluation: API (DESIGN §6) and the evaluator's and officer's pages."""

from __future__ import annotations

import re

from collections.abc import Callable

from sqlalchemy.orm import Session

from procure.accounts.services import CurrentUser
from procure.kernel.i18n import N_
from procure.kernel.clock import Clock

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody


from procure.accounts.rules import Permission
from procure.evaluation.models import Committee
from procure.tendering.models import Lot
from procure.evaluation import rules, services
from procure.evaluation.schemas import (
    AbnormalIn, CommitteeIn, CommitteeOut, ComplianceIn, DeclarationIn, EvaluationOut, FinalizeIn, MemberOut,
    RelationIn, ReplacementIn, ScoresIn,
)
from procure.kernel.web import scope_locale, pdf_response
from procure.kernel import inputs
from procure.kernel.web import AppClock, attempt, DB, FormData, page, PathId
from procure.accounts.web import Me, requires
from procure.documents.web import Pdf



def committee_out(committee: Committee, lot: Lot) -> CommitteeOut:
    present = services.present_members(committee)
    experts = sum(1 for m in present if m.is_expert)
    return CommitteeOut(committee.lot_id, committee.draw_seed,
                        [MemberOut(m.user_id, m.user.display_name, m.is_expert, m.declared_at is not None,
                                   m.sheet_submitted_at is not None, not m.present, m.conflict, m.draw_seed)
                         for m in committee.members],
                        committee.finalized_at is not None, len(present), experts,
                        bool(rules.committee_problems(len(present), experts, lot.ceiling_price)))


#: A sheet's field: the points of one criterion for one bid.
SHEET_FIELD = re.compile(r"p_(\d{1,12})_([A-Za-z0-9_-]{1,32})")


class EvaluationApi(Controller):
    path = "/api/v1"
    tags = ["evaluation"]

    @post("/lots/{lot_id:int}/committee", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
          summary="Form the committee: {members:[user ids]} or {draw: n, seed}")
    def committee(self, lot_id: PathId, data: JSONBody[CommitteeIn], db: DB, clock: AppClock, user: Me) -> CommitteeOut:
        committee = services.form_committee(db, clock, user.actor, lot_id, members=data.members, draw=data.draw,
                                            seed=data.seed)
        return committee_out(committee, services.lot_of(db, clock, lot_id))

    @post("/lots/{lot_id:int}/committee/replacement", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
          summary="Draw one expert to replace a member who withdrew: {seed} (optional, recorded)")
    def replacement(self, lot_id: PathId, db: DB, clock: AppClock, user: Me,
                    data: JSONBody[ReplacementIn | None] = None) -> CommitteeOut:
        services.draw_replacement(db, clock, user.actor, lot_id, seed=data.seed if data else None)
        committee = services.committee_of(db, lot_id)
        assert committee is not None  # draw_replacement refuses a lot without a committee
        return committee_out(committee, services.lot_of(db, clock, lot_id))

    @post("/lots/{lot_id:int}/declaration", sync_to_thread=True, status_code=200, guards=[requires(Permission.COMMITTEE_SIT)],
          summary="A member declares, before seeing the bids: {no_conflict: true}, or {no_conflict: false, relation} "
                  "and withdraws")
    def declaration(self, lot_id: PathId, data: JSONBody[DeclarationIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        member = services.declare(db, clock, user, lot_id, data.no_conflict, data.relation)
        return {"lot_id": lot_id, "declared": member.present, "left_committee": not member.present}

    @post("/lots/{lot_id:int}/compliance", sync_to_thread=True, status_code=200, guards=[requires(Permission.COMMITTEE_SIT)],
          summary="My view of a bid in the compliance review (符合性审查); the committee's result is the majority")
    def compliance(self, lot_id: PathId, data: JSONBody[ComplianceIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        mine = services.record_compliance(db, clock, user, lot_id, data.bid_id, data.compliant, data.reason)
        return {"bid_id": mine.bid_id, "compliant": mine.compliant, "reason": mine.reason,
                "committee_result": mine.committee.result, "views": len(mine.committee.views),
                "present": mine.committee.present}

    @post("/lots/{lot_id:int}/abnormal", sync_to_thread=True, status_code=200, guards=[requires(Permission.COMMITTEE_SIT)],
          summary="The committee's decision on an abnormally low bid")
    def abnormal(self, lot_id: PathId, data: JSONBody[AbnormalIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        review = services.record_abnormal(db, clock, user, lot_id, data.bid_id, data.decision, data.reason)
        return {"bid_id": review.bid_id, "decision": review.abnormal_decision, "reason": review.abnormal_reason}

    @post("/lots/{lot_id:int}/scores", sync_to_thread=True, status_code=200, guards=[requires(Permission.COMMITTEE_SIT)],
          summary="A member's points for a bid: {bid_id, points:{criterion_code: \"12.5\"}}")
    def scores(self, lot_id: PathId, data: JSONBody[ScoresIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        saved = services.record_scores(db, clock, user, lot_id, data.bid_id, data.points)
        return {"bid_id": data.bid_id, "points": {s.criterion_code: str(s.points) for s in saved}}

    @post("/lots/{lot_id:int}/sheet", sync_to_thread=True, status_code=200, guards=[requires(Permission.COMMITTEE_SIT)],
          summary="Submit my score sheet (then I see the others')")
    def sheet(self, lot_id: PathId, db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        member = services.submit_sheet(db, clock, user, lot_id)
        return {"lot_id": lot_id, "submitted_at": member.sheet_submitted_at}

    @get("/lots/{lot_id:int}/evaluation", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
         summary="Ranking: per bid evaluated_price, price_score, technical_score, total, rank, flags")
    def evaluation(self, lot_id: PathId, db: DB, clock: AppClock) -> EvaluationOut:
        return services.evaluation_view(db, clock, lot_id)

    @post("/lots/{lot_id:int}/evaluation/finalize", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Compute and record the ranking")
    def finalize(self, lot_id: PathId, db: DB, clock: AppClock, user: Me,
                 data: JSONBody[FinalizeIn | None] = None) -> EvaluationOut:
        services.finalize(db, clock, user.actor, lot_id, seed=data.seed if data else None)
        return services.evaluation_view(db, clock, lot_id)

    @get("/lots/{lot_id:int}/evaluation/report.pdf", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
         summary="The evaluation report (评标报告) PDF", media_type="application/pdf")
    def report(self, request: Request, lot_id: PathId, db: DB, clock: AppClock, user: Me, pdf: Pdf) -> Response:
        context = services.report_view(db, clock, lot_id, user) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/evaluation_report.html", context), f"评标报告-标段{lot_id}.pdf")

    @post("/me/relations", sync_to_thread=True, guards=[requires(Permission.COMMITTEE_SIT)],
          summary="An expert declares a relation to a company (回避)")
    def relation(self, data: JSONBody[RelationIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        found = services.declare_relation(db, clock, user, data.contractor_id, data.relation)
        return {"id": found.id, "contractor_id": found.contractor_id, "relation": found.relation}


class EvaluationPages(Controller):
    include_in_schema = False

    @get("/evaluations", sync_to_thread=True, guards=[requires(Permission.EVALUATIONS_VIEW)])
    def mine(self, request: Request, db: DB, user: Me) -> Response:
        return page(request, "evaluation/mine.html", committees=services.my_committees(db, user))

    @get("/lots/{lot_id:int}/evaluate", sync_to_thread=True, guards=[requires(Permission.COMMITTEE_SIT)])
    def sheet(self, request: Request, lot_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._sheet(request, db, clock, user, lot_id)

    def _sheet(self, request: Request, db: Session, clock: Clock, user: CurrentUser, lot_id: int, *, status: int = 200,
               error: str | None = None) -> Response:
        return page(request, "evaluation/sheet.html", status_code=status, error=error,
                    **services.sheet_page(db, clock, user, lot_id))

    def _act(self, request: Request, db: Session, clock: Clock, user: CurrentUser, lot_id: int, action: Callable[[], object],
             said: str | None = None) -> Response:
        return attempt(request, db, action, success=f"/lots/{lot_id}/evaluate", said=said, on_error=lambda status, message: self._sheet(
            request, db, clock, user, lot_id, status=status, error=message))

    @post("/lots/{lot_id:int}/evaluate/declare", sync_to_thread=True, guards=[requires(Permission.COMMITTEE_SIT)])
    def declare(self, request: Request, lot_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        choice = {"no_conflict": True, "conflict": False}.get(data.get("declaration", ""))
        return self._act(request, db, clock, user, lot_id, lambda: services.declare(
            db, clock, user, lot_id, choice, data.get("relation", "")), said=N_("Your declaration is recorded."))

    @post("/lots/{lot_id:int}/evaluate/compliance", sync_to_thread=True, guards=[requires(Permission.COMMITTEE_SIT)])
    def compliance(self, request: Request, lot_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        def action() -> object:
            given = inputs.convert(ComplianceIn, {"bid_id": data.get("bid_id"), "compliant": data.get("compliant") == "yes",
                                                  "reason": data.get("reason", "")})
            return services.record_compliance(db, clock, user, lot_id, given.bid_id, given.compliant, given.reason)
        return self._act(request, db, clock, user, lot_id, action, said=N_("Compliance recorded."))

    @post("/lots/{lot_id:int}/evaluate/abnormal", sync_to_thread=True, guards=[requires(Permission.COMMITTEE_SIT)])
    def abnormal(self, request: Request, lot_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        def action() -> object:
            given = inputs.convert(AbnormalIn, {k: data.get(k) for k in ("bid_id", "decision", "reason")})
            return services.record_abnormal(db, clock, user, lot_id, given.bid_id, given.decision, given.reason)
        return self._act(request, db, clock, user, lot_id, action, said=N_("Decision recorded."))

    @post("/lots/{lot_id:int}/evaluate/scores", sync_to_thread=True, guards=[requires(Permission.COMMITTEE_SIT)])
    def scores(self, request: Request, lot_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        """The member's whole sheet in one form (``p_<bid>_<criterion>``), so saving one bid's
        points never loses what was typed for another; all are saved or, on an error, none, and
        the sheet comes back with everything typed."""
        per_bid: dict[str, dict[str, str]] = {}
        for key, value in data.items():
            found = SHEET_FIELD.fullmatch(key)
            if found and str(value).strip() != "":
                per_bid.setdefault(found[1], {})[found[2]] = str(value)
        if data.get("bid_id"):  # one bid's points (p_<criterion>), as a script may send them
            per_bid.setdefault(str(data["bid_id"]), {}).update(
                {k[2:]: str(v) for k, v in data.items() if k.startswith("p_") and not SHEET_FIELD.fullmatch(k)
                 and str(v).strip() != ""})

        def action() -> object:
            services.sitting_member(db, user, lot_id)  # whoever is not a member learns nothing, changes nothing
            for bid_id, points in per_bid.items():
                given = inputs.convert(ScoresIn, {"bid_id": bid_id, "points": points})
                services.record_scores(db, clock, user, lot_id, given.bid_id, given.points)
            return None
        return attempt(request, db, action, success=f"/lots/{lot_id}/evaluate#my-sheet", said=N_("Scores saved."),
                       on_error=lambda status, message: page(request, "evaluation/sheet.html", status_code=status,
                                                             error=message, typed=dict(data),
                                                             **services.sheet_page(db, clock, user, lot_id)))

    @post("/lots/{lot_id:int}/evaluate/submit", sync_to_thread=True, guards=[requires(Permission.COMMITTEE_SIT)])
    def submit(self, request: Request, lot_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._act(request, db, clock, user, lot_id, lambda: services.submit_sheet(db, clock, user, lot_id),
                         said=N_("Your score sheet is submitted; it can no longer be changed."))

    # --- the officer's view of a lot's evaluation and award ------------------------------------

    @get("/lots/{lot_id:int}/evaluation", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def overview(self, request: Request, lot_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._overview(request, db, clock, lot_id)

    def _overview(self, request: Request, db: Session, clock: Clock, lot_id: int, *, status: int = 200,
                  error: str | None = None) -> Response:
        return page(request, "evaluation/overview.html", status_code=status, error=error,
                    **services.overview_page(db, clock, lot_id))

    def _officer_act(self, request: Request, db: Session, clock: Clock, lot_id: int, action: Callable[[], object],
                     said: str | None = None) -> Response:
        return attempt(request, db, action, success=f"/lots/{lot_id}/evaluation", said=said,
                       on_error=lambda status, message: self._overview(request, db, clock, lot_id, status=status,
                                                                       error=message))

    @post("/lots/{lot_id:int}/evaluation/committee", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def form_committee(self, request: Request, lot_id: PathId, data: FormData, db: DB, clock: AppClock,
                       user: Me) -> Response:
        def action() -> object:
            if data.get("mode") == "draw":
                given = inputs.convert(CommitteeIn, {"draw": data.get("draw"), "seed": data.get("seed")})
                return services.form_committee(db, clock, user.actor, lot_id, seed=given.seed,
                                               draw=5 if given.draw is None else given.draw)  # empty: 87号令 第47条's least
            picked = [k[2:] for k, v in data.items() if k.startswith("m_") and v == "on"]
            return services.form_committee(db, clock, user.actor, lot_id,
                                           members=inputs.convert(CommitteeIn, {"members": picked}).members or [])
        return self._officer_act(request, db, clock, lot_id, action, said=N_("The committee is formed; its members are told."))

    @post("/lots/{lot_id:int}/evaluation/replacement", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def replacement(self, request: Request, lot_id: PathId, data: FormData, db: DB, clock: AppClock,
                    user: Me) -> Response:
        return self._officer_act(request, db, clock, lot_id, lambda: services.draw_replacement(
            db, clock, user.actor, lot_id, seed=inputs.convert(ReplacementIn, {"seed": data.get("seed")}).seed))

    @post("/lots/{lot_id:int}/evaluation/finalize", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def finalize(self, request: Request, lot_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._officer_act(request, db, clock, lot_id, lambda: services.finalize(db, clock, user.actor, lot_id),
                                 said=N_("The evaluation is final; the ranking can no longer change."))

    @get("/lots/{lot_id:int}/evaluation/report.pdf", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def report(self, request: Request, lot_id: PathId, db: DB, clock: AppClock, user: Me, pdf: Pdf) -> Response:
        context = services.report_view(db, clock, lot_id, user) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/evaluation_report.html", context), f"评标报告-标段{lot_id}.pdf")

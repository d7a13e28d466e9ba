"""定标: proposing the winner, publicity, objections, the award notice (DESIGN §4.4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.accounts import policy
from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import Actor
from procure.awards.models import Award, Objection
from procure.awards.schemas import AwardOut, ObjectionOut
from procure.awards.rules import AwardState, CANDIDATES, can_notify, can_object, publicity_ends
from procure.bidding.models import Bid
from procure.kernel.clock import BUREAU_TZ, Clock
from procure.contractors import services as contractors
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from procure.kernel.hooks import Port
from procure.evaluation import services as evaluation
from procure.evaluation.models import EvaluationResult
from procure.kernel.i18n import N_
from procure.tendering import services as tenders
from procure.tendering.models import Lot, Tender
from procure.tendering.rules import LotState, TenderState


def get(session: Session, award_id: int) -> Award:
    award = session.scalar(select(Award).where(Award.id == award_id).options(selectinload(Award.objections)))
    if award is None:
        raise NotFound("Award {id} does not exist.", id=award_id)
    return award


def of_lot(session: Session, lot_id: int) -> Award | None:
    return session.scalar(select(Award).where(Award.lot_id == lot_id))


def candidates(session: Session, lot_id: int) -> list[EvaluationResult]:
    """中标候选人: the first three in rank."""
    return [r for r in evaluation.results(session, lot_id) if r.rank is not None][:CANDIDATES]


def _bidder_users(session: Session, lot: Lot) -> list[int]:
    contractor_ids = select(Bid.contractor_id).where(Bid.lot_id == lot.id, Bid.state == "submitted")
    return list(session.scalars(select(User.id).where(User.contractor_id.in_(contractor_ids))))


def propose(session: Session, clock: Clock, actor: Actor, lot_id: int, bid_id: int | None = None,
            reason: str = "") -> Award:
    lot = tenders.get_lot(session, clock, lot_id)
    committee = evaluation.committee_of(session, lot.id)
    if committee is None or committee.finalized_at is None or lot.state != LotState.ACTIVE:
        raise Conflict("The evaluation of this lot must be finalised (and the lot not unsuccessful) first.")
    if of_lot(session, lot.id) is not None:
        raise Conflict("An award is already proposed for this lot.")
    ranked = candidates(session, lot.id)
    chosen = ranked[0] if bid_id is None else next((r for r in ranked if r.bid_id == bid_id), None)
    if chosen is None:
        raise InvalidInput("Only one of the first three candidates can be proposed.")
    if chosen.rank != 1 and not reason.strip():
        raise InvalidInput("Proposing a candidate other than the first needs a recorded reason.",
                           errors=[{"field": "reason", "message": "Required."}])
    now = clock()
    award = Award(lot_id=lot.id, bid_id=chosen.bid_id, rank=chosen.rank, reason=reason.strip(),
                  state=AwardState.PUBLICITY, proposed_at=now, proposed_by_id=actor.id,
                  publicity_ends_at=publicity_ends(now))
    session.add(award)
    session.flush()
    accounts.notify(session, clock, _bidder_users(session, lot),
                    N_("The candidates of lot {lot} of tender {reference} are published until {ends}."),
                    f"/tenders/{lot.tender_id}", lot=lot.number, reference=lot.tender.reference,
                    ends=award.publicity_ends_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M"))
    audit.record(session, clock, actor, "award.propose", "award", award.id, None,
                 {"lot": lot.id, "bid": chosen.bid_id, "rank": chosen.rank, "reason": award.reason})
    session.commit()
    return award


def object_to(session: Session, clock: Clock, user: CurrentUser, award_id: int, text: str) -> Objection:
    """质疑 within the publicity window; it suspends the award until the officer answers."""
    award = get(session, award_id)
    company = contractors.of_user(session, user)
    lot = session.get(Lot, award.lot_id)
    if session.scalar(select(Bid.id).where(Bid.lot_id == award.lot_id, Bid.contractor_id == company.id,
                                           Bid.state == "submitted")) is None:
        raise Forbidden("Only a bidder of this lot can object.")
    if not can_object(award.state, clock(), award.publicity_ends_at):
        raise Conflict("Objections are possible only during the publicity period.")
    if not text.strip() or len(text) > 4000:
        raise InvalidInput("Write the objection (at most 4,000 characters).", errors=[{"field": "text", "message": "Required."}])
    objection = Objection(contractor_id=company.id, text=text.strip(), filed_at=clock())
    award.objections.append(objection)  # through the collection: a loaded award sees it at once
    award.state = AwardState.SUSPENDED
    session.flush()
    audit.record(session, clock, user.actor, "award.object", "award", award.id, None, {"objection": objection.id})
    assert lot is not None
    session.commit()
    return objection


def answer_objection(session: Session, clock: Clock, actor: Actor, objection_id: int, answer: str) -> Objection:
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound("Objection {id} does not exist.", id=objection_id)
    if objection.answer is not None:
        raise Conflict("This objection is already answered.")
    if not answer.strip():
        raise InvalidInput("Write the answer.", errors=[{"field": "answer", "message": "Required."}])
    objection.answer, objection.answered_at, objection.answered_by_id = answer.strip(), clock(), actor.id
    award = get(session, objection.award_id)
    if all(o.answer is not None for o in award.objections):
        award.state = AwardState.PUBLICITY
    accounts.notify(session, clock, list(session.scalars(select(User.id).where(User.contractor_id == objection.contractor_id))),
                    N_("Your objection was answered."), f"/awards/{award.id}")
    audit.record(session, clock, actor, "award.answer", "award", award.id, None, {"objection": objection.id})
    session.commit()
    return objection


#: Drafts the contract of a lot whose award notice is going out, in the same transaction, and
#: answers its id (contracts provides it: contracts come after awards in the dependency order).
draft_contract: Port[[Session, Clock, Actor, Award], int] = Port("awards.draft_contract")


def issue_notice(session: Session, clock: Clock, actor: Actor, award_id: int) -> Award:
    """中标通知书: after the publicity, with no open objection; the contract draft follows (§4.5)."""
    award = get(session, award_id)
    open_objections = sum(1 for o in award.objections if o.answer is None)
    problem = can_notify(award.state, clock(), award.publicity_ends_at, open_objections)
    if problem:
        raise Conflict(problem, ends=award.publicity_ends_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M"))
    lot = tenders.get_lot(session, clock, award.lot_id)
    award.state, award.notice_issued_at = AwardState.NOTIFIED, clock()
    lot.state = LotState.AWARDED
    tender = lot.tender
    if all(l.state in (LotState.AWARDED, LotState.CONTRACTED, LotState.UNSUCCESSFUL, LotState.CANCELLED)
           for l in tender.lots):
        tender.state = TenderState.AWARDED
    contract_id = draft_contract(session, clock, actor, award)
    accounts.notify(session, clock, _bidder_users(session, lot),
                    N_("The award notice of lot {lot} of tender {reference} was issued; your result is on the tender page."),
                    f"/tenders/{tender.id}", lot=lot.number, reference=tender.reference)
    audit.record(session, clock, actor, "award.notice", "award", award.id, None,
                 {"lot": lot.id, "bid": award.bid_id, "contract": contract_id})
    session.commit()
    return award


def my_result(session: Session, user: CurrentUser, lot_id: int) -> tuple[EvaluationResult, Award] | None:
    """A bidder's own score and rank, once the notice is out; never another bidder's."""
    company = contractors.of_user(session, user)
    award = of_lot(session, lot_id)
    if award is None or award.state != AwardState.NOTIFIED:
        return None
    bid = session.scalar(select(Bid).where(Bid.lot_id == lot_id, Bid.contractor_id == company.id))
    if bid is None:
        return None
    result = session.scalar(select(EvaluationResult).where(EvaluationResult.bid_id == bid.id))
    return (result, award) if result is not None else None


@tenders.tender_page_panels.handler
def _tender_page_panel(session: Session, clock: Clock, viewer: tenders.PageViewer, tender: Tender) -> dict[str, Any]:
    """On the tender page: each lot's award (one query for all lots)."""
    lot_ids = [lot.id for lot in tender.lots]
    return {"awards": {a.lot_id: a for a in session.scalars(select(Award).where(Award.lot_id.in_(lot_ids)))}}


@evaluation.overview_panels.handler
def _overview_panel(session: Session, lot_id: int) -> dict[str, Any]:
    """On the lot's evaluation overview: its award and the 中标候选人."""
    return {"award": of_lot(session, lot_id), "candidates": candidates(session, lot_id)}


def award_page(session: Session, clock: Clock, user: CurrentUser | None, award_id: int) -> dict[str, Any]:
    """The award page (中标候选人公示): the candidates and their bids; a bidder also sees its own result."""
    award = get(session, award_id)
    lot = session.get_one(Lot, award.lot_id, options=[joinedload(Lot.tender)])  # never deleted (foreign key)
    ranked = candidates(session, lot.id)
    bids = {b.id: b for b in session.scalars(select(Bid).where(Bid.id.in_([r.bid_id for r in ranked])))}
    context: dict[str, Any] = {"award": award, "lot": lot, "tender": lot.tender, "now": clock(),
                               "candidates": ranked, "bids": bids,
                               "officer": user is not None and user.can(Permission.TENDERS_MANAGE),
                               "may_object": user is not None and policy.acts_for_company(user)
                               and can_object(award.state, clock(), award.publicity_ends_at)}
    if user is not None and policy.acts_for_company(user) and user.contractor_id is not None:
        context["mine"] = my_result(session, user, lot.id)
    return context


def award_view(session: Session, award: Award) -> AwardOut:
    """An award as the API answers it: the winning company and price, and the objections."""
    bid = session.get_one(Bid, award.bid_id)  # an award's bid is never deleted (foreign key)
    return AwardOut(award.id, award.lot_id, award.bid_id, bid.contractor.company_name,
                    None if bid.price is None else str(bid.price), award.rank, award.reason, award.state,
                    award.proposed_at, award.publicity_ends_at, award.notice_issued_at,
                    [ObjectionOut(o.id, o.text, o.filed_at, o.answer, o.answered_at) for o in award.objections])


def notice_view(session: Session, award_id: int) -> dict[str, Any]:
    """The award notice (中标通知书) PDF's content, once issued."""
    award = get(session, award_id)
    if award.notice_issued_at is None:
        raise NotFound("The award notice has not been issued.")
    lot = session.get_one(Lot, award.lot_id, options=[joinedload(Lot.tender)])
    bid = session.get_one(Bid, award.bid_id)
    return {"award": award, "lot": lot, "tender": lot.tender, "bid": bid, "contractor": bid.contractor}

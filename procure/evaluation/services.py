"""Evaluation use cases: the committee, declarations, reviews, score sheets, finalising (DESIGN §4.3)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from procure import bounds
from procure.accounts.models import User
from procure.accounts.rules import Permission, Role
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import Actor
from procure.bidding.models import Bid
from procure.bidding.services import CommitteeSeat
from procure.clock import Clock
from procure.evaluation import rules
from procure.evaluation.models import BidReview, Committee, CommitteeMember, EvaluationResult, ExpertRelation, Score
from procure.evaluation.rules import AbnormalDecision
from procure.errors import Conflict, Forbidden, InvalidInput, NotFound
from procure.tendering import services as tenders
from procure.tendering.models import Lot
from procure.tendering.rules import LotState, Method, TenderState


def lot_of(session: Session, clock: Clock, lot_id: int) -> Lot:
    return tenders.get_lot(session, clock, lot_id)


def _opened_lot(session: Session, clock: Clock, lot_id: int) -> Lot:
    lot = lot_of(session, clock, lot_id)
    if lot.tender.opened_at is None or lot.tender.state == TenderState.CANCELLED:
        raise Conflict("The bids of this lot have not been opened.")
    if lot.state != LotState.ACTIVE:
        raise Conflict("This lot is {state}; it is not being evaluated.", state=lot.state)
    return lot


def bids_of(session: Session, lot: Lot) -> list[Bid]:
    return list(session.scalars(select(Bid).where(Bid.lot_id == lot.id, Bid.state == "submitted")
                                .order_by(Bid.id)).unique())


def bids_and_reviews(session: Session, lot: Lot) -> tuple[list[Bid], dict[int, BidReview]]:
    """A lot's submitted bids and the committee's reviews of them, in two queries."""
    bids = bids_of(session, lot)
    reviews = {r.bid_id: r for r in session.scalars(select(BidReview).where(BidReview.bid_id.in_([b.id for b in bids])))}
    return bids, reviews


def committee_of(session: Session, lot_id: int) -> Committee | None:
    return session.scalar(select(Committee).where(Committee.lot_id == lot_id))


class DeclaredMember(CommitteeSeat):
    """Whether a person sits on a lot's committee and has declared no conflict: the fact
    accounts.policy.may_read_lot_bids asks, given to bidding's routes as ``bidding.CommitteeSeat``."""

    def __call__(self, session: Session, user: CurrentUser, lot_id: int) -> bool:
        return session.scalar(select(CommitteeMember.id).join(Committee).where(
            Committee.lot_id == lot_id, CommitteeMember.user_id == user.id,
            CommitteeMember.declared_at.is_not(None)).limit(1)) is not None

    def for_bid(self, session: Session, user: CurrentUser, bid_id: int) -> bool:
        lot_id = session.scalar(select(Bid.lot_id).where(Bid.id == bid_id))
        return lot_id is not None and self(session, user, lot_id)


declared_member = DeclaredMember()


def _related(session: Session, user_ids: list[int], contractor_ids: list[int]) -> dict[int, list[str]]:
    """Experts linked to a bidder: declared relations, or a login of the bidding company itself."""
    found: dict[int, list[str]] = {}
    for rel in session.scalars(select(ExpertRelation).where(ExpertRelation.user_id.in_(user_ids),
                                                            ExpertRelation.contractor_id.in_(contractor_ids))):
        found.setdefault(rel.user_id, []).append(rel.relation)
    for user in session.scalars(select(User).where(User.id.in_(user_ids), User.contractor_id.in_(contractor_ids))):
        found.setdefault(user.id, []).append("same company")
    return found


def form_committee(session: Session, clock: Clock, actor: Actor, lot_id: int, *, members: list[int] | None = None,
                   draw: int | None = None, seed: int | None = None, chair_ids: list[int] | None = None) -> Committee:
    """Pick the members, or draw experts at random with a recorded seed (87号令 第47条)."""
    lot = _opened_lot(session, clock, lot_id)
    existing = committee_of(session, lot.id)
    if existing is not None:
        scored = session.scalar(select(Score.id).join(CommitteeMember).where(CommitteeMember.committee_id == existing.id).limit(1))
        if scored is not None or existing.finalized_at is not None:
            raise Conflict("The committee has started scoring; it can no longer be changed.")
    bidders = [b.contractor_id for b in bids_of(session, lot)]
    pool = list(session.scalars(select(User.id).where(User.role == Role.EVALUATOR, User.active.is_(True))))
    related = _related(session, pool + list(members or []), bidders)
    if draw is not None:
        seed = seed if seed is not None else secrets.randbits(62)
        try:
            chosen = rules.draw_members(pool, draw, seed, set(related))
        except ValueError:
            raise InvalidInput("Only {n} experts without a link to a bidder are in the pool; {k} are needed.",
                               n=len(set(pool) - set(related)), k=draw) from None
        picked = [(uid, True) for uid in chosen]
    elif members:
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(members)))}
        missing = [m for m in members if m not in users or not users[m].active]
        if missing:
            raise InvalidInput("Unknown or inactive users: {ids}.", ids=", ".join(map(str, missing)))
        wrong = [users[m].display_name for m in members if users[m].role not in (Role.EVALUATOR, Role.OFFICER)]
        if wrong:
            raise InvalidInput("Only experts and the purchaser's representatives can sit on a committee: {names}.",
                               names=", ".join(wrong))
        linked = [users[m].display_name for m in members if m in related]
        if linked:
            raise InvalidInput("These members are linked to a bidder and must be excluded: {names}.",
                               names=", ".join(linked))
        picked = [(m, users[m].role == Role.EVALUATOR) for m in dict.fromkeys(members)]
        seed = None
    else:
        raise InvalidInput("Give the members, or the number of experts to draw.")
    problems = rules.committee_problems(len(picked), sum(1 for _, e in picked if e), lot.ceiling_price)
    if problems:
        raise InvalidInput(problems[0], minimum=7 if lot.ceiling_price >= rules.TEN_MILLION else 5,
                           errors=[{"field": "members", "message": p,
                                    "params": {"minimum": 7 if lot.ceiling_price >= rules.TEN_MILLION else 5}}
                                   for p in problems])
    if existing is not None:
        session.delete(existing)
        session.flush()
    committee = Committee(lot_id=lot.id, formed_at=clock(), formed_by_id=actor.id, draw_seed=seed,
                          members=[CommitteeMember(user_id=uid, is_expert=expert) for uid, expert in picked])
    session.add(committee)
    session.flush()
    audit.record(session, clock, actor, "committee.form", "lot", lot.id, None,
                 {"members": [uid for uid, _ in picked], "draw_seed": seed})
    session.commit()
    return committee


def _member(session: Session, user: CurrentUser, lot_id: int, *, declared: bool = True) -> CommitteeMember:
    committee = committee_of(session, lot_id)
    member = next((m for m in committee.members if m.user_id == user.id), None) if committee else None
    if member is None:
        raise Forbidden("You are not on the committee of this lot.")
    if declared and member.declared_at is None:
        raise Forbidden("Declare that you have no conflict of interest before you see the bids.")
    if committee.finalized_at is not None and declared:
        raise Conflict("The evaluation of this lot is finalised.")
    return member


def declare(session: Session, clock: Clock, user: CurrentUser, lot_id: int, no_conflict: bool,
            relation: str = "") -> CommitteeMember | None:
    """A member declares no conflict before seeing anything; a member with a conflict leaves the
    committee (the officer forms it again) and the relation is recorded (回避)."""
    member = _member(session, user, lot_id, declared=False)  # who asks first: an outsider learns nothing
    _opened_lot(session, clock, lot_id)
    if no_conflict:
        if member.declared_at is None:
            member.declared_at = clock()
            audit.record(session, clock, user.actor, "committee.declare", "lot", lot_id, None, {"no_conflict": True})
            session.commit()
        return member
    session.delete(member)
    audit.record(session, clock, user.actor, "committee.withdraw", "lot", lot_id, None,
                 {"no_conflict": False, "relation": relation.strip()[:128]})
    session.commit()
    return None


def _bid(session: Session, lot: Lot, bid_id: int) -> Bid:
    bid = session.get(Bid, bid_id)
    if bid is None or bid.lot_id != lot.id or bid.state != "submitted":
        raise NotFound("Bid {id} is not a bid of this lot.", id=bid_id)
    return bid


def _review(session: Session, bid_id: int) -> BidReview:
    review = session.scalar(select(BidReview).where(BidReview.bid_id == bid_id))
    if review is None:
        review = BidReview(bid_id=bid_id, compliance_reason="", abnormal_reason="")
        session.add(review)
    return review


def record_compliance(session: Session, clock: Clock, user: CurrentUser, lot_id: int, bid_id: int, compliant: bool,
                      reason: str) -> BidReview:
    _member(session, user, lot_id)
    lot = _opened_lot(session, clock, lot_id)
    bid = _bid(session, lot, bid_id)
    if bid.price is not None and bid.price > lot.ceiling_price and compliant:
        raise InvalidInput("A price above the ceiling is non-compliant (MOF Order No. 87, art. 63).")
    if not compliant and not reason.strip():
        raise InvalidInput("Give the reason a bid is non-compliant.", errors=[{"field": "reason", "message": "Required."}])
    review = _review(session, bid.id)
    review.compliant, review.compliance_reason, review.compliance_by_id = compliant, reason.strip(), user.id
    session.flush()
    audit.record(session, clock, user.actor, "evaluation.compliance", "bid", bid.id, None,
                 {"compliant": compliant, "reason": review.compliance_reason})
    session.commit()
    return review


def flagged(session: Session, lot: Lot) -> set[int]:
    """Bids currently flagged as abnormally low among the compliant ones (87号令 第60条)."""
    tender = lot.tender
    bids, reviews = bids_and_reviews(session, lot)
    compliant = {}
    for bid in bids:
        review = reviews.get(bid.id)
        if bid.price is None or bid.price > lot.ceiling_price or review is None or review.compliant is not True:
            continue
        compliant[bid.id] = rules.evaluated_price(bid.price, bid.contractor.sme, tender.sme_deduction)
    return rules.abnormally_low(compliant, tender.abnormal_threshold)


def record_abnormal(session: Session, clock: Clock, user: CurrentUser, lot_id: int, bid_id: int, decision: str,
                    reason: str) -> BidReview:
    _member(session, user, lot_id)
    lot = _opened_lot(session, clock, lot_id)
    bid = _bid(session, lot, bid_id)
    if decision not in (AbnormalDecision.ACCEPTED, AbnormalDecision.REJECTED):
        raise InvalidInput("The decision is accepted or rejected.")
    if bid.id not in flagged(session, lot):
        raise Conflict("This bid is not flagged as abnormally low.")
    if not reason.strip():
        raise InvalidInput("Record the committee's reason.", errors=[{"field": "reason", "message": "Required."}])
    review = _review(session, bid.id)
    review.abnormal_decision, review.abnormal_reason, review.abnormal_by_id = decision, reason.strip(), user.id
    session.flush()
    audit.record(session, clock, user.actor, "evaluation.abnormal", "bid", bid.id, None,
                 {"decision": decision, "reason": review.abnormal_reason})
    session.commit()
    return review


def compliant_ids(session: Session, lot: Lot) -> set[int]:
    bids, reviews = bids_and_reviews(session, lot)
    return {b.id for b in bids
            if (r := reviews.get(b.id)) is not None and r.compliant and r.abnormal_decision != AbnormalDecision.REJECTED
            and b.price is not None and b.price <= lot.ceiling_price}


def record_scores(session: Session, clock: Clock, user: CurrentUser, lot_id: int, bid_id: int,
                  points: Mapping[str, Any]) -> list[Score]:
    member = _member(session, user, lot_id)
    lot = _opened_lot(session, clock, lot_id)
    if lot.tender.method != Method.COMPREHENSIVE:
        raise Conflict("The lowest-price method has no technical scores.")
    if member.sheet_submitted_at is not None:
        raise Conflict("You have submitted your score sheet; it can no longer change.")
    bid = _bid(session, lot, bid_id)
    if bid.id not in compliant_ids(session, lot):
        raise Conflict("Only bids found compliant are scored.")
    maxima = {c.code: c.max_points for c in lot.tender.criteria}
    errors = []
    parsed: dict[str, Decimal] = {}
    for code, raw in points.items():
        if code not in maxima:
            errors.append({"field": code, "message": "Unknown criterion."})
            continue
        try:  # finite, two decimals and within Fixed(5,2) before any comparison or rounding
            value = bounds.fixed(raw, places=2, upper=rules.POINTS_LIMIT, lower=-rules.POINTS_LIMIT, field=code)
        except bounds.OutOfBounds as exc:
            errors.append(exc.error)
            continue
        if value is None:
            errors.append({"field": code, "message": "Not a number."})
            continue
        if problem := rules.points_problem(value, maxima[code]):
            errors.append({"field": code, "message": problem, "params": {"max": str(maxima[code])}})
        parsed[code] = value
    if errors:
        raise InvalidInput("The points have errors; nothing was saved.", errors=errors)
    existing = {s.criterion_code: s for s in session.scalars(select(Score).where(Score.member_id == member.id,
                                                                                  Score.bid_id == bid.id))}
    for code, value in parsed.items():
        score = existing.get(code) or Score(member_id=member.id, bid_id=bid.id, criterion_code=code, points=value)
        score.points = value
        session.add(score)
    session.flush()
    audit.record(session, clock, user.actor, "evaluation.score", "bid", bid.id, None,
                 {"member": member.id, "points": {k: str(v) for k, v in parsed.items()}})
    session.commit()
    return list(session.scalars(select(Score).where(Score.member_id == member.id, Score.bid_id == bid.id)))


def submit_sheet(session: Session, clock: Clock, user: CurrentUser, lot_id: int) -> CommitteeMember:
    member = _member(session, user, lot_id)
    lot = _opened_lot(session, clock, lot_id)
    if member.sheet_submitted_at is not None:
        raise Conflict("Your score sheet is already submitted.")
    missing = _missing_scores(session, lot, member)
    if missing:
        raise InvalidInput("Score every compliant bid on every criterion first: {missing}.", missing="; ".join(missing))
    member.sheet_submitted_at = clock()
    audit.record(session, clock, user.actor, "evaluation.sheet", "lot", lot.id, None, {"member": member.id})
    session.commit()
    return member


def _missing_scores(session: Session, lot: Lot, member: CommitteeMember) -> list[str]:
    if lot.tender.method != Method.COMPREHENSIVE:
        return []
    have = {(s.bid_id, s.criterion_code) for s in session.scalars(select(Score).where(Score.member_id == member.id))}
    return [f"#{bid_id} {c.code}" for bid_id in sorted(compliant_ids(session, lot)) for c in lot.tender.criteria
            if (bid_id, c.code) not in have]


@dataclass(frozen=True)
class SheetView:
    member: CommitteeMember
    scores: dict[tuple[int, str], Decimal]


def sheets_visible_to(session: Session, user: CurrentUser, lot_id: int) -> list[SheetView]:
    """A member sees their own sheet, and the others' only once their own is submitted."""
    committee = committee_of(session, lot_id)
    if committee is None:
        return []
    me = next((m for m in committee.members if m.user_id == user.id), None)
    officer = user.can(Permission.TENDERS_MANAGE) and committee.finalized_at is not None
    views = []
    for member in committee.members:
        mine = me is not None and member.id == me.id
        if mine or officer or (me is not None and me.sheet_submitted_at is not None):
            scores = {(s.bid_id, s.criterion_code): s.points
                      for s in session.scalars(select(Score).where(Score.member_id == member.id))}
            views.append(SheetView(member, scores))
    return views


@dataclass(frozen=True)
class Progress:
    committee: Committee | None
    undeclared: list[str]
    unreviewed: list[int]
    undecided_abnormal: list[int]
    unsubmitted: list[str]

    @property
    def ready(self) -> bool:
        return self.committee is not None and not (self.undeclared or self.unreviewed or self.undecided_abnormal
                                                   or self.unsubmitted)


def progress(session: Session, clock: Clock, lot_id: int) -> Progress:
    lot = lot_of(session, clock, lot_id)
    committee = committee_of(session, lot.id)
    if committee is None:
        return Progress(None, [], [], [], [])
    bids, reviews = bids_and_reviews(session, lot)
    unreviewed = [b.id for b in bids if reviews.get(b.id) is None or reviews[b.id].compliant is None]
    undecided = [i for i in sorted(flagged(session, lot)) if reviews[i].abnormal_decision is None]
    comprehensive = lot.tender.method == Method.COMPREHENSIVE
    return Progress(committee, [m.user.display_name for m in committee.members if m.declared_at is None], unreviewed,
                    undecided, [m.user.display_name for m in committee.members
                                if comprehensive and m.sheet_submitted_at is None])


def finalize(session: Session, clock: Clock, actor: Actor, lot_id: int, seed: int | None = None) -> list[EvaluationResult]:
    lot = _opened_lot(session, clock, lot_id)
    state = progress(session, clock, lot_id)
    if state.committee is None:
        raise Conflict("Form the committee first.")
    if state.committee.finalized_at is not None:
        raise Conflict("The evaluation of this lot is already finalised.")
    if state.undecided_abnormal:
        raise Conflict("The committee has not decided on every abnormally low bid (MOF Order No. 87, art. 60).")
    if not state.ready:
        raise Conflict("The evaluation is not complete: declarations {a}; compliance reviews {b}; score sheets {c}.",
                       a=", ".join(state.undeclared) or "—", b=", ".join(f"#{i}" for i in state.unreviewed) or "—",
                       c=", ".join(state.unsubmitted) or "—")
    committee = state.committee
    seed = seed if seed is not None else secrets.randbits(62)
    tender = lot.tender
    bids, reviews = bids_and_reviews(session, lot)
    facts = [rules.BidFacts(b.id, b.price or Decimal(0), b.contractor.sme, bool(reviews[b.id].compliant),
                            reviews[b.id].abnormal_decision) for b in bids]
    sheets: dict[int, list[dict[str, Decimal]]] = {}
    for member in committee.members:
        per_bid: dict[int, dict[str, Decimal]] = {}
        for s in session.scalars(select(Score).where(Score.member_id == member.id)):
            per_bid.setdefault(s.bid_id, {})[s.criterion_code] = s.points
        for bid_id, sheet in per_bid.items():
            sheets.setdefault(bid_id, []).append(sheet)
    outcome = rules.evaluate(facts, method=tender.method, ceiling_price=lot.ceiling_price,
                             sme_deduction=tender.sme_deduction, abnormal_threshold=tender.abnormal_threshold,
                             price_points=tender.price_points,
                             criteria=[rules.Criterion(c.code, c.max_points) for c in tender.criteria],
                             sheets=sheets, seed=seed)
    session.execute(delete(EvaluationResult).where(EvaluationResult.lot_id == lot.id))
    rows = [EvaluationResult(lot_id=lot.id, bid_id=r.bid_id, evaluated_price=r.evaluated_price, compliant=r.compliant,
                             price_score=r.price_score, technical_score=r.technical_score, total=r.total, rank=r.rank,
                             flags=r.flags) for r in outcome.results]
    session.add_all(rows)
    committee.finalized_at, committee.ranking_seed, committee.unsuccessful = clock(), seed, outcome.unsuccessful
    if outcome.unsuccessful:
        lot.state = LotState.UNSUCCESSFUL  # 政府采购法 第36条
    session.flush()
    audit.record(session, clock, actor, "evaluation.finalize", "lot", lot.id, None, {
        "ranking_seed": seed, "unsuccessful": outcome.unsuccessful,
        "ranking": [[r.bid_id, r.rank, str(r.total) if r.total is not None else None] for r in outcome.results]})
    session.commit()
    return rows


def results(session: Session, lot_id: int) -> list[EvaluationResult]:
    return list(session.scalars(select(EvaluationResult).where(EvaluationResult.lot_id == lot_id)
                                .order_by(EvaluationResult.rank.is_(None), EvaluationResult.rank, EvaluationResult.bid_id)))


def my_committees(session: Session, user: CurrentUser) -> list[tuple[Committee, Lot]]:
    rows = session.execute(select(Committee, Lot).join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
                           .join(Lot, Lot.id == Committee.lot_id).where(CommitteeMember.user_id == user.id)
                           .order_by(Committee.formed_at.desc())).all()
    return [(c, l) for c, l in rows]


def declare_relation(session: Session, clock: Clock, user: CurrentUser, contractor_id: int, relation: str) -> ExpertRelation:
    from procure.contractors import services as contractors

    contractors.get(session, contractor_id)
    if not relation.strip():
        raise InvalidInput("Describe the relation (e.g. former employer).", errors=[{"field": "relation", "message": "Required."}])
    found = session.scalar(select(ExpertRelation).where(ExpertRelation.user_id == user.id,
                                                        ExpertRelation.contractor_id == contractor_id))
    if found is None:
        found = ExpertRelation(user_id=user.id, contractor_id=contractor_id, relation=relation.strip()[:128],
                               declared_at=clock())
        session.add(found)
        session.flush()
        audit.record(session, clock, user.actor, "expert.relation", "user", user.id, None,
                     {"contractor": contractor_id, "relation": found.relation})
        session.commit()
    return found


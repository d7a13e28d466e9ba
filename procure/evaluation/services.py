"""Evaluation use cases: the committee, declarations, reviews, score sheets, finalising (DESIGN §4.3)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload, selectinload

from procure.kernel import bounds
from procure.accounts import services as accounts
from procure.accounts.models import User
from procure.accounts.rules import Permission, Role, role_can
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import Actor
from procure.bidding.models import Bid
from procure.bidding.services import CommitteeSeat
from procure.kernel.clock import Clock
from procure.evaluation import rules
from procure.evaluation.models import (
    BidReview, Committee, CommitteeMember, ComplianceView, EvaluationResult, ExpertRelation, Score,
)
from procure.evaluation.rules import AbnormalDecision
from procure.evaluation.schemas import EvaluationOut, ResultOut
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from procure.kernel.hooks import Hook
from procure.kernel.i18n import N_
from procure.tendering import services as tenders
from procure.tendering.models import Lot
from procure.tendering.rules import LotState, Method, TenderState
from procure.contractors import services as contractors


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
                                .options(selectinload(Bid.documents)).order_by(Bid.id)).unique())


def bids_and_reviews(session: Session, lot: Lot) -> tuple[list[Bid], dict[int, BidReview]]:
    """A lot's submitted bids and the committee's abnormal-price decisions on them, in two queries."""
    bids = bids_of(session, lot)
    reviews = {r.bid_id: r for r in session.scalars(select(BidReview).where(BidReview.bid_id.in_([b.id for b in bids])))}
    return bids, reviews


def committee_of(session: Session, lot_id: int) -> Committee | None:
    return session.scalar(select(Committee).where(Committee.lot_id == lot_id).options(selectinload(Committee.members)))


def present_members(committee: Committee) -> list[CommitteeMember]:
    """The members who sit: everyone but those who withdrew (回避)."""
    return [m for m in committee.members if m.present]


class DeclaredMember(CommitteeSeat):
    """Whether a person sits on a lot's committee and has declared no conflict: the fact
    accounts.policy.may_read_lot_bids asks, given to bidding's routes as ``bidding.CommitteeSeat``."""

    def __call__(self, session: Session, user: CurrentUser, lot_id: int) -> bool:
        return session.scalar(select(CommitteeMember.id).join(Committee).where(
            Committee.lot_id == lot_id, CommitteeMember.user_id == user.id,
            CommitteeMember.declared_at.is_not(None), CommitteeMember.withdrawn_at.is_(None)).limit(1)) is not None


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


def _expert_pool(session: Session) -> list[int]:
    """The experts a committee is drawn from (87号令 第48条: at random from the expert pool)."""
    return list(session.scalars(select(User.id).where(User.role == Role.EVALUATOR, User.active.is_(True))))


def _composition(committee: Committee, lot: Lot) -> tuple[int, int, list[str]]:
    """Members present, experts among them, and what 87号令 第47条 finds wrong with that."""
    present = present_members(committee)
    experts = sum(1 for m in present if m.is_expert)
    return len(present), experts, rules.committee_problems(len(present), experts, lot.ceiling_price)


def _composition_errors(problems: list[str], lot: Lot) -> list[dict[str, Any]]:
    minimum = rules.committee_minimum(lot.ceiling_price)
    return [{"field": "members", "message": p, "params": {"minimum": minimum}} for p in problems]


def form_committee(session: Session, clock: Clock, actor: Actor, lot_id: int, *, members: list[int] | None = None,
                   draw: int | None = None, seed: int | None = None, chair_ids: list[int] | None = None) -> Committee:
    """Pick the members, or draw experts at random with a recorded seed (87号令 第47、48条)."""
    lot = _opened_lot(session, clock, lot_id)
    existing = committee_of(session, lot.id)
    if existing is not None:
        member_ids = select(CommitteeMember.id).where(CommitteeMember.committee_id == existing.id)
        if existing.finalized_at is not None or session.scalar(
                select(Score.id).where(Score.member_id.in_(member_ids)).limit(1)) is not None:
            raise Conflict("The committee has started scoring; it can no longer be changed.")
        if session.scalar(select(ComplianceView.id).where(ComplianceView.member_id.in_(member_ids)).limit(1)) is not None:
            raise Conflict("The committee has started its compliance review; it can no longer be formed again. "
                           "Draw a replacement for a member who withdrew.")
    bidders = [b.contractor_id for b in bids_of(session, lot) if b.contractor_id is not None]
    pool = _expert_pool(session)
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
        raise InvalidInput(problems[0], minimum=rules.committee_minimum(lot.ceiling_price),
                           errors=_composition_errors(problems, lot))
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
    if committee is None or member is None:
        raise Forbidden("You are not on the committee of this lot.")
    if not declared:
        return member
    if not member.present:
        raise Forbidden("You withdrew from the committee of this lot.")
    if member.declared_at is None:
        raise Forbidden("Declare that you have no conflict of interest before you see the bids.")
    if committee.finalized_at is not None:
        raise Conflict("The evaluation of this lot is finalised.")
    return member


def sitting_member(session: Session, user: CurrentUser, lot_id: int) -> CommitteeMember:
    """This person as a present, declared member of the lot's committee (or Forbidden): asked
    before anything from a member's form is read."""
    return _member(session, user, lot_id)


def _officer_ids(session: Session, committee: Committee) -> list[int]:
    """Who runs the procurement: every active user whose role manages tenders, and the officer who
    formed this committee."""
    roles = [r.value for r in Role if role_can(r, Permission.TENDERS_MANAGE)]
    ids = set(session.scalars(select(User.id).where(User.role.in_(roles), User.active.is_(True))))
    if committee.formed_by_id is not None:
        ids.add(committee.formed_by_id)
    return sorted(ids)


def declare(session: Session, clock: Clock, user: CurrentUser, lot_id: int, no_conflict: bool | None,
            relation: str = "") -> CommitteeMember:
    """A member's declaration, before seeing anything: no conflict of interest, or a conflict with
    the relation described — then the member withdraws (回避, 政府采购法 第12条, 实施条例 第9条),
    stays on record, and the officers are told; a replacement is drawn (87号令 第49条).
    Anything but an explicit choice is refused and records nothing."""
    member = _member(session, user, lot_id, declared=False)  # who asks first: an outsider learns nothing
    lot = _opened_lot(session, clock, lot_id)
    if not member.present:
        raise Conflict("You withdrew from the committee of this lot.")
    if problem := rules.declaration_problem(no_conflict, relation):
        where, message = problem
        raise InvalidInput(message, limit=rules.RELATION_LIMIT,
                           errors=[{"field": where, "message": message, "params": {"limit": rules.RELATION_LIMIT}}])
    if no_conflict:
        if member.declared_at is None:
            member.declared_at = clock()
            audit.record(session, clock, user.actor, "committee.declare", "lot", lot_id, None, {"no_conflict": True})
            session.commit()
        return member
    if member.declared_at is not None:
        raise Conflict("You have already declared that you have no conflict of interest; tell the procurement "
                       "officer if that has changed.")
    committee = committee_of(session, lot_id)
    assert committee is not None
    member.withdrawn_at, member.conflict = clock(), relation.strip()
    session.flush()
    size, experts, problems = _composition(committee, lot)
    audit.record(session, clock, user.actor, "committee.withdraw", "lot", lot_id, None,
                 {"member": member.user_id, "relation": member.conflict, "present": size, "experts": experts})
    message = (N_("{name} withdrew from the committee of {reference}, lot {lot} (conflict of interest: {relation}); "
                  "the committee is short: draw a replacement.") if problems else
               N_("{name} withdrew from the committee of {reference}, lot {lot} (conflict of interest: {relation}); "
                  "the committee still has its legal size."))
    officers = [i for i in _officer_ids(session, committee) if i != user.id]  # not the one who withdrew
    accounts.notify(session, clock, officers, message, f"/lots/{lot_id}/evaluation",
                    name=user.display_name, reference=lot.tender.reference, lot=lot.number, relation=member.conflict)
    session.commit()
    return member


def draw_replacement(session: Session, clock: Clock, actor: Actor, lot_id: int, seed: int | None = None) -> CommitteeMember:
    """87号令 第49条: a committee left below its legal size or composition by a withdrawal is made
    up again and the evaluation goes on. One expert is drawn at random, with a recorded seed, from
    the pool ``form_committee`` draws from, skipping everyone on the committee (withdrawn included)
    and every expert linked to a bidder. Scores and views already given stay."""
    lot = _opened_lot(session, clock, lot_id)
    committee = committee_of(session, lot.id)
    if committee is None:
        raise Conflict("Form the committee first.")
    if committee.finalized_at is not None:
        raise Conflict("The evaluation of this lot is finalised.")
    size, experts, problems = _composition(committee, lot)
    if not problems:
        raise Conflict("The committee has its legal size and composition ({size} members, {experts} experts); "
                       "no replacement is needed.", size=size, experts=experts)
    pool = _expert_pool(session)
    seated = {m.user_id for m in committee.members}
    excluded = seated | set(_related(session, pool, [b.contractor_id for b in bids_of(session, lot)
                                                     if b.contractor_id is not None]))
    seed = seed if seed is not None else secrets.randbits(62)
    try:
        (chosen,) = rules.draw_members(pool, 1, seed, excluded)
    except ValueError:
        raise Conflict("No expert is left in the pool who is not on this committee and has no link to a "
                       "bidder.") from None
    member = CommitteeMember(user_id=chosen, is_expert=True, draw_seed=seed)
    committee.members.append(member)
    session.flush()
    audit.record(session, clock, actor, "committee.replace", "lot", lot.id, None, {
        "member": chosen, "draw_seed": seed, "withdrawn": [m.user_id for m in committee.members if not m.present]})
    accounts.notify(session, clock, [chosen], N_("You were drawn onto the evaluation committee of {reference}, "
                                                 "lot {lot}, to replace a member who withdrew."),
                    f"/lots/{lot.id}/evaluate", reference=lot.tender.reference, lot=lot.number)
    session.commit()
    return member


def _bid(session: Session, lot: Lot, bid_id: int) -> Bid:
    bid = session.get(Bid, bid_id)
    if bid is None or bid.lot_id != lot.id or bid.state != "submitted":
        raise NotFound("Bid {id} is not a bid of this lot.", id=bid_id)
    return bid


def _review(session: Session, bid_id: int) -> BidReview:
    review = session.scalar(select(BidReview).where(BidReview.bid_id == bid_id))
    if review is None:
        review = BidReview(bid_id=bid_id, abnormal_reason="")
        session.add(review)
    return review


# --- the compliance review: each member's view, the committee's majority ------------------------


@dataclass(frozen=True)
class View:
    member_id: int
    name: str
    compliant: bool
    reason: str


@dataclass(frozen=True)
class BidCompliance:
    """The committee's compliance review of one bid: the present members' views and their result
    (None until every present member has given one, 87号令 第61条)."""

    bid_id: int
    present: int
    views: list[View] = field(default_factory=list)
    result: bool | None = None

    @property
    def waiting(self) -> int:
        return self.present - len(self.views)

    @property
    def votes(self) -> tuple[int, int]:
        """(compliant, non-compliant)."""
        yes = sum(1 for v in self.views if v.compliant)
        return yes, len(self.views) - yes

    @property
    def dissent(self) -> list[View]:
        """The members who disagree with the result: their views and reasons go into the report."""
        return [] if self.result is None else [v for v in self.views if v.compliant != self.result]

    def of(self, member_id: int) -> View | None:
        return next((v for v in self.views if v.member_id == member_id), None)


def compliance_of(session: Session, lot: Lot, committee: Committee | None = None) -> dict[int, BidCompliance]:
    """Every submitted bid of the lot → its review by the committee's present members."""
    committee = committee or committee_of(session, lot.id)
    bids = bids_of(session, lot)
    if committee is None:
        return {b.id: BidCompliance(b.id, 0) for b in bids}
    present = {m.id: m for m in present_members(committee)}
    views: dict[int, list[View]] = {b.id: [] for b in bids}
    for v in session.scalars(select(ComplianceView).where(ComplianceView.member_id.in_(list(present)),
                                                          ComplianceView.bid_id.in_(list(views)))
                             .order_by(ComplianceView.member_id)):
        views[v.bid_id].append(View(v.member_id, present[v.member_id].user.display_name, v.compliant, v.reason))
    return {bid_id: BidCompliance(bid_id, len(present), found, rules.majority([v.compliant for v in found], len(present)))
            for bid_id, found in views.items()}


def _review_locked(committee: Committee) -> bool:
    """The review is locked once a score sheet is submitted (DESIGN §4.3) or the evaluation is final."""
    return committee.finalized_at is not None or any(m.sheet_submitted_at for m in present_members(committee))


@dataclass(frozen=True)
class RecordedView:
    bid_id: int
    compliant: bool
    reason: str
    committee: BidCompliance


def record_compliance(session: Session, clock: Clock, user: CurrentUser, lot_id: int, bid_id: int, compliant: bool,
                      reason: str) -> RecordedView:
    """The caller's own view of a bid; the committee's result is the majority of the views."""
    member = _member(session, user, lot_id)
    lot = _opened_lot(session, clock, lot_id)
    bid = _bid(session, lot, bid_id)
    committee = committee_of(session, lot.id)
    assert committee is not None
    if _review_locked(committee):
        raise Conflict("The compliance review is locked: score sheets have been submitted.")
    if bid.price is not None and bid.price > lot.ceiling_price and compliant:
        raise InvalidInput("A price above the ceiling is non-compliant (MOF Order No. 87, art. 63).")
    if not compliant and not reason.strip():
        raise InvalidInput("Give the reason a bid is non-compliant.", errors=[{"field": "reason", "message": "Required."}])
    view = session.scalar(select(ComplianceView).where(ComplianceView.member_id == member.id,
                                                       ComplianceView.bid_id == bid.id))
    if view is None:
        view = ComplianceView(member_id=member.id, bid_id=bid.id, compliant=compliant, reason="", at=clock())
        session.add(view)
    view.compliant, view.reason, view.at = compliant, reason.strip(), clock()
    session.flush()
    audit.record(session, clock, user.actor, "evaluation.compliance", "bid", bid.id, None,
                 {"member": member.id, "compliant": compliant, "reason": view.reason})
    session.commit()
    return RecordedView(bid.id, view.compliant, view.reason, compliance_of(session, lot, committee)[bid.id])


def _found_compliant(session: Session, lot: Lot) -> dict[int, Bid]:
    """Bids the committee's majority found compliant, priced within the ceiling (87号令 第63条)."""
    review = compliance_of(session, lot)
    return {b.id: b for b in bids_of(session, lot)
            if review[b.id].result is True and b.price is not None and b.price <= lot.ceiling_price}


def flagged(session: Session, lot: Lot) -> set[int]:
    """Bids currently flagged as abnormally low among the compliant ones (87号令 第60条)."""
    tender = lot.tender
    compliant = {bid_id: rules.evaluated_price(bid.price, bid.contractor.sme, tender.sme_deduction)
                 for bid_id, bid in _found_compliant(session, lot).items() if bid.price is not None}
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
    """The bids to score: found compliant by the majority, and not rejected as abnormally low."""
    found = _found_compliant(session, lot)
    _, reviews = bids_and_reviews(session, lot)
    return {bid_id for bid_id in found
            if (r := reviews.get(bid_id)) is None or r.abnormal_decision != AbnormalDecision.REJECTED}


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
    errors: list[dict[str, Any]] = []
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
    """A member's sheet is final once submitted. Not while the committee is short (87号令 第49条:
    the evaluation goes on once it is made up again), nor before the review has a result for
    every bid: submitting locks the review."""
    member = _member(session, user, lot_id)
    lot = _opened_lot(session, clock, lot_id)
    if member.sheet_submitted_at is not None:
        raise Conflict("Your score sheet is already submitted.")
    committee = committee_of(session, lot.id)
    assert committee is not None
    size, experts, problems = _composition(committee, lot)
    if problems:
        raise Conflict("The committee is below its legal size or composition ({size} members, {experts} experts): "
                       "sheets can be submitted once a replacement has joined (MOF Order No. 87, art. 49).",
                       size=size, experts=experts, errors=_composition_errors(problems, lot))
    open_bids = [f"#{i}" for i, c in compliance_of(session, lot, committee).items() if c.result is None]
    if open_bids:
        raise Conflict("The compliance review has no result yet for {bids}: every member present gives a view on "
                       "every bid first.", bids=", ".join(open_bids))
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
    me = next((m for m in present_members(committee) if m.user_id == user.id), None)
    officer = user.can(Permission.TENDERS_MANAGE) and committee.finalized_at is not None
    views = []
    for member in present_members(committee):
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
    #: What 87号令 第47条 finds wrong with the members present (msgids with ``{minimum}``).
    composition: list[str] = field(default_factory=list)
    size: int = 0
    experts: int = 0
    minimum: int = 5
    withdrawn: list[str] = field(default_factory=list)

    @property
    def short(self) -> bool:
        return bool(self.composition)

    @property
    def ready(self) -> bool:
        return self.committee is not None and not (self.composition or self.undeclared or self.unreviewed
                                                   or self.undecided_abnormal or self.unsubmitted)


def progress(session: Session, clock: Clock, lot_id: int) -> Progress:
    lot = lot_of(session, clock, lot_id)
    committee = committee_of(session, lot.id)
    if committee is None:
        return Progress(None, [], [], [], [], minimum=rules.committee_minimum(lot.ceiling_price))
    _, reviews = bids_and_reviews(session, lot)
    review = compliance_of(session, lot, committee)
    # A bid is unreviewed until every member present has given a view (and they are not tied).
    unreviewed = [bid_id for bid_id, c in review.items() if c.result is None]
    undecided = [i for i in sorted(flagged(session, lot)) if (r := reviews.get(i)) is None or r.abnormal_decision is None]
    comprehensive = lot.tender.method == Method.COMPREHENSIVE
    present = present_members(committee)
    size, experts, problems = _composition(committee, lot)
    return Progress(committee, [m.user.display_name for m in present if m.declared_at is None], unreviewed,
                    undecided, [m.user.display_name for m in present if comprehensive and m.sheet_submitted_at is None],
                    problems, size, experts, rules.committee_minimum(lot.ceiling_price),
                    [m.user.display_name for m in committee.members if not m.present])


def finalize(session: Session, clock: Clock, actor: Actor, lot_id: int, seed: int | None = None) -> list[EvaluationResult]:
    lot = _opened_lot(session, clock, lot_id)
    state = progress(session, clock, lot_id)
    if state.committee is None:
        raise Conflict("Form the committee first.")
    if state.committee.finalized_at is not None:
        raise Conflict("The evaluation of this lot is already finalised.")
    if state.composition:
        # 87号令 第47条 (size and experts), 第49条 (made up again before the evaluation goes on).
        raise Conflict("The committee is below its legal size or composition: {size} members present, {experts} of "
                       "them experts; it needs an odd number of at least {minimum}, two thirds of them experts "
                       "(MOF Order No. 87, art. 47). Draw a replacement (art. 49).",
                       size=state.size, experts=state.experts, minimum=state.minimum,
                       errors=_composition_errors(state.composition, lot))
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
    review = compliance_of(session, lot, committee)
    facts = [rules.BidFacts(b.id, b.price or Decimal(0), b.contractor.sme, review[b.id].result is True,
                            r.abnormal_decision if (r := reviews.get(b.id)) else None) for b in bids]
    sheets: dict[int, list[dict[str, Decimal]]] = {}
    for member in present_members(committee):
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
        "compliance": {str(i): [c.votes[0], c.votes[1]] for i, c in review.items()},
        "ranking": [[r.bid_id, r.rank, str(r.total) if r.total is not None else None] for r in outcome.results]})
    session.commit()
    return rows


def results(session: Session, lot_id: int) -> list[EvaluationResult]:
    return list(session.scalars(select(EvaluationResult).where(EvaluationResult.lot_id == lot_id)
                                .order_by(EvaluationResult.rank.is_(None), EvaluationResult.rank, EvaluationResult.bid_id)))


def my_committees(session: Session, user: CurrentUser) -> list[tuple[Committee, Lot]]:
    """The committees a person sits on (not those they withdrew from)."""
    rows = session.execute(select(Committee, Lot).join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
                           .join(Lot, Lot.id == Committee.lot_id)
                           .where(CommitteeMember.user_id == user.id, CommitteeMember.withdrawn_at.is_(None))
                           .options(joinedload(Lot.tender)).order_by(Committee.formed_at.desc())).all()
    return [(c, l) for c, l in rows]


@dataclass(frozen=True)
class MyLot:
    """A committee seat as the evaluator's home lists it, with the member's next step."""

    committee: Committee
    lot: Lot
    step: str  # declare | score | submitted | finalised


def my_work(session: Session, user: CurrentUser) -> list[MyLot]:
    """The evaluator's lots, those needing them first: declare, then score, then the rest."""
    rows = session.execute(select(Committee, Lot, CommitteeMember).join(CommitteeMember, CommitteeMember.committee_id == Committee.id)
                           .join(Lot, Lot.id == Committee.lot_id)
                           .where(CommitteeMember.user_id == user.id, CommitteeMember.withdrawn_at.is_(None))
                           .options(joinedload(Lot.tender)).order_by(Committee.formed_at.desc())).all()
    order = {"declare": 0, "score": 1, "submitted": 2, "finalised": 3}
    work = [MyLot(c, lot, "finalised" if c.finalized_at else "declare" if m.declared_at is None
                  else "score" if m.sheet_submitted_at is None else "submitted") for c, lot, m in rows]
    return sorted(work, key=lambda w: order[w.step])


def lots_needing_members(session: Session, clock: Clock) -> list[tuple[Lot, Progress]]:
    """Lots opened and under evaluation whose committee is not formed yet, or is short of the
    members 87号令 第47条 requires (someone withdrew): the officer's to fill."""
    lots = session.scalars(select(Lot).where(Lot.opened_at.is_not(None), Lot.state == LotState.ACTIVE)
                           .options(joinedload(Lot.tender)).order_by(Lot.opened_at)).unique()
    needing = []
    for lot in lots:
        committee = committee_of(session, lot.id)
        if committee is not None and committee.finalized_at is not None:
            continue
        state = progress(session, clock, lot.id)
        if committee is None or state.short:
            needing.append((lot, state))
    return needing


def declare_relation(session: Session, clock: Clock, user: CurrentUser, contractor_id: int, relation: str) -> ExpertRelation:

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


# --- read models: the API's evaluation view, the officer's overview, the report ---------------


def evaluation_view(session: Session, clock: Clock, lot_id: int) -> EvaluationOut:
    """Where a lot's evaluation stands and, once final, its ranked results (API and overview page)."""
    state = progress(session, clock, lot_id)
    committee = state.committee
    bids = {b.id: b for b in session.scalars(select(Bid).where(Bid.lot_id == lot_id)).unique()}
    rows = results(session, lot_id) if committee and committee.finalized_at else []
    return EvaluationOut(
        lot_id, committee is not None and committee.finalized_at is not None,
        bool(committee and committee.unsuccessful), committee.ranking_seed if committee else None,
        [ResultOut.of(r, bids[r.bid_id].contractor.company_name, bids[r.bid_id].price) for r in rows],
        {"declarations": state.undeclared, "compliance": [f"#{i}" for i in state.unreviewed],
         "abnormal": [f"#{i}" for i in state.undecided_abnormal], "sheets": state.unsubmitted,
         "withdrawn": state.withdrawn},
        state.short, state.size, state.experts,
    )


def report_view(session: Session, clock: Clock, lot_id: int, user: CurrentUser) -> dict[str, Any]:
    """The evaluation report (评标报告) PDF's content, once the evaluation is final."""
    lot = lot_of(session, clock, lot_id)
    committee = committee_of(session, lot_id)
    if committee is None or committee.finalized_at is None:
        raise Forbidden("The evaluation report exists once the evaluation is finalised.")
    bid_list, reviews = bids_and_reviews(session, lot)
    bids = {b.id: b for b in bid_list}
    # 87号令 第61条: the committee's finding is the majority's; dissenting views and their reasons
    # are written into the report.
    return {"lot": lot, "tender": lot.tender, "committee": committee, "bids": bids, "reviews": reviews,
            "compliance": compliance_of(session, lot, committee),
            "present": present_members(committee),
            "withdrawn": [m for m in committee.members if not m.present],
            "results": results(session, lot_id), "sheets": sheets_visible_to(session, user, lot_id)}


#: Later domains add what they know about a lot to its evaluation overview (awards: the award and
#: the 中标候选人). Each handler returns context entries.
overview_panels: Hook[[Session, int], dict[str, Any]] = Hook("evaluation.overview_panels")


def overview_page(session: Session, clock: Clock, lot_id: int) -> dict[str, Any]:
    """The officer's page of a lot's evaluation: progress, the people who may sit, the results."""
    lot = lot_of(session, clock, lot_id)
    experts = list(session.scalars(select(User).where(User.role.in_([Role.EVALUATOR, Role.OFFICER]),
                                                      User.active.is_(True)).order_by(User.role, User.username)))
    context: dict[str, Any] = {"lot": lot, "tender": lot.tender, "state": progress(session, clock, lot_id),
                               "evaluation": evaluation_view(session, clock, lot_id), "experts": experts,
                               # 87号令 第47条: the committee's legal minimum is the draw's default.
                               "draw_default": rules.committee_minimum(lot.ceiling_price),
                               "award": None, "candidates": []}
    for panel in overview_panels(session, lot_id):
        context |= panel
    return context


def sheet_page(session: Session, clock: Clock, user: CurrentUser, lot_id: int) -> dict[str, Any]:
    """A member's evaluation sheet: once declared (and not withdrawn), the bids, the reviews, the
    compliance views and the member's own scores; prices above the ceiling flagged."""
    lot = lot_of(session, clock, lot_id)
    committee = committee_of(session, lot_id)
    member = next((m for m in committee.members if m.user_id == user.id), None) if committee else None
    if member is None or committee is None:
        raise Forbidden("You are not on the committee of this lot.")
    context: dict[str, Any] = {"lot": lot, "tender": lot.tender, "committee": committee, "member": member}
    if member.declared_at is not None and member.present:
        bids, reviews = bids_and_reviews(session, lot)
        context |= {"bids": bids, "reviews": reviews, "flagged": flagged(session, lot),
                    "views_locked": _review_locked(committee),
                    "above_ceiling": {b.id for b in bids if b.price is not None and b.price > lot.ceiling_price},
                    "compliance": compliance_of(session, lot, committee),
                    "compliant": compliant_ids(session, lot),
                    "state": progress(session, clock, lot_id),
                    "sheets": sheets_visible_to(session, user, lot_id)}
    return context

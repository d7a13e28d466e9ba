"""Tender use cases: drafting, publication, amendments, enquiries, cancellation, the clock.

State changes driven by the clock (published → closed at the deadline; lots judged after the
settling time) are derived by ``rules.tender_state_at``/``lot_state_at``: ``refresh`` shows them
on every read without writing, writing use cases persist them before acting, and the worker
(``tick``, run by ``procure worker``) persists them for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, literal, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.orm.attributes import set_committed_value

from procure.kernel import bounds
from procure.accounts import services as accounts
from procure.accounts.models import OpeningKey, User
from procure.accounts.rules import Permission, Role
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import SYSTEM, Actor
from procure.kernel.clock import BUREAU_TZ, Clock
from procure.kernel.db import is_read_only
from procure.kernel.errors import Conflict, InvalidInput, NotFound
from procure.kernel import inputs
from procure.kernel.hooks import Hook, Port
from procure.tendering.schemas import TenderIn
from procure.kernel.i18n import gettext
from procure.kernel.i18n import N_
from procure.kernel.money import round2
from procure.kernel.pagination import Page, PageRequest, count_of
from procure.sites import services as site_services
from procure.sites.models import Site
from procure.tendering.models import Amendment, Criterion, Enquiry, Lot, LotSite, OpeningHolder, Tender
from procure.tendering.rules import (
    CANCELLABLE_STATES, SETTLING_TIME, awaits_opening, CriterionDraft, StandingRule, LotDraft, LotState, Method, Problem, TenderDraft,
    TenderState, bidding_closed, deadline_after_amendment, lot_state_at, needs_settling, publication_problems, settles_at,
    tender_state_at,
)
from procure.kernel.clock import local_date
from procure.sites.rules import budget_estimate
from procure.sites.services import unit_rates
from procure.tendering.rules import budget_suggestion
from procure.sites.services import SiteFilter, bound_site_ids, filtered_query

DEFAULT_ABNORMAL_THRESHOLD = Decimal("0.20")
#: k of the k-of-n opening unless the officer sets it; the most officials a bid is sealed to.
DEFAULT_OPENING_THRESHOLD = 2
MAX_HOLDERS = 9
#: What bidders with a D scorecard standing meet: nothing, a warning, or exclusion.
STANDING_RULES = tuple(r.value for r in StandingRule)


# --- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotInput:
    title: str
    site_ids: tuple[int, ...]
    ceiling_price: Decimal
    term_months: int
    bid_bond: Decimal


@dataclass(frozen=True)
class TenderInput:
    title: str
    description: str
    method: str
    price_points: Decimal | None
    sme_deduction: Decimal | None
    abnormal_threshold: Decimal
    criteria: tuple[CriterionDraft, ...]
    lots: tuple[LotInput, ...]
    bid_deadline: datetime | None
    standing_rule: str = "off"


#: What the columns hold (procure/kernel/db.py): Money is NUMERIC(14,2); points Fixed(5,2); shares Fixed(4,2).
MONEY_LIMIT = Decimal("1e12")
POINTS_LIMIT = Decimal(1000)
SHARE_LIMIT = Decimal(100)
MAX_TERM_MONTHS = 120


_fixed = bounds.fixed_into


def _money(raw: Decimal | None, field: str, errors: list[dict[str, Any]], *, required: bool = True) -> Decimal:
    before = len(errors)
    value = _fixed(raw, field, errors, upper=MONEY_LIMIT)
    if value is None:
        if required and len(errors) == before:
            errors.append({"field": field, "message": "Required."})
        return Decimal(0)
    return value


def _decimal(raw: Decimal | None, field: str, errors: list[dict[str, Any]], *, upper: Decimal = POINTS_LIMIT) -> Decimal | None:
    return _fixed(raw, field, errors, upper=upper)


def parse_deadline(raw: object, *, field: str = "bid_deadline") -> datetime | None:
    """ISO 8601; a time without zone is Shanghai time (what an officer means). A ValueError when
    it is not a date and time; ``bounds.OutOfBounds`` (a ValueError) outside the years 2000–2100."""
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):
        value = raw
    else:
        value = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
    if not bounds.MIN_YEAR <= value.year <= bounds.MAX_YEAR:
        raise bounds.OutOfBounds(field, N_("The year must be between {low} and {high}."),
                                 low=str(bounds.MIN_YEAR), high=str(bounds.MAX_YEAR))
    return value if value.tzinfo else value.replace(tzinfo=BUREAU_TZ)


def parse_tender(given: TenderIn | Mapping[str, Any]) -> TenderInput:
    """Check a tender draft against its columns (types are the input's: ``TenderIn``); the
    publication rules come later, at publish. A mapping (stored values merged with a change) is
    converted first, with the same errors."""
    data = inputs.typed(TenderIn, given)
    errors: list[dict[str, Any]] = []
    title = data.title.strip()
    if not title or len(title) > 200:
        errors.append({"field": "title", "message": "A title of 1–200 characters is required."})
    if data.method not in {m.value for m in Method}:
        errors.append({"field": "method", "message": "Unknown evaluation method; use comprehensive or lowest_price."})
    price_points = _decimal(data.price_points, "price_points", errors)
    sme = _decimal(data.sme_deduction, "sme_deduction", errors, upper=SHARE_LIMIT)
    threshold = _decimal(data.abnormal_threshold, "abnormal_threshold", errors, upper=SHARE_LIMIT)
    criteria = []
    for i, c in enumerate(data.criteria, start=1):
        points = _decimal(c.max_points, f"criteria[{i}].max_points", errors)
        criteria.append(CriterionDraft(c.code.strip()[:32], c.name.strip()[:200],
                                       points if points is not None else Decimal(0)))
    lots = []
    for i, lot in enumerate(data.lots, start=1):
        # No term yet is a draft's gap (publication asks for one); a given term is 1–120 months.
        term = _fixed(lot.term_months, f"lots[{i}].term_months", errors, places=0, lower=Decimal(1),
                      upper=Decimal(MAX_TERM_MONTHS), inclusive=True)
        lots.append(LotInput((lot.title.strip() or f"标段{i}")[:200], tuple(lot.site_ids),
                             _money(lot.ceiling_price, f"lots[{i}].ceiling_price", errors),
                             int(term) if term is not None else 0,
                             _money(lot.bid_bond, f"lots[{i}].bid_bond", errors)))
    try:
        deadline = parse_deadline(data.bid_deadline)
    except bounds.OutOfBounds as exc:
        errors.append(exc.error)
        deadline = None
    except ValueError:
        errors.append({"field": "bid_deadline", "message": "Not a date and time; use ISO 8601, e.g. 2026-12-31T09:30."})
        deadline = None
    if data.standing_rule not in STANDING_RULES:
        errors.append({"field": "standing_rule", "message": "Use off, warn or exclude."})
    if errors:
        raise InvalidInput("The tender has errors.", errors=errors)
    return TenderInput(title, data.description.strip(), data.method, price_points,
                       sme if sme else None, threshold if threshold is not None else DEFAULT_ABNORMAL_THRESHOLD,
                       tuple(criteria), tuple(lots), deadline, standing_rule=data.standing_rule)


# --- drafting -------------------------------------------------------------------------------


def _next_reference(session: Session, clock: Clock) -> str:
    year = clock().astimezone(BUREAU_TZ).year
    prefix = f"YHCG-{year}-"
    count = session.scalar(select(func.count()).select_from(Tender).where(Tender.reference.like(prefix + "%"))) or 0
    return f"{prefix}{count + 1:04d}"


def _sites(session: Session, ids: Iterable[int]) -> list[Site]:
    wanted = list(dict.fromkeys(ids))
    found = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(wanted))).unique()}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput("Unknown sites: {ids}.", ids=", ".join(map(str, missing)),
                           errors=[{"field": "site_ids", "message": "Unknown site."}])
    return [found[i] for i in wanted]


def _apply(session: Session, tender: Tender, data: TenderInput) -> None:
    """Write a draft's fields. Lots and criteria are updated in place, position by position, so
    an amendment never replaces a lot that bids already point to."""
    tender.title, tender.description, tender.method = data.title, data.description, data.method
    tender.price_points, tender.sme_deduction = data.price_points, data.sme_deduction
    tender.abnormal_threshold, tender.bid_deadline = data.abnormal_threshold, data.bid_deadline
    tender.standing_rule = data.standing_rule
    # Remove surplus rows first: a flush inserts before it deletes, and the unique (tender, code)
    # and (tender, number) would clash.
    del tender.criteria[len(data.criteria):]
    del tender.lots[len(data.lots):]
    session.flush()
    for position, _wanted in enumerate(data.criteria, start=1):
        if position <= len(tender.criteria):
            criterion = tender.criteria[position - 1]
            criterion.code = f"~{position}"  # free the code while codes are reshuffled
        else:
            criterion = Criterion(position=position, code=f"~{position}", name="", max_points=Decimal(0))
            tender.criteria.append(criterion)
    session.flush()
    for criterion, wanted in zip(tender.criteria, data.criteria):
        criterion.code, criterion.name, criterion.max_points = wanted.code, wanted.name, wanted.max_points
    for number, wanted_lot in enumerate(data.lots, start=1):
        sites = _sites(session, wanted_lot.site_ids)
        if number <= len(tender.lots):
            lot = tender.lots[number - 1]
        else:
            lot = Lot(number=number, state=LotState.ACTIVE)
            tender.lots.append(lot)
        lot.title, lot.ceiling_price, lot.term_months = wanted_lot.title, wanted_lot.ceiling_price, wanted_lot.term_months
        lot.bid_bond, lot.sites = wanted_lot.bid_bond, sites


def create_tender(session: Session, clock: Clock, actor: Actor, raw: TenderIn | Mapping[str, Any],
                  source_lot_id: int | None = None) -> Tender:
    data = parse_tender(raw)
    now = clock()
    tender = Tender(reference=_next_reference(session, clock), state=TenderState.DRAFT, version=0,
                    created_by_id=actor.id, created_at=now, updated_at=now, cancel_reason="",
                    source_lot_id=source_lot_id, abnormal_threshold=DEFAULT_ABNORMAL_THRESHOLD)
    session.add(tender)
    _apply(session, tender, data)
    session.flush()
    audit.record(session, clock, actor, "tender.create", "tender", tender.id, None, tender.audit_view())
    session.commit()
    return tender


def update_draft(session: Session, clock: Clock, actor: Actor, tender_id: int, raw: Mapping[str, Any]) -> Tender:
    tender = get(session, clock, tender_id)
    if tender.state != TenderState.DRAFT:
        raise Conflict("Only a draft can be edited; a published tender changes by amendment.")
    before = tender.audit_view()
    merged = draft_as_raw(tender) | dict(raw)
    _apply(session, tender, parse_tender(merged))
    tender.updated_at = clock()
    session.flush()
    audit.record(session, clock, actor, "tender.update", "tender", tender.id, before, tender.audit_view())
    session.commit()
    return tender


def draft_as_raw(tender: Tender) -> dict[str, Any]:
    return {
        "title": tender.title, "description": tender.description, "method": tender.method,
        "price_points": tender.price_points, "sme_deduction": tender.sme_deduction,
        "abnormal_threshold": tender.abnormal_threshold,
        "bid_deadline": tender.bid_deadline.isoformat() if tender.bid_deadline else None,
        "standing_rule": tender.standing_rule,
        "criteria": [{"code": c.code, "name": c.name, "max_points": c.max_points} for c in tender.criteria],
        "lots": [{"title": l.title, "site_ids": [s.id for s in l.sites], "ceiling_price": l.ceiling_price,
                  "term_months": l.term_months or None, "bid_bond": l.bid_bond} for l in tender.lots],
    }


def draft_of(tender: Tender) -> TenderDraft:
    return TenderDraft(
        title=tender.title, method=tender.method, price_points=tender.price_points,
        sme_deduction=tender.sme_deduction, abnormal_threshold=tender.abnormal_threshold,
        criteria=[CriterionDraft(c.code, c.name, c.max_points) for c in tender.criteria],
        lots=[LotDraft(l.title, len(l.sites), l.ceiling_price, l.term_months, l.bid_bond) for l in tender.lots],
        bid_deadline=tender.bid_deadline,
    )


def _problems_error(problems: list[Problem], message: str) -> InvalidInput:
    return InvalidInput(message, count=len(problems),
                        errors=[{"field": p.field, "message": p.message, "params": p.params} for p in problems])


def opening_candidates(session: Session) -> list[tuple[User, OpeningKey]]:
    """Who may hold a share of a tender's bids: active bureau staff (not companies, not outside
    experts) with a current opening key, made on their own device."""
    rows = session.execute(select(User, OpeningKey).join(OpeningKey, OpeningKey.user_id == User.id)
                           .where(User.active.is_(True), OpeningKey.retired_at.is_(None),
                                  User.role.not_in([Role.CONTRACTOR, Role.EVALUATOR]))
                           .order_by(User.id))
    return [(user, key) for user, key in rows]


def _choose_holders(session: Session, holder_ids: Sequence[int] | None, threshold: int | None
                    ) -> tuple[list[tuple[User, OpeningKey]], int, list[Problem]]:
    candidates = opening_candidates(session)
    if holder_ids is not None:
        wanted = set(holder_ids)
        chosen = [(u, k) for u, k in candidates if u.id in wanted]
        if len(chosen) != len(wanted):
            return [], 0, [Problem(N_("Every opening official needs an active account and an opening key of their "
                                            "own."), "opening_holders")]
    else:
        chosen = candidates[:MAX_HOLDERS]
    k = threshold if threshold is not None else min(DEFAULT_OPENING_THRESHOLD, len(chosen))
    problems = [Problem(N_("The opening needs between 2 and {most} officials with an opening key (each "
                                   "registers theirs under Opening key); {count} are chosen."), "opening_holders",
                                {"most": MAX_HOLDERS, "count": len(chosen)})] if not 2 <= len(chosen) <= MAX_HOLDERS else []
    if not problems and not 2 <= k <= len(chosen):
        problems.append(Problem(N_("k, the officials needed to open, must be between 2 and the {count} "
                                   "chosen."), "opening_threshold", {"count": len(chosen)}))
    return chosen, k, problems


def publish(session: Session, clock: Clock, actor: Actor, tender_id: int, *,
            opening_holders: Sequence[int] | None = None, opening_threshold: int | None = None) -> Tender:
    """Publish a draft. The opening officials (k of n) are fixed here: bidders seal to their keys
    (bidding.sealing; 电子招标投标办法 第26条). By default every official with a key, k = 2."""
    tender = get(session, clock, tender_id)
    if tender.state != TenderState.DRAFT:
        raise Conflict("This tender is {state}; only a draft can be published.", state=tender.state)
    now = clock()
    holders, k, opening_problems = _choose_holders(session, opening_holders, opening_threshold)
    problems = publication_problems(draft_of(tender), now) + bound_elsewhere(session, clock, tender) + opening_problems
    if problems:
        raise _problems_error(problems, "The tender cannot be published: {count} problems.")
    before = tender.audit_view()
    tender.state, tender.published_at, tender.updated_at = TenderState.PUBLISHED, now, now
    tender.opening_threshold = k
    tender.holders = [OpeningHolder(user_id=user.id, position=i, public_key=key.public_key, fingerprint=key.fingerprint,
                                    display_name=user.display_name) for i, (user, key) in enumerate(holders, start=1)]
    audit.record(session, clock, actor, "tender.publish", "tender", tender.id, before, tender.audit_view())
    session.commit()
    return tender


# --- amendments, enquiries, cancellation ----------------------------------------------------


#: Ports bidding provides (bidding comes after tendering in the dependency order; docs/architecture.md):
#: the companies with a submitted bid on some lots, as a SQL subquery of contractor ids …
bidder_companies: Port[[list[int]], Select[int]] = Port("tendering.bidder_companies")
#: … and the number of submitted bids per lot.
bid_counts: Port[[Session, list[int]], dict[int, int]] = Port("tendering.bid_counts")


def _bidder_user_ids(session: Session, tender: Tender) -> list[int]:
    """Whom an amendment or a cancellation is sent to. Before the opening nobody knows who bid
    (bidding.sealing keeps the company sealed; 招标投标法 第22条), so every active company login is
    told: the notice is public anyway. After the opening, the bidders."""
    if tender.opened_at is None:
        return list(session.scalars(select(User.id).where(User.contractor_id.is_not(None), User.active.is_(True))))
    contractor_ids = bidder_companies([l.id for l in tender.lots])
    return list(session.scalars(select(User.id).where(User.contractor_id.in_(contractor_ids), User.active.is_(True))))


AMENDABLE = ("description", "bid_deadline", "lots", "criteria", "price_points", "sme_deduction", "abnormal_threshold")


def amend(session: Session, clock: Clock, actor: Actor, tender_id: int, reason: str, changes: Mapping[str, Any]) -> Amendment:
    """更正公告: change a published tender before its deadline (招标投标法 第23条)."""
    tender = get(session, clock, tender_id, lock=True)
    now = clock()
    if tender.state != TenderState.PUBLISHED or bidding_closed(tender.bid_deadline, now):
        raise Conflict("Only a published tender before its bid deadline can be amended.")
    if not reason.strip():
        raise InvalidInput("An amendment needs a reason.", errors=[{"field": "reason", "message": "Required."}])
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise InvalidInput("These fields cannot be amended: {fields}.", fields=", ".join(sorted(unknown)))
    if "lots" in changes and not isinstance(changes["lots"], (list, tuple)):
        raise InvalidInput("The tender has errors.", errors=[{"field": "lots", "message": "A list is required."}])
    if "lots" in changes and len(changes["lots"]) != len(tender.lots):
        raise InvalidInput("An amendment may change lots but not add or remove them; cancel and re-tender instead.")
    before = tender.audit_view()
    deadline_before = tender.bid_deadline
    _apply(session, tender, parse_tender(draft_as_raw(tender) | dict(changes)))
    if tender.bid_deadline is None:
        raise InvalidInput("The tender has errors.", errors=[
            {"field": "bid_deadline", "message": "A published tender keeps a bid deadline; give the new one."}])
    if tender.bid_deadline <= now:
        raise InvalidInput("The new bid deadline must be in the future.")
    problems = [p for p in publication_problems(draft_of(tender), tender.published_at or now)
                if p.field != "bid_deadline"] + bound_elsewhere(session, clock, tender)
    if problems:
        raise _problems_error(problems, "The amendment cannot be published: {count} problems.")
    tender.bid_deadline = deadline_after_amendment(now, tender.bid_deadline)
    tender.version += 1
    tender.updated_at = now
    amendment = Amendment(version=tender.version, published_at=now, reason=reason.strip(),
                          changes={k: _jsonable(v) for k, v in changes.items()}, deadline_before=deadline_before,
                          deadline_after=tender.bid_deadline)
    tender.amendments.append(amendment)  # through the collection: a loaded tender sees it at once
    session.flush()
    accounts.notify(session, clock, _bidder_user_ids(session, tender),
           N_("Tender {reference} was amended (version {version}); check it and resubmit your bid if needed."),
           f"/tenders/{tender.id}", reference=tender.reference, version=tender.version)
    audit.record(session, clock, actor, "tender.amend", "tender", tender.id, before,
                 tender.audit_view() | {"reason": amendment.reason})
    session.commit()
    return amendment


def _jsonable(value: Any) -> Any:  # Any: a JSON value or a Decimal/datetime inside one
    if isinstance(value, (Decimal, datetime)):
        return str(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def ask(session: Session, clock: Clock, actor: Actor, tender_id: int, contractor_id: int, question: str) -> Enquiry:
    tender = get(session, clock, tender_id)
    if tender.state != TenderState.PUBLISHED or bidding_closed(tender.bid_deadline, clock()):
        raise Conflict("Questions can be asked only while the tender is open for bids.")
    text = question.strip()
    if not text or len(text) > 4000:
        raise InvalidInput("Write a question of at most 4,000 characters.",
                           errors=[{"field": "question", "message": "Required."}])
    enquiry = Enquiry(contractor_id=contractor_id, question=text, asked_at=clock())
    tender.enquiries.append(enquiry)
    session.flush()
    audit.record(session, clock, actor, "enquiry.ask", "enquiry", enquiry.id, None, {"tender": tender.id})
    session.commit()
    return enquiry


def answer(session: Session, clock: Clock, actor: Actor, enquiry_id: int, text: str) -> Enquiry:
    """A public answer is a clarification: fewer than 15 days before the deadline it moves the
    deadline (招标投标法 第23条)."""
    enquiry = session.get(Enquiry, enquiry_id)
    if enquiry is None:
        raise NotFound("Enquiry {id} does not exist.", id=enquiry_id)
    tender = get(session, clock, enquiry.tender_id, lock=True)
    now = clock()
    if tender.state != TenderState.PUBLISHED or bidding_closed(tender.bid_deadline, now):
        raise Conflict("Only enquiries of a tender open for bids can be answered.")
    if not text.strip():
        raise InvalidInput("Write the answer.", errors=[{"field": "answer", "message": "Required."}])
    assert tender.bid_deadline is not None
    enquiry.answer, enquiry.answered_at, enquiry.answered_by_id = text.strip(), now, actor.id
    moved = deadline_after_amendment(now, tender.bid_deadline)
    if moved != tender.bid_deadline:
        tender.version += 1
        tender.amendments.append(Amendment(version=tender.version, published_at=now,
                                           reason=f"答疑澄清 #{enquiry.id}", changes={"clarification": enquiry.id},
                                           deadline_before=tender.bid_deadline, deadline_after=moved))
        tender.bid_deadline = moved
        accounts.notify(session, clock, _bidder_user_ids(session, tender),
               N_("Tender {reference} was amended (version {version}); check it and resubmit your bid if needed."),
               f"/tenders/{tender.id}", reference=tender.reference, version=tender.version)
    audit.record(session, clock, actor, "enquiry.answer", "enquiry", enquiry.id, None,
                 {"tender": tender.id, "deadline": tender.bid_deadline.isoformat()})
    session.commit()
    return enquiry


def cancel(session: Session, clock: Clock, actor: Actor, tender_id: int, reason: str) -> Tender:
    tender = get(session, clock, tender_id, lock=True)
    if tender.state not in CANCELLABLE_STATES:
        raise Conflict("This tender is {state} and can no longer be cancelled.", state=tender.state)
    if not reason.strip():
        raise InvalidInput("A cancellation needs a reason.", errors=[{"field": "reason", "message": "Required."}])
    before = tender.audit_view()
    now = clock()
    tender.state, tender.cancelled_at, tender.cancel_reason, tender.updated_at = TenderState.CANCELLED, now, reason.strip(), now
    for lot in tender.lots:
        if lot.state == LotState.ACTIVE:
            lot.state = LotState.CANCELLED
    accounts.notify(session, clock, _bidder_user_ids(session, tender), N_("Tender {reference} was cancelled: {reason}"),
           f"/tenders/{tender.id}", reference=tender.reference, reason=tender.cancel_reason)
    audit.record(session, clock, actor, "tender.cancel", "tender", tender.id, before,
                 tender.audit_view() | {"reason": tender.cancel_reason})
    session.commit()
    return tender


def retender(session: Session, clock: Clock, actor: Actor, lot_id: int) -> Tender:
    """重新招标: a new draft copied from an unsuccessful lot (招标投标法 第28条)."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound("Lot {id} does not exist.", id=lot_id)
    get(session, clock, lot.tender_id)
    if lot.state != LotState.UNSUCCESSFUL:
        raise Conflict("Only an unsuccessful lot (流标) can be re-tendered.")
    source = lot.tender

    taken = site_services.commitments(session, [s.id for s in lot.sites], local_date(clock()))
    if taken:
        names = "; ".join(f"{c.label}: {next(s.code for s in lot.sites if s.id == c.site_id)}"
                          for bound in taken.values() for c in bound)
        raise Conflict("Some of this lot's sites are bound elsewhere since it failed: {names}.", names=names)
    raw = draft_as_raw(source) | {
        "title": f"{source.title}（{lot.title}重新招标）"[:200], "bid_deadline": None,
        "lots": [{"title": lot.title, "site_ids": [s.id for s in lot.sites], "ceiling_price": lot.ceiling_price,
                  "term_months": lot.term_months, "bid_bond": lot.bid_bond}],
    }
    return create_tender(session, clock, actor, raw, source_lot_id=lot.id)


# --- reading and the clock ------------------------------------------------------------------


def in_full() -> tuple[ORMOption, ...]:
    """Load a tender with everything its page and notice show, in one query per collection."""
    return (selectinload(Tender.lots).selectinload(Lot.sites), selectinload(Tender.criteria),
            selectinload(Tender.amendments), selectinload(Tender.enquiries), selectinload(Tender.holders))


def get(session: Session, clock: Clock, tender_id: int, *, lock: bool = False) -> Tender:
    """A tender with its lots, sites, criteria, amendments and enquiries (``in_full``), moved along by
    the clock first."""
    stmt = select(Tender).where(Tender.id == tender_id).options(*in_full())
    if lock:
        # A locked read must see the row as it is now, not as this session loaded it earlier.
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    tender = session.scalar(stmt)
    if tender is None:
        raise NotFound("Tender {id} does not exist.", id=tender_id)
    refresh(session, clock, tender)
    return tender


def get_lot(session: Session, clock: Clock, lot_id: int) -> Lot:
    """A lot, its tender moved along by the clock first."""
    lot = lots_by_id(session, clock, [lot_id]).get(lot_id)
    if lot is None:
        raise NotFound("Lot {id} does not exist.", id=lot_id)
    return lot


def lots_by_id(session: Session, clock: Clock, lot_ids: Iterable[int]) -> dict[int, Lot]:
    """Several lots as ``get_lot`` loads one, in one query, their tenders moved along by the clock."""
    lots = {lot.id: lot for lot in session.scalars(select(Lot).where(Lot.id.in_(set(lot_ids))).options(
        selectinload(Lot.sites), joinedload(Lot.tender).selectinload(Tender.criteria),
        joinedload(Lot.tender).selectinload(Tender.holders))).unique()}
    refresh_many(session, clock, {lot.tender.id: lot.tender for lot in lots.values()}.values())
    return lots


def refresh(session: Session, clock: Clock, tender: Tender) -> bool:
    """Bring a tender to its state at the clock's ``now`` (as ProZorro's chronograph does).

    In a read-only session (every GET) the derived state is only *shown*: it is set on the
    loaded objects as if it had been read, and nothing is written. In a writing use case the
    transition is persisted first — with a conditional UPDATE, so two processes doing it at once
    record it (and its audit row) exactly once. Returns True if this call wrote a transition.
    """
    return refresh_many(session, clock, [tender]) > 0


def refresh_many(session: Session, clock: Clock, tenders: Iterable[Tender]) -> int:
    now = clock()
    moving = []
    for tender in tenders:
        state_now = tender_state_at(tender.state, tender.bid_deadline, now)
        if state_now != tender.state or needs_settling(state_now, tender.settled_at, tender.bid_deadline, now):
            moving.append((tender, state_now))
    if not moving:
        return 0
    settling = [t for t, state_now in moving if needs_settling(state_now, t.settled_at, t.bid_deadline, now)]
    unloaded = [t.id for t in settling if "lots" in sa_inspect(t).unloaded]
    if unloaded:  # settling derives every lot's state: load the lots of all those tenders at once
        session.scalars(select(Tender).where(Tender.id.in_(unloaded)).options(selectinload(Tender.lots))).all()
    counts = _bid_counts(session, [lot.id for t in settling for lot in t.lots])
    if is_read_only(session):
        for tender, state_now in moving:
            _show(tender, state_now, tender in settling, counts)
        return 0
    return sum(_persist(session, clock, tender, state_now, tender in settling, counts) for tender, state_now in moving)


def _bid_counts(session: Session, lot_ids: list[int]) -> dict[int, int]:
    return bid_counts(session, lot_ids) if lot_ids else {}


def _show(tender: Tender, state_now: str, settling: bool, counts: Mapping[int, int]) -> None:
    """Present the derived state as if loaded: no attribute is dirty, so nothing can be flushed."""
    if state_now != tender.state:
        set_committed_value(tender, "state", state_now)
        set_committed_value(tender, "closed_at", tender.bid_deadline)
    if settling:
        assert tender.bid_deadline is not None
        for lot in tender.lots:
            set_committed_value(lot, "state", lot_state_at(lot.state, True, counts.get(lot.id, 0)))
        set_committed_value(tender, "settled_at", settles_at(tender.bid_deadline))


def _persist(session: Session, clock: Clock, tender: Tender, state_now: str, settling: bool,
             counts: Mapping[int, int]) -> int:
    written = 0
    if state_now == TenderState.CLOSED and tender.state == TenderState.PUBLISHED:
        before = tender.audit_view()
        result = session.execute(update(Tender).where(Tender.id == tender.id, Tender.state == TenderState.PUBLISHED)
                                 .values(state=TenderState.CLOSED, closed_at=tender.bid_deadline)
                                 .execution_options(synchronize_session=False))
        if result.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE answers a CursorResult; execute() is typed Result
            set_committed_value(tender, "state", TenderState.CLOSED)
            set_committed_value(tender, "closed_at", tender.bid_deadline)
            audit.record(session, clock, SYSTEM, "tender.close", "tender", tender.id, before, tender.audit_view())
            written += 1
        else:
            session.refresh(tender)
    if settling and tender.settled_at is None:
        assert tender.bid_deadline is not None
        before = tender.audit_view()
        when = settles_at(tender.bid_deadline)
        result = session.execute(update(Tender).where(Tender.id == tender.id, Tender.settled_at.is_(None))
                                 .values(settled_at=when).execution_options(synchronize_session=False))
        if result.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE answers a CursorResult; execute() is typed Result
            set_committed_value(tender, "settled_at", when)
            for lot in tender.lots:
                lot.state = lot_state_at(lot.state, True, counts.get(lot.id, 0))
            audit.record(session, clock, SYSTEM, "tender.settle", "tender", tender.id, before, tender.audit_view())
            written += 1
        else:
            session.refresh(tender)
            for lot in tender.lots:
                session.refresh(lot)
    session.flush()
    return written


def due_to_move(now: datetime) -> Any:
    """Tenders the clock has moved past what is stored: the worker's to-do list, in SQL."""
    return ((Tender.state == TenderState.PUBLISHED) & (Tender.bid_deadline <= now)) | (
        (Tender.state == TenderState.CLOSED) & Tender.settled_at.is_(None) & (Tender.bid_deadline <= now - SETTLING_TIME))


def unanswered_enquiries(session: Session, limit: int = 10) -> list[tuple[Enquiry, Tender]]:
    """Companies' questions still waiting for the bureau's answer, oldest first, with their tender."""
    rows = session.execute(select(Enquiry, Tender).join(Tender, Tender.id == Enquiry.tender_id)
                           .where(Enquiry.answer.is_(None)).order_by(Enquiry.asked_at).limit(limit)).all()
    return [(e, t) for e, t in rows]


#: How long before a deadline people are reminded of it.
REMIND_BEFORE = timedelta(hours=24)


def remind_closing(session: Session, clock: Clock) -> int:
    """Tell every approved company's logins, once, that a published tender closes within 24 hours
    (the bureau cannot know who means to bid: bidders are sealed until the opening)."""
    now = clock()
    closing = list(session.scalars(select(Tender).where(Tender.state == TenderState.PUBLISHED,
                                                        Tender.bid_deadline > now,
                                                        Tender.bid_deadline <= now + REMIND_BEFORE)))
    if not closing:
        return 0
    companies = accounts.logins_with(session, Permission.BIDS_SUBMIT)
    told = 0
    for tender in closing:
        assert tender.bid_deadline is not None
        told += accounts.notify(session, clock, companies,
                                N_("Tender {reference} closes for bids at {deadline}."), f"/tenders/{tender.id}",
                                key=f"tender-closing:{tender.id}", reference=tender.reference,
                                deadline=tender.bid_deadline.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M"))
    session.commit()
    return told


def tick(session: Session, clock: Clock) -> int:
    """Persist what the clock has moved (``procure worker``); one transaction per tender, so a
    crash leaves every tender either moved or not, and two workers never record a move twice."""
    assert not is_read_only(session), "tick writes: give it a writing session"
    now = clock()
    moved = 0
    for tender_id in list(session.scalars(select(Tender.id).where(due_to_move(now)).order_by(Tender.id))):
        tender = session.scalar(select(Tender).where(Tender.id == tender_id).options(selectinload(Tender.lots)))
        assert tender is not None
        moved += refresh(session, clock, tender)
        session.commit()
    return moved


def state_condition(state: str, now: datetime) -> Any:
    """SQL for "the tender's state at ``now`` is ``state``", matching ``rules.tender_state_at``."""
    if state == TenderState.CLOSED:
        return (Tender.state == TenderState.CLOSED) | ((Tender.state == TenderState.PUBLISHED) & (Tender.bid_deadline <= now))
    if state == TenderState.PUBLISHED:
        return (Tender.state == TenderState.PUBLISHED) & ((Tender.bid_deadline.is_(None)) | (Tender.bid_deadline > now))
    return Tender.state == state


@dataclass(frozen=True)
class TenderFilter:
    state: str | None = None
    q: str | None = None


PUBLIC_STATES = tuple(s.value for s in TenderState if s != TenderState.DRAFT)


def list_tenders(session: Session, clock: Clock, flt: TenderFilter, paging: PageRequest, *,
                 include_drafts: bool) -> Page[Tender]:
    stmt = select(Tender).options(selectinload(Tender.lots))
    if not include_drafts:
        # "not a draft" rather than IN (every other state): the planner then walks the
        # (created_at, id) index backwards and stops after one page instead of sorting them all.
        stmt = stmt.where(Tender.state != TenderState.DRAFT)
    if flt.state:
        stmt = stmt.where(state_condition(flt.state, clock()))
    if flt.q:
        stmt = stmt.where(Tender.title.ilike(f"%{flt.q}%") | Tender.reference.ilike(f"%{flt.q}%"))
    total = count_of(session, stmt)
    rows = list(session.scalars(stmt.order_by(Tender.created_at.desc(), Tender.id.desc())
                                .offset(paging.offset).limit(paging.per_page)).unique())
    refresh_many(session, clock, rows)
    return Page(rows, total, paging)





@dataclass(frozen=True)
class LotEstimate:
    yearly: Decimal
    suggestion: Decimal  # over the lot's term: a suggestion for its ceiling price


def lot_estimates_for_sites(session: Session, sites: list[Site], term_months: int) -> Decimal:
    """The unit-rate budget of some sites over a term (DESIGN §3)."""

    yearly = budget_estimate([(s.kind, s.grade, s.area_m2) for s in sites], unit_rates(session)).total
    return budget_suggestion(yearly, term_months)


def lot_estimates(session: Session, tender: Tender) -> dict[int, LotEstimate]:
    """Unit-rate budget of each lot's sites (DESIGN §3), to size ceiling prices."""

    rates = unit_rates(session)
    result = {}
    for lot in tender.lots:
        yearly = budget_estimate([(s.kind, s.grade, s.area_m2) for s in lot.sites], rates).total
        result[lot.id] = LotEstimate(yearly, budget_suggestion(yearly, lot.term_months or 12))
    return result


def candidate_sites(session: Session, clock: Clock, jurisdiction: str | None = None) -> list[Site]:
    """Sites a new tender may pick: handed over and bound nowhere — in no lot of a live tender and
    under no contract in force (``sites.services.commitments``) — newest first (管养分开)."""

    today = local_date(clock())
    stmt = filtered_query(session, SiteFilter(jurisdiction=jurisdiction, handed_over=True), today)
    stmt = stmt.where(Site.id.not_in(bound_site_ids(today))).order_by(Site.handover_date.desc(), Site.code).limit(300)
    return list(session.scalars(stmt).unique())


@site_services.commitment_source
def _sites_in_procurement(today: date) -> site_services.CommitmentQuery:
    """A site is bound from publication while its lot is open or awarded (its contract binds it
    after that); a draft binds nothing, a 流标 or cancelled lot frees it."""
    return (select(LotSite.site_id.label("site_id"), literal("tender").label("kind"), Tender.id.label("holder_id"),
                   Tender.reference.label("label"))
            .join(Lot, Lot.id == LotSite.lot_id).join(Tender, Tender.id == Lot.tender_id)
            .where(Tender.state.not_in([TenderState.DRAFT, TenderState.CANCELLED]),
                   Lot.state.in_([LotState.ACTIVE, LotState.AWARDED])))


def bound_elsewhere(session: Session, clock: Clock, tender: Tender) -> list[Problem]:
    """Sites of this tender already bound by another tender or a contract (one site, one
    maintainer: 管养分开 — two procurements of the same site would buy its upkeep twice)."""

    sites_by_id = {s.id: (lot.number, s) for lot in tender.lots for s in lot.sites}
    found = site_services.commitments(session, sites_by_id, local_date(clock()))
    problems = []
    for site_id, bound in sorted(found.items()):
        number, site = sites_by_id[site_id]
        for c in bound:
            if c.kind == "tender" and c.holder_id == tender.id:
                continue
            message = (N_("Site {site} is already in tender {holder}.") if c.kind == "tender"
                       else N_("Site {site} is maintained under contract {holder}."))
            problems.append(Problem(message, f"lots[{number}]", {"site": f"{site.name} ({site.code})", "holder": c.label}))
    return problems


@audit.opened_tenders.provide
def _opened_tenders() -> Select[int]:
    return select(Tender.id).where(Tender.opened_at.is_not(None))


# --- the tender page (one read model; later domains add their panels) -------------------------


@dataclass(frozen=True)
class PageViewer:
    """Who looks at a tender page: their login (or nobody), locale, and the blind-index key that
    finds a company's own sealed bids (bidding.rules.bidder_tag)."""

    user: CurrentUser | None
    locale: str
    index_key: bytes


#: Later domains add what they know about a tender to its page: bidding the opening record and the
#: company's own bids and standing, awards each lot's award. Each handler returns context entries.
tender_page_panels: Hook[[Session, Clock, PageViewer, Tender], dict[str, Any]] = Hook("tendering.tender_page_panels")


def visible(user: CurrentUser | None, tender: Tender) -> Tender:
    """Drafts exist only for officers; to everyone else they are simply not there."""
    if tender.state == TenderState.DRAFT and (user is None or not user.can(Permission.TENDERS_MANAGE)):
        raise NotFound("Tender {id} does not exist.", id=tender.id)
    return tender


def notice_view(session: Session, clock: Clock, user: CurrentUser | None, tender_id: int) -> dict[str, Any]:
    """The tender notice (招标公告) PDF's content: a published tender with each lot's area."""
    tender = visible(user, get(session, clock, tender_id))
    if tender.published_at is None:
        raise NotFound("Tender {id} does not exist.", id=tender_id)
    return {"tender": tender, "areas": {lot.id: sum((s.area_m2 for s in lot.sites), Decimal(0)) for lot in tender.lots}}


def tender_page(session: Session, clock: Clock, viewer: PageViewer, tender_id: int) -> dict[str, Any]:
    """Everything the tender page shows, for this viewer (drafts exist only for officers)."""
    user = viewer.user
    officer = user is not None and user.can(Permission.TENDERS_MANAGE)
    tender = visible(user, get(session, clock, tender_id))
    context: dict[str, Any] = {"tender": tender, "officer": officer, "now": clock(), "opening": None, "awards": {},
                               "may_open": officer and awaits_opening(tender.state, tender.opened_at),
                               "may_cancel": officer and tender.state in CANCELLABLE_STATES}
    if officer:
        context["estimates"] = lot_estimates(session, tender)
        if tender.state == TenderState.DRAFT:
            context["problems"] = [gettext(viewer.locale, p.message, **p.params)
                                   for p in publication_problems(draft_of(tender), clock())]
            context["opening_candidates"] = opening_candidates(session)
            context["default_threshold"] = DEFAULT_OPENING_THRESHOLD
    for panel in tender_page_panels(session, clock, viewer, tender):
        context |= panel
    return context


@dataclass(frozen=True)
class SiteChoice:
    """A handed-over site as the tender form offers it: where it is bound today (nowhere: free)
    and its yearly unit-rate estimate (area × the rate of its kind and grade; None without a rate)."""

    site: Site
    bound: list[Any]
    yearly: Decimal | None

    @property
    def status(self) -> str:
        return "free" if not self.bound else self.bound[0].kind  # tender | contract


#: The most sites the tender form lists (a district hands over a few hundred a year).
EDITOR_SITES = 1000


def editor_page(session: Session, clock: Clock, tender: Tender | None) -> dict[str, Any]:
    """The new/edit tender form: every handed-over site with its status (free, in a live tender,
    under contract) and yearly estimate, this tender's own sites first; the streets and kinds to
    filter by (in the page, so filtering never loses what was typed)."""
    today = local_date(clock())
    stmt = filtered_query(session, SiteFilter(handed_over=True), today).order_by(Site.handover_date.desc(), Site.code)
    sites = list(session.scalars(stmt.limit(EDITOR_SITES)).unique())
    chosen = [s for lot in (tender.lots if tender else []) for s in lot.sites]
    listed = {s.id for s in sites}
    sites = [s for s in chosen if s.id not in listed] + sites
    bound = {site_id: [c for c in found if not (c.kind == "tender" and tender and c.holder_id == tender.id)]
             for site_id, found in site_services.commitments(session, [s.id for s in sites], today).items()}
    rates = site_services.unit_rates(session)
    choices = []
    for site in sites:
        rate = rates.get((site.kind, site.grade))
        choices.append(SiteChoice(site, bound.get(site.id, []), round2(site.area_m2 * rate) if rate is not None else None))
    own = {s.id for s in chosen}
    choices.sort(key=lambda c: (c.site.id not in own, c.status != "free"))
    streets = sorted({c.site.jurisdiction for c in choices}, key=lambda j: j.code)
    return {"tender": tender, "choices": choices, "streets": streets, "kinds": sorted({c.site.kind for c in choices})}

"""Contracts (DESIGN §4.5): the draft from the award, terms, signatures, variations, the register."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from procure.kernel import bounds, inputs
from procure.accounts import services as accounts
from procure.accounts import policy
from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import SYSTEM, Actor
from procure.awards import services as awards
from procure.awards.models import Award
from procure.bidding.models import Bid
from procure.kernel.i18n import N_
from procure.kernel.clock import BUREAU_TZ, Clock, local_date
from procure.contracts import rules
from procure.kernel.db import is_read_only
from procure.contracts.models import Contract, ContractSite, Variation
from procure.contracts.schemas import TermsIn, VariationIn
from procure.contracts.rules import (
    LIVE_STATES, ContractState, VariationKind, may_suspend_resume_or_terminate, terms_adjustable,
)
from procure.kernel import maps
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from procure.kernel.hooks import Hook
from procure.kernel.pagination import Page, PageRequest, count_of
from procure.sites import services as site_services
from procure.sites.models import Site
from procure.kernel.money import format_amount, round2
from procure.tendering.models import Lot
from procure.tendering.rules import LotState
from procure.sites import services as sites
from procure.sites.services import SiteFilter, filtered_query

DEFAULT_BOND_SHARE = Decimal("0.05")
DEFAULT_RETENTION = Decimal("0.0300")
DEFAULT_SAMPLING = Decimal("0.30")


def _next_number(session: Session, clock: Clock) -> str:
    prefix = f"YHHT-{clock().astimezone(BUREAU_TZ).year}-"
    count = session.scalar(select(func.count()).select_from(Contract).where(Contract.number.like(prefix + "%"))) or 0
    return f"{prefix}{count + 1:04d}"


def draft_from_award(session: Session, clock: Clock, actor: Actor, award: Award) -> Contract:
    """The draft contract of an award: the real (not the evaluated) price, the lot's sites and term.
    Starts on the first day of the month after the notice by default; the officer may adjust."""
    lot = session.get(Lot, award.lot_id)
    bid = session.get(Bid, award.bid_id)
    assert lot is not None and bid is not None and bid.price is not None
    notice_day = local_date(award.notice_issued_at or clock())
    start = rules.add_months(notice_day.replace(day=1), 1)
    now = clock()
    contract = Contract(
        number=_next_number(session, clock), title=f"{lot.tender.title}（标段{lot.number}：{lot.title}）"[:200],
        lot_id=lot.id, award_id=award.id, contractor_id=bid.contractor_id, state=ContractState.DRAFT,
        amount=bid.price, start_date=start, months=lot.term_months,
        monthly_fee=rules.monthly_fee(bid.price, lot.term_months),
        performance_bond=round2(bid.price * DEFAULT_BOND_SHARE), retention_rate=DEFAULT_RETENTION,
        sampling_share=DEFAULT_SAMPLING, defects_liability_months=12,
        payment_table=copy.deepcopy(rules.DEFAULT_PAYMENT_TABLE), penalty_rules=dict(rules.DEFAULT_PENALTY_RULES),
        notice_issued_at=award.notice_issued_at, end_reason="", created_at=now, updated_at=now,
        sites=[ContractSite(site_id=s.id, area_m2=s.area_m2, from_date=start) for s in lot.sites],
    )
    session.add(contract)
    session.flush()
    audit.record(session, clock, actor, "contract.create", "contract", contract.id, None, contract.audit_view())
    return contract



@awards.draft_contract.provide
def _draft_on_notice(session: Session, clock: Clock, actor: Actor, award: Award) -> int:
    """The award notice drafts the lot's contract (awards hands this over; DESIGN §4.5)."""
    return draft_from_award(session, clock, actor, award).id


def get(session: Session, clock: Clock, contract_id: int, user: CurrentUser | None = None) -> Contract:
    contract = session.scalar(select(Contract).where(Contract.id == contract_id).options(
        selectinload(Contract.sites), selectinload(Contract.variations)))
    # A contractor sees only its own contracts; another's answers like one that does not exist.
    if contract is None or (user is not None and policy.acts_for_company(user) and not policy.owns(user, contract.contractor_id)):
        raise NotFound("Contract {id} does not exist.", id=contract_id)
    refresh(session, clock, contract)
    return contract


def term_end(contract: Contract) -> date:
    return rules.end_date(contract.start_date, contract.months)


def refresh(session: Session, clock: Clock, contract: Contract) -> bool:
    """Bring a contract to its state today (signed → active on the start date; active → completed
    after the last day). Read-only sessions only show it; writing ones persist it once, with a
    conditional UPDATE. Returns True if this call wrote the move."""
    return refresh_many(session, clock, [contract]) > 0


def refresh_many(session: Session, clock: Clock, contracts: Iterable[Contract]) -> int:
    today = local_date(clock())
    written = 0
    for contract in contracts:
        state_now = rules.contract_state_at(contract.state, contract.start_date, contract.ends_on, today)
        if state_now == contract.state:
            continue
        if is_read_only(session):
            set_committed_value(contract, "state", state_now)
            continue
        before = contract.state
        result = session.execute(update(Contract).where(Contract.id == contract.id, Contract.state == before)
                                 .values(state=state_now).execution_options(synchronize_session=False))
        if result.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE answers a CursorResult; execute() is typed Result
            set_committed_value(contract, "state", state_now)
            audit.record(session, clock, SYSTEM, "contract.state", "contract", contract.id, {"state": before},
                         {"state": state_now})
            written += 1
        else:
            session.refresh(contract)
    return written


def state_condition(state: str, today: date) -> Any:
    """SQL for "the contract's state today is ``state``", matching ``rules.contract_state_at``."""
    started = Contract.start_date <= today
    running = Contract.ends_on >= today
    if state == ContractState.SIGNED:
        return (Contract.state == ContractState.SIGNED) & ~started
    if state == ContractState.ACTIVE:
        return Contract.state.in_([ContractState.SIGNED, ContractState.ACTIVE]) & started & running
    if state == ContractState.COMPLETED:
        return (Contract.state == ContractState.COMPLETED) | (
            Contract.state.in_([ContractState.SIGNED, ContractState.ACTIVE]) & started & ~running)
    return Contract.state == state


def due_to_move(today: date) -> Any:
    """Contracts whose stored state the calendar has passed: the worker's to-do list."""
    return ((Contract.state == ContractState.SIGNED) & (Contract.start_date <= today)) | (
        (Contract.state == ContractState.ACTIVE) & (Contract.ends_on < today))


def tick(session: Session, clock: Clock) -> int:
    """Persist the contracts the calendar has moved (``procure worker``), one commit each."""
    assert not is_read_only(session), "tick writes: give it a writing session"
    moved = 0
    for contract_id in list(session.scalars(select(Contract.id).where(due_to_move(local_date(clock())))
                                            .order_by(Contract.id))):
        contract = session.get(Contract, contract_id)
        assert contract is not None
        moved += refresh(session, clock, contract)
        session.commit()
    return moved


def signing_late(contract: Contract, now_day: date) -> bool:
    """招标投标法 第46条: sign within 30 days of the award notice."""
    return (contract.state == ContractState.DRAFT and contract.notice_issued_at is not None
            and now_day > local_date(contract.notice_issued_at) + timedelta(days=rules.SIGNING_DAYS))


#: What the columns hold (procure/kernel/db.py): Money NUMERIC(14,2), retention Fixed(5,4), sampling
#: Fixed(4,2), areas Fixed(12,2); the terms' own ranges are ``rules.terms_problems``.
MONEY_LIMIT = Decimal("1e12")
AREA_LIMIT = Decimal("1e10")
MAX_DEFECTS_LIABILITY_MONTHS = 120


_fixed = bounds.fixed_into


def _months(changes: Mapping[str, Any], field: str, current: int, errors: list[dict[str, Any]], *, lower: int,
            upper: int) -> int:
    """A whole number of months in [lower, upper] if ``field`` is among the changes, else ``current``."""
    if field not in changes:
        return current
    before = len(errors)
    given = _fixed(changes[field], field, errors, places=0, lower=Decimal(lower), upper=Decimal(upper), inclusive=True)
    if given is None:
        if len(errors) == before:
            errors.append({"field": field, "message": "Required."})
        return current
    return int(given)


def _in_years(value: date, field: str, errors: list[dict[str, Any]]) -> date | None:
    """A date of the years 2000–2100 (later ones overflow the term's calendar), else None."""
    if not bounds.MIN_YEAR <= value.year <= bounds.MAX_YEAR:
        errors.append({"field": field, "message": "The year must be between {low} and {high}.",
                       "params": {"low": str(bounds.MIN_YEAR), "high": str(bounds.MAX_YEAR)}})
        return None
    return value


TERM_FIELDS = TermsIn.__struct_fields__


def update_terms(session: Session, clock: Clock, actor: Actor, contract_id: int,
                 sent: TermsIn | Mapping[str, Any]) -> Contract:
    """Adjust terms before signing (PATCH); the amount stays the awarded price. A mapping (the
    page's form) is converted to ``TermsIn`` first, with the same errors."""
    contract = get(session, clock, contract_id)
    if not terms_adjustable(contract.state, contract.contractor_signed_at is not None,
                            contract.officer_signed_at is not None):
        raise Conflict("Terms can change only before anyone has signed.")
    if not isinstance(sent, TermsIn):
        unknown = set(sent) - set(TERM_FIELDS)
        if unknown:  # named as a whole, before any value's type: "amount" is never a term
            raise InvalidInput("These terms cannot be changed: {fields}.", fields=", ".join(sorted(unknown)))
        sent = inputs.convert(TermsIn, sent)
    changes = inputs.sent(sent)
    before = contract.audit_view()
    errors: list[dict[str, Any]] = []
    start = contract.start_date
    if "start_date" in changes:
        start = _in_years(changes["start_date"], "start_date", errors) or start
    months = _months(changes, "months", contract.months, errors, lower=1, upper=120)
    defects = _months(changes, "defects_liability_months", contract.defects_liability_months, errors, lower=0,
                      upper=MAX_DEFECTS_LIABILITY_MONTHS)
    bond = _fixed(changes.get("performance_bond", contract.performance_bond), "performance_bond", errors,
                  upper=MONEY_LIMIT)
    retention = _fixed(changes.get("retention_rate", contract.retention_rate), "retention_rate", errors, places=4,
                       upper=Decimal(1))
    sampling = _fixed(changes.get("sampling_share", contract.sampling_share), "sampling_share", errors,
                      upper=Decimal(1), inclusive=True)
    for field, value in (("performance_bond", bond), ("retention_rate", retention), ("sampling_share", sampling)):
        if value is None and not any(e["field"] == field for e in errors):
            errors.append({"field": field, "message": "Required."})
    table = changes.get("payment_table", contract.payment_table)
    for problem in rules.payment_table_problems(table):
        errors.append({"field": "payment_table", "message": problem})
    penalties = changes.get("penalty_rules", contract.penalty_rules)
    errors += rules.penalty_problems(penalties)
    if not errors:
        assert bond is not None and retention is not None and sampling is not None
        errors += [{"field": f, "message": m} for f, m in
                   rules.terms_problems(contract.amount, months, bond, retention, sampling)]
    if errors:
        raise InvalidInput("The contract terms have errors.", errors=errors)
    assert bond is not None and retention is not None and sampling is not None
    contract.start_date, contract.months = start, months
    contract.monthly_fee = rules.monthly_fee(contract.amount, months)
    contract.performance_bond, contract.retention_rate, contract.sampling_share = round2(bond), retention, sampling
    contract.payment_table, contract.penalty_rules = table, penalties
    contract.defects_liability_months = defects
    for span in contract.sites:
        span.from_date = start
    contract.updated_at = clock()
    session.flush()
    audit.record(session, clock, actor, "contract.terms", "contract", contract.id, before, contract.audit_view())
    session.commit()
    return contract


def sign(session: Session, clock: Clock, user: CurrentUser, contract_id: int) -> Contract:
    """The contractor signs in its account, the officer in the bureau's; both make it signed."""
    contract = get(session, clock, contract_id, user)
    if contract.state != ContractState.DRAFT:
        raise Conflict("This contract is {state}; only a draft is signed.", state=contract.state)
    now = clock()
    if policy.acts_for_company(user):
        if contract.contractor_signed_at is not None:
            raise Conflict("Your company has already signed this contract.")
        contract.contractor_signed_at, contract.contractor_signed_by_id = now, user.id
        side = "contractor"
    elif user.can(Permission.TENDERS_MANAGE):  # a procurement officer signs for the bureau
        if contract.officer_signed_at is not None:
            raise Conflict("The bureau has already signed this contract.")
        contract.officer_signed_at, contract.officer_signed_by_id = now, user.id
        side = "bureau"
    else:
        raise Forbidden("Only the contractor and an officer sign a contract.")
    if contract.contractor_signed_at and contract.officer_signed_at:
        contract.state = ContractState.SIGNED
        if contract.lot_id:
            lot = session.get(Lot, contract.lot_id)
            assert lot is not None
            lot.state = LotState.CONTRACTED
    contract.updated_at = now
    audit.record(session, clock, user.actor, "contract.sign", "contract", contract.id, None,
                 {"side": side, "state": contract.state})
    session.commit()
    refresh(session, clock, contract)
    return contract


def _open_span(contract: Contract, site_id: int) -> ContractSite | None:
    return next((s for s in contract.sites if s.site_id == site_id and s.to_date is None), None)


def contract_document(session: Session, clock: Clock, user: CurrentUser, contract_id: int) -> dict[str, Any]:
    """The contract PDF's content, for whoever may see the contract."""
    contract = get(session, clock, contract_id, user)
    return {"contract": contract, "end": term_end(contract)}


def add_variation(session: Session, clock: Clock, actor: Actor, contract_id: int,
                  given: VariationIn | Mapping[str, Any]) -> Variation:
    """变更: add a newly handed-over site, remove one, or change an area, from an effective date. A
    mapping (the page's form) is converted to ``VariationIn`` first, with the same errors."""
    contract = get(session, clock, contract_id)
    if contract.state not in LIVE_STATES:
        raise Conflict("Only a signed, active or suspended contract can be varied.")
    data = inputs.typed(VariationIn, given)
    errors: list[dict[str, Any]] = []
    kind = data.kind
    if kind not in {k.value for k in VariationKind}:
        errors.append({"field": "kind", "message": "Use add_site, remove_site or change_area."})
    site_id = data.site_id
    effective = _in_years(data.effective_date, "effective_date", errors)
    delta = _fixed(data.monthly_fee_delta, "monthly_fee_delta", errors, upper=MONEY_LIMIT,
                   lower=-MONEY_LIMIT + Decimal("0.01"))
    reason = data.reason.strip()
    if not reason:
        errors.append({"field": "reason", "message": "Required."})
    if errors:
        raise InvalidInput("The variation has errors.", errors=errors)
    assert effective is not None and delta is not None
    earlier = sum((v.added_value for v in contract.variations if v.added_value > 0), Decimal(0))
    problems = rules.variation_problems(amount=contract.amount, start=contract.start_date, months=contract.months,
                                        effective=effective, delta=delta, earlier_additions=earlier)
    if problems:
        end = term_end(contract)
        added = earlier + (rules.added_value(delta, effective, end) if delta > 0 else 0)
        raise InvalidInput(problems[0], start=contract.start_date.isoformat(), end=end.isoformat(),
                           fee=format_amount(rules.monthly_fee(contract.amount, contract.months)),
                           total=format_amount(added), limit=format_amount(round2(contract.amount * rules.MAX_ADDITION_SHARE)))
    site = session.get(Site, site_id)
    if site is None:
        raise InvalidInput("Unknown sites: {ids}.", ids=str(site_id))
    span = _open_span(contract, site.id)
    area_before = span.area_m2 if span else None
    area_after: Decimal | None = None
    if kind == VariationKind.ADD_SITE:
        if span is not None:
            raise Conflict("This site is already under the contract.")
        if site.handover_date is None or site.handover_date > effective:
            raise Conflict("The site must be handed over by the effective date.")
        for bound in site_services.commitments(session, [site.id], effective).get(site.id, []):
            if bound.kind == "contract" and bound.holder_id == contract.id:
                continue
            if bound.kind == "tender":
                raise Conflict("The site is in tender {reference}, which is buying its upkeep.", reference=bound.label)
            raise Conflict("The site is maintained under contract {number}.", number=bound.label)
        area_after = site.area_m2
    elif span is None:
        raise Conflict("This site is not under the contract.")
    elif kind == VariationKind.CHANGE_AREA:
        area_errors: list[dict[str, Any]] = []
        area_after = _fixed(data.area_m2, "area_m2", area_errors, upper=AREA_LIMIT)
        if area_after is None or area_after <= 0:
            raise InvalidInput("Give the new area (m², greater than 0).",
                               errors=area_errors or [{"field": "area_m2", "message": "Required."}])
    if span is not None and effective <= span.from_date:
        raise InvalidInput("The effective date must be after the site's current span began ({start}).",
                           start=span.from_date.isoformat())
    if span is not None:
        span.to_date = effective - timedelta(days=1)
    if kind in (VariationKind.ADD_SITE, VariationKind.CHANGE_AREA):
        assert area_after is not None
        contract.sites.append(ContractSite(site_id=site.id, area_m2=area_after, from_date=effective))
    variation = Variation(contract_id=contract.id, number=len(contract.variations) + 1, kind=kind, site_id=site.id,
                          area_before=area_before, area_after=area_after, effective_date=effective,
                          monthly_fee_delta=delta, added_value=rules.added_value(delta, effective, term_end(contract)),
                          reason=reason, created_at=clock(), created_by_id=actor.id)
    contract.variations.append(variation)
    contract.updated_at = clock()
    session.flush()
    audit.record(session, clock, actor, "contract.variation", "contract", contract.id, None, {
        "number": variation.number, "kind": kind, "site": site.code, "effective_date": effective.isoformat(),
        "monthly_fee_delta": str(delta), "area_before": str(area_before), "area_after": str(area_after)})
    accounts.notify(session, clock, accounts.company_logins(session, contract.contractor_id),
                    N_("Contract {number} is varied from {date} ({site}): the monthly fee changes by {delta}."),
                    f"/contracts/{contract.id}", number=contract.number, date=effective.isoformat(), site=site.name,
                    delta=format_amount(delta))
    session.commit()
    return variation


def _end(session: Session, clock: Clock, actor: Actor, contract_id: int, to: str, reason: str) -> Contract:
    contract = get(session, clock, contract_id)
    if not rules.can_move(contract.state, to):
        raise Conflict("A {state} contract cannot become {to}.", state=contract.state, to=to)
    if to != ContractState.ACTIVE and not reason.strip():
        raise InvalidInput("Give a reason.", errors=[{"field": "reason", "message": "Required."}])
    before = contract.state
    contract.state = to
    if to == ContractState.TERMINATED:
        contract.ended_at, contract.end_reason = clock(), reason.strip()
    elif reason.strip():
        contract.end_reason = reason.strip()
    contract.updated_at = clock()
    audit.record(session, clock, actor, f"contract.{to}", "contract", contract.id, {"state": before},
                 {"state": to, "reason": reason.strip()})
    told = {str(ContractState.TERMINATED): N_("Contract {number} is terminated: {reason}"),
            str(ContractState.SUSPENDED): N_("Contract {number} is suspended: {reason}"),
            str(ContractState.ACTIVE): N_("Contract {number} is in force again.")}.get(to)
    if told:
        accounts.notify(session, clock, accounts.company_logins(session, contract.contractor_id), told,
                        f"/contracts/{contract.id}", number=contract.number, reason=reason.strip() or "—")
    session.commit()
    return contract


def terminate(session: Session, clock: Clock, actor: Actor, contract_id: int, reason: str) -> Contract:
    return _end(session, clock, actor, contract_id, ContractState.TERMINATED, reason)


def suspend(session: Session, clock: Clock, actor: Actor, contract_id: int, reason: str) -> Contract:
    return _end(session, clock, actor, contract_id, ContractState.SUSPENDED, reason)


def resume(session: Session, clock: Clock, actor: Actor, contract_id: int) -> Contract:
    return _end(session, clock, actor, contract_id, ContractState.ACTIVE, "")


# --- the register -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFilter:
    state: str | None = None
    contractor_id: int | None = None
    jurisdiction: str | None = None
    expiring_within_days: int | None = None


#: Longest horizon for "expiring within N days": a century, beyond any maintenance term.
MAX_HORIZON_DAYS = 36500


def register(session: Session, clock: Clock, flt: ContractFilter, paging: PageRequest,
             user: CurrentUser | None = None, *, with_sites: bool = False) -> Page[Contract]:
    """The contract register, filtered and paged in SQL by the contracts' states today; with each
    contract's sites and variations when asked (the API answers them, the page does not)."""
    today = local_date(clock())
    stmt = select(Contract)
    if with_sites:
        stmt = stmt.options(selectinload(Contract.sites), selectinload(Contract.variations))
    if user is not None:
        stmt = stmt.where(policy.company_filter(user, Contract.contractor_id))
    if flt.state:
        stmt = stmt.where(state_condition(flt.state, today))
    if flt.contractor_id:
        stmt = stmt.where(Contract.contractor_id == flt.contractor_id)
    if flt.jurisdiction:

        root = accounts.jurisdiction_by_code(session, flt.jurisdiction)
        ids = sites.subtree_ids(session, root.id)
        stmt = stmt.where(Contract.id.in_(select(ContractSite.contract_id).join(Site).where(Site.jurisdiction_id.in_(ids))))
    if flt.expiring_within_days is not None:
        if not 0 <= flt.expiring_within_days <= MAX_HORIZON_DAYS:
            raise InvalidInput("Expiring within must be between 0 and {max} days.", max=MAX_HORIZON_DAYS,
                               errors=[{"field": "expiring_within_days", "message": "Out of range."}])
        horizon = today + timedelta(days=flt.expiring_within_days)
        live_now = (Contract.state == ContractState.SUSPENDED) | (
            Contract.state.in_([ContractState.SIGNED, ContractState.ACTIVE]) & (Contract.ends_on >= today))
        stmt = stmt.where(live_now, Contract.ends_on <= horizon)
    total = count_of(session, stmt)
    rows = list(session.scalars(stmt.order_by(Contract.created_at.desc(), Contract.id.desc())
                                .offset(paging.offset).limit(paging.per_page)).unique())
    refresh_many(session, clock, rows)
    return Page(rows, total, paging)


def uncovered_sites(session: Session, clock: Clock, jurisdiction: str | None = None) -> list[Site]:
    """Handed-over sites that no signed, active or suspended contract covers today."""

    today = local_date(clock())
    covered = select(ContractSite.site_id).join(Contract).where(
        Contract.state.in_(LIVE_STATES), ContractSite.from_date <= today,
        (ContractSite.to_date.is_(None)) | (ContractSite.to_date >= today))
    stmt = filtered_query(session, SiteFilter(jurisdiction=jurisdiction, handed_over=True), today)
    return list(session.scalars(stmt.where(Site.id.not_in(covered)).order_by(Site.handover_date.desc(), Site.code)).unique())


def sites_in_force(contract: Contract, on: date) -> list[ContractSite]:
    return [s for s in contract.sites if s.from_date <= on and (s.to_date is None or s.to_date >= on)]


@site_services.commitment_source
def _sites_under_contract(today: date) -> site_services.CommitmentQuery:
    """A site is bound by a contract from its draft until the contract ends (or the site leaves
    it by a variation); a terminated or completed contract frees it."""
    return (select(ContractSite.site_id.label("site_id"), literal("contract").label("kind"),
                   Contract.id.label("holder_id"), Contract.number.label("label"))
            .join(Contract, Contract.id == ContractSite.contract_id)
            .where(Contract.state.in_([ContractState.DRAFT, *LIVE_STATES]), Contract.ends_on >= today,
                   or_(ContractSite.to_date.is_(None), ContractSite.to_date >= today)))


def register_page(session: Session, clock: Clock, user: CurrentUser, flt: ContractFilter,
                  paging: PageRequest) -> dict[str, Any]:
    """The register page: a page of contracts with their term ends and late signatures, the streets
    to filter by, and — for officers — the handed-over sites no contract covers yet."""
    result = register(session, clock, flt, paging, user)
    today = local_date(clock())
    officer = user.can(Permission.TENDERS_MANAGE)
    return {"result": result, "states": list(ContractState), "jurisdictions": accounts.list_jurisdictions(session),
            "uncovered": uncovered_sites(session, clock, flt.jurisdiction) if officer else [],
            "late": {c.id for c in result.items if signing_late(c, today)},
            "ends": {c.id: term_end(c) for c in result.items}}


# --- the contract page (one read model; payments adds its panel) ------------------------------


#: Later domains add what they know about a contract to its page (payments: the failing months and
#: whether three came in a row, 连续三个月不合格). Each handler returns context entries.
contract_page_panels: Hook[[Session, Contract], dict[str, Any]] = Hook("contracts.contract_page_panels")


def may_sign(user: CurrentUser, contract: Contract) -> bool:
    """A draft is signed once by the company and once by the bureau: whoever's side has not signed."""
    if contract.state != ContractState.DRAFT or not user.can(Permission.CONTRACTS_SIGN):
        return False
    if policy.acts_for_company(user):
        return policy.owns(user, contract.contractor_id) and contract.contractor_signed_at is None
    return contract.officer_signed_at is None


def contract_page(session: Session, clock: Clock, user: CurrentUser, contract_id: int) -> dict[str, Any]:
    """Everything the contract page shows this user (who must be allowed to read the contract)."""
    contract = get(session, clock, contract_id, user)
    officer = user.can(Permission.TENDERS_MANAGE)
    context: dict[str, Any] = {
        "contract": contract, "end": term_end(contract), "late": signing_late(contract, local_date(clock())),
        "officer": officer, "candidates": uncovered_sites(session, clock) if officer else [],
        "rates": site_services.unit_rates(session) if officer else {},
        "map_points": maps.features(maps.MapPoint(s.site.lon, s.site.lat, s.site.name, f"/sites/{s.site_id}"
                                                  if user.can(Permission.SITES_READ) else "")
                                    for s in contract.sites if s.to_date is None),
        "may_sign": may_sign(user, contract),
        "may_adjust_terms": officer and terms_adjustable(contract.state, contract.contractor_signed_at is not None,
                                                         contract.officer_signed_at is not None),
        "may_vary": officer and contract.state in LIVE_STATES,
        "may_change_state": officer and may_suspend_resume_or_terminate(contract.state),
        "failing_months": [], "termination_flag": False}
    for panel in contract_page_panels(session, contract):
        context |= panel
    return context

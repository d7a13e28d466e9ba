"""Tendering rules (DESIGN §4.1, §4.2): publication checks, deadlines, states. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from procure.kernel.money import format_amount, round2


class TenderState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    EVALUATING = "evaluating"
    AWARDED = "awarded"
    COMPLETE = "complete"
    CANCELLED = "cancelled"


class LotState(StrEnum):
    ACTIVE = "active"
    UNSUCCESSFUL = "unsuccessful"  # 流标
    AWARDED = "awarded"
    CONTRACTED = "contracted"
    CANCELLED = "cancelled"


class StandingRule(StrEnum):
    """What a tender does with bidders whose scorecard standing is D."""

    OFF = "off"
    WARN = "warn"
    EXCLUDE = "exclude"


class Method(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合评分法
    LOWEST_PRICE = "lowest_price"    # 最低评标价法


#: 政府采购法 第35条 / 招标投标法 第24条: at least 20 days from issue to the bid deadline.
MIN_BIDDING_PERIOD = timedelta(days=20)
#: 招标投标法 第23条: a clarification or amendment must reach bidders ≥ 15 days before the deadline.
MIN_AMENDMENT_NOTICE = timedelta(days=15)
#: 政府采购法实施条例 第33条: the bid bond may not exceed 2% of the budget (here the lot ceiling).
MAX_BID_BOND_SHARE = Decimal("0.02")
#: 87号令 第55条 and DESIGN §4.3: for services the price carries 10–30 of the 100 points.
PRICE_POINTS_RANGE = (Decimal(10), Decimal(30))
#: 财库〔2022〕19号: the SME price deduction for services is 10%–20%.
SME_DEDUCTION_RANGE = (Decimal("0.10"), Decimal("0.20"))
#: 招标投标法 第28条 / 政府采购法 第36条: fewer than three bids and the lot fails (流标).
MIN_BIDS = 3
#: Bids received before the deadline may still be being stored (hashing, encrypting) just
#: after it; the lots' outcome and the opening wait this long so none of them is missed.
SETTLING_TIME = timedelta(seconds=60)

EDITABLE_STATES = frozenset({TenderState.DRAFT})
CANCELLABLE_STATES = frozenset({TenderState.DRAFT, TenderState.PUBLISHED, TenderState.CLOSED, TenderState.EVALUATING})


def awaits_opening(state: str, opened_at: datetime | None) -> bool:
    """Closed and not yet opened: the officers' next step is the opening (开标, 招标投标法 第34条);
    whether it may happen yet (the settling time) is ``bidding.services.open_bids``' to say."""
    return state == TenderState.CLOSED and opened_at is None


@dataclass(frozen=True)
class Problem:
    """A violation: an English msgid (translated where shown), its params, and where it is."""

    message: str
    field: str = ""
    params: dict = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class CriterionDraft:
    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class LotDraft:
    title: str
    site_count: int
    ceiling_price: Decimal
    term_months: int
    bid_bond: Decimal


@dataclass(frozen=True)
class TenderDraft:
    title: str
    method: str
    price_points: Decimal | None
    sme_deduction: Decimal | None
    abnormal_threshold: Decimal
    criteria: Sequence[CriterionDraft]
    lots: Sequence[LotDraft]
    bid_deadline: datetime | None


def criteria_problems(method: str, price_points: Decimal | None, criteria: Sequence[CriterionDraft]) -> list[Problem]:
    """DESIGN §4.3 criteria: a price criterion of 10–30 points plus the others, summing to 100."""
    problems: list[Problem] = []
    if method == Method.LOWEST_PRICE:
        return problems
    if method != Method.COMPREHENSIVE:
        return [Problem("Unknown evaluation method; use comprehensive or lowest_price.", "method")]
    low, high = PRICE_POINTS_RANGE
    if price_points is None or not low <= price_points <= high:
        problems.append(Problem("Price points must be between 10 and 30 for services (MOF Order No. 87, art. 55).",
                                "price_points"))
    codes = [c.code.strip() for c in criteria]
    if not criteria:
        problems.append(Problem("The comprehensive method needs technical or business criteria.", "criteria"))
    if any(not code for code in codes):
        problems.append(Problem("Every criterion needs a code.", "criteria"))
    if len(set(codes)) != len(codes):
        problems.append(Problem("Criterion codes must be unique.", "criteria"))
    if any(c.max_points <= 0 for c in criteria):
        problems.append(Problem("Every criterion needs more than 0 points.", "criteria"))
    total = (price_points or Decimal(0)) + sum((c.max_points for c in criteria), Decimal(0))
    if total != 100:
        problems.append(Problem("Price points and criteria points must sum to 100; they sum to {total}.", "criteria",
                                {"total": f"{total.normalize():f}"}))
    return problems


def publication_problems(draft: TenderDraft, published_at: datetime) -> list[Problem]:
    """Every rule that stops a tender from being published (DESIGN §4.1), all at once."""
    problems: list[Problem] = []
    if not draft.title.strip():
        problems.append(Problem("A tender needs a title.", "title"))
    if not draft.lots:
        problems.append(Problem("A tender needs at least one lot.", "lots"))
    for number, lot in enumerate(draft.lots, start=1):
        where = f"lots[{number}]"
        if lot.site_count < 1:
            problems.append(Problem("Lot {n} has no sites.", where, {"n": number}))
        if lot.ceiling_price <= 0:
            problems.append(Problem("Lot {n} needs a ceiling price above 0.", where, {"n": number}))
        if not 1 <= lot.term_months <= 120:
            problems.append(Problem("Lot {n} needs a term of 1 to 120 months.", where, {"n": number}))
        if lot.bid_bond < 0:
            problems.append(Problem("Lot {n}: the bid bond cannot be negative.", where, {"n": number}))
        elif lot.ceiling_price > 0 and lot.bid_bond > max_bid_bond(lot.ceiling_price):
            problems.append(Problem(
                "Lot {n}: the bid bond {bond} exceeds 2% of the ceiling price ({limit}) (Government Procurement Law Regulations, art. 33).",
                where, {"n": number, "bond": format_amount(lot.bid_bond), "limit": format_amount(max_bid_bond(lot.ceiling_price))}))
    problems += criteria_problems(draft.method, draft.price_points, draft.criteria)
    if draft.sme_deduction is not None and draft.sme_deduction != 0:
        low, high = SME_DEDUCTION_RANGE
        if not low <= draft.sme_deduction <= high:
            problems.append(Problem("The SME price deduction must be between 10% and 20% (Caiku [2022] No. 19).",
                                    "sme_deduction"))
    if not Decimal(0) < draft.abnormal_threshold < Decimal(1):
        problems.append(Problem("The abnormally-low threshold must be between 0 and 1 (e.g. 0.20).",
                                "abnormal_threshold"))
    if draft.bid_deadline is None:
        problems.append(Problem("A tender needs a bid deadline.", "bid_deadline"))
    elif draft.bid_deadline <= published_at:
        problems.append(Problem("The bid deadline is before the publication time.", "bid_deadline"))
    elif draft.bid_deadline - published_at < MIN_BIDDING_PERIOD:
        problems.append(Problem("The bid deadline is less than 20 days after publication (Tendering and Bidding Law, art. 24).",
                                "bid_deadline"))
    return problems


def max_bid_bond(ceiling_price: Decimal) -> Decimal:
    return round2(ceiling_price * MAX_BID_BOND_SHARE)


def deadline_after_amendment(amended_at: datetime, deadline: datetime) -> datetime:
    """招标投标法 第23条: an amendment less than 15 days before the deadline moves the deadline to
    15 days after the amendment; otherwise the deadline stands."""
    earliest = amended_at + MIN_AMENDMENT_NOTICE
    return max(deadline, earliest)


def accepts_bids(state: str, deadline: datetime | None, received_at: datetime) -> bool:
    """The server's clock at receipt decides: a bid received at or after the deadline is late.

    ``state`` is the tender's state when the bid is handled, which may be a moment after it was
    received — in a rush the upload waits for the write lock. A tender closes only by reaching its
    deadline, so "closed" still takes a bid received before it; the settling time keeps the lots
    from being judged until such bids are stored (``settles_at``)."""
    return state in (TenderState.PUBLISHED, TenderState.CLOSED) and deadline is not None and received_at < deadline


def bidding_closed(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now >= deadline


def settled(deadline: datetime | None, now: datetime) -> bool:
    """Past the deadline and its settling time: lots can be judged and opened."""
    return deadline is not None and now >= deadline + SETTLING_TIME


def settles_at(deadline: datetime) -> datetime:
    """The moment a closed tender's lots are judged: the deadline plus the settling time."""
    return deadline + SETTLING_TIME


def tender_state_at(state: str, deadline: datetime | None, now: datetime) -> str:
    """The tender's state at ``now`` from what is stored: a published tender is closed from the
    second of its deadline on (招标投标法 第28条: bids received after it are refused), whether
    or not the worker has written that down yet."""
    if state == TenderState.PUBLISHED and bidding_closed(deadline, now):
        return TenderState.CLOSED
    return state


def needs_settling(state_now: str, settled_at: datetime | None, deadline: datetime | None, now: datetime) -> bool:
    """A closed tender whose lots are due to be judged (流标 or open) but are not yet recorded so."""
    return state_now == TenderState.CLOSED and settled_at is None and settled(deadline, now)


def lot_state_at(stored: str, settling: bool, bid_count: int) -> str:
    """A lot's state once its tender settles: fewer than three bids → 流标 (第28条)."""
    return lot_outcome(bid_count) if settling and stored == LotState.ACTIVE else stored


def lot_outcome(bid_count: int) -> LotState:
    """招标投标法 第28条: fewer than three bids → the lot is unsuccessful (流标) and not opened."""
    return LotState.UNSUCCESSFUL if bid_count < MIN_BIDS else LotState.ACTIVE


def budget_suggestion(yearly_estimate: Decimal, term_months: int) -> Decimal:
    """A lot's ceiling suggestion: the yearly unit-rate estimate over its term."""
    return round2(yearly_estimate * term_months / 12)

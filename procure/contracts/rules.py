"""Contract rules (DESIGN §4.5): money terms, the term's calendar, variations, states. Pure."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from procure.kernel import bounds
from procure.kernel.i18n import N_
from procure.kernel.money import round2

#: 政府采购法实施条例 第48条: the performance bond may not exceed 10% of the contract amount.
MAX_PERFORMANCE_BOND_SHARE = Decimal("0.10")
#: DESIGN §4.5 (as 建设工程质量保证金管理办法 第7条 caps a quality retention at 3%).
MAX_RETENTION_RATE = Decimal("0.03")
#: 政府采购法 第49条: supplementary purchases may not exceed 10% of the original contract amount.
MAX_ADDITION_SHARE = Decimal("0.10")
#: 招标投标法 第46条 / 政府采购法 第46条: sign within 30 days of the award notice.
SIGNING_DAYS = 30

DEFAULT_PAYMENT_TABLE: dict[str, Any] = {
    # DESIGN §4.7, a real municipal scheme: score → coefficient k; below 70 the month fails.
    "kind": "bands",
    "bands": [{"min": "90", "k": "1.00"}, {"min": "80", "k": "0.90"}, {"min": "70", "k": "0.80"},
              {"min": "0", "k": "0.60", "failing": True}],
}
DEFAULT_PENALTY_RULES: dict[str, Any] = {
    "overdue_case": "200.00",   # yuan per overdue case
    "complaint": "500.00",      # yuan per substantiated complaint
    "media_county": "0.10",     # share of the month's base M
    "media_city": "0.20",
}


class ContractState(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    COMPLETED = "completed"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


TRANSITIONS: dict[str, set[str]] = {
    ContractState.DRAFT: {ContractState.SIGNED, ContractState.TERMINATED},
    ContractState.SIGNED: {ContractState.ACTIVE, ContractState.TERMINATED},
    ContractState.ACTIVE: {ContractState.COMPLETED, ContractState.SUSPENDED, ContractState.TERMINATED},
    ContractState.SUSPENDED: {ContractState.ACTIVE, ContractState.TERMINATED},
    ContractState.COMPLETED: set(),
    ContractState.TERMINATED: set(),
}


def contract_state_at(state: str, start: date, ends_on: date, today: date) -> str:
    """The contract's state on ``today`` from what is stored (DESIGN §4.5): a signed contract is
    in force from its start date, and an active one is completed after its last day."""
    if state == ContractState.SIGNED and today >= start:
        state = ContractState.ACTIVE
    if state == ContractState.ACTIVE and today > ends_on:
        state = ContractState.COMPLETED
    return state


def can_move(state: str, to: str) -> bool:
    return to in TRANSITIONS.get(state, set())


#: A contract in force or about to be: it can be varied (DESIGN §4.5) and it binds its sites.
LIVE_STATES = (ContractState.SIGNED, ContractState.ACTIVE, ContractState.SUSPENDED)


def terms_adjustable(state: str, contractor_signed: bool, officer_signed: bool) -> bool:
    """Terms change only on a draft nobody has signed: a signature accepts the terms as they stand."""
    return state == ContractState.DRAFT and not contractor_signed and not officer_signed


def may_suspend_resume_or_terminate(state: str) -> bool:
    """Whether the officer's suspend / resume / terminate panel has anything to offer: every state
    that can be suspended or resumed can also be terminated, so termination decides."""
    return can_move(state, ContractState.TERMINATED)


class VariationKind(StrEnum):
    ADD_SITE = "add_site"
    REMOVE_SITE = "remove_site"
    CHANGE_AREA = "change_area"


def monthly_fee(amount: Decimal, months: int) -> Decimal:
    return round2(amount / months)


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def end_date(start: date, months: int) -> date:
    """The last day of the term: a 12-month contract from 2026-01-01 ends on 2026-12-31."""
    return add_months(start, months) - timedelta(days=1)


def month_fractions(first: date, last: date) -> Iterable[tuple[int, int, Decimal]]:
    """(year, month, share of that month's days within [first, last]) for every month touched."""
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        days = calendar.monthrange(year, month)[1]
        lo = max(first, date(year, month, 1))
        hi = min(last, date(year, month, days))
        yield year, month, Decimal((hi - lo).days + 1) / Decimal(days)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def added_value(delta: Decimal, effective: date, term_end: date) -> Decimal:
    """What a monthly fee delta adds over the rest of the term, pro rata by days as §4.7 pays it."""
    if effective > term_end:
        return Decimal("0.00")
    months = sum((share for _, _, share in month_fractions(effective, term_end)), Decimal(0))
    return round2(delta * months)


def variation_problems(*, amount: Decimal, start: date, months: int, effective: date, delta: Decimal,
                       earlier_additions: Decimal) -> list[str]:
    problems = []
    term_end = end_date(start, months)
    if effective < start:
        problems.append("A variation cannot take effect before the contract starts ({start}).")
    if effective > term_end:
        problems.append("A variation cannot take effect after the contract ends ({end}).")
    if delta != delta.quantize(Decimal("0.01")):
        problems.append("The monthly fee delta may have at most two decimals.")
    if delta < 0 and -delta > monthly_fee(amount, months):
        problems.append(N_("A variation cannot lower the monthly fee by more than the fee itself ({fee})."))
    addition = added_value(delta, effective, term_end) if delta > 0 else Decimal(0)
    if earlier_additions + addition > round2(amount * MAX_ADDITION_SHARE):
        problems.append("Together with earlier variations this adds {total} yuan, more than 10% of the contract "
                        "amount ({limit}): it needs a new tender (Government Procurement Law, art. 49).")
    return problems


def terms_problems(amount: Decimal, months: int, performance_bond: Decimal, retention_rate: Decimal,
                   sampling_share: Decimal) -> list[tuple[str, str]]:
    """(field, msgid) for every contract term out of bounds."""
    problems = []
    if amount <= 0:
        problems.append(("amount", "The amount must be greater than 0."))
    if not 1 <= months <= 120:
        problems.append(("months", "The term must be 1 to 120 months."))
    if performance_bond < 0 or performance_bond > round2(amount * MAX_PERFORMANCE_BOND_SHARE):
        problems.append(("performance_bond",
                         "The performance bond may be at most 10% of the amount (Government Procurement Law "
                         "Regulations, art. 48)."))
    if not Decimal(0) <= retention_rate <= MAX_RETENTION_RATE:
        problems.append(("retention_rate", "The retention rate must be between 0 and 3%."))
    if not Decimal("0.01") <= sampling_share <= Decimal(1):
        problems.append(("sampling_share", "The sampling share must be between 1% and 100%."))
    return problems


#: Penalty rules whose value is a share of the month's base M; the others are yuan per occurrence.
PENALTY_SHARES = ("media_county", "media_city")


def penalty_problems(penalties: object) -> list[dict[str, Any]]:
    """Error entries (field, msgid, params) for penalty rules that cannot be stored and applied: a
    share is 0–1 with at most four decimals; an amount is yuan ≥ 0 that fits NUMERIC(14,2)."""
    if not isinstance(penalties, dict):
        return [{"field": "penalty_rules", "message": "Penalty rules are numbers by name."}]
    problems: list[dict[str, Any]] = []
    for name, value in penalties.items():
        field = f"penalty_rules.{name}"
        try:
            if name in PENALTY_SHARES:
                parsed = bounds.fixed(value, places=4, upper=Decimal(1), inclusive=True, field=field)
            else:
                parsed = bounds.fixed(value, places=2, upper=Decimal("1e12"), field=field)
        except bounds.OutOfBounds as exc:
            problems.append(exc.error)
            continue
        if parsed is None:
            problems.append({"field": field, "message": "Required."})
    return problems


def payment_table_problems(table: object) -> list[str]:
    """DESIGN §4.7: score bands (non-overlapping, covering 0–100) or a linear table."""
    if not isinstance(table, dict) or table.get("kind") not in ("bands", "linear"):
        return ["A payment table is {kind: bands, bands: [...]} or {kind: linear, threshold, rate, minimum}."]
    try:
        if table["kind"] == "bands":
            bands = table["bands"]
            mins = [Decimal(str(b["min"])) for b in bands]
            ks = [Decimal(str(b["k"])) for b in bands]
        else:
            threshold, rate, minimum = (Decimal(str(table[k])) for k in ("threshold", "rate", "minimum"))
            failing_below = Decimal(str(table.get("failing_below", 0)))
    except (KeyError, TypeError, ArithmeticError, ValueError):
        return ["The payment table has missing or non-numeric values."]
    given = [*mins, *ks] if table["kind"] == "bands" else [threshold, rate, minimum, failing_below]
    if not all(v.is_finite() for v in given):  # NaN cannot be compared, Infinity cannot be paid
        return ["The payment table has missing or non-numeric values."]
    problems = []
    if table["kind"] == "bands":
        if not bands:
            problems.append("A band table needs at least one band.")
        if len(set(mins)) != len(mins):
            problems.append("Two bands start at the same score: bands may not overlap.")
        if mins and min(mins) != 0:
            problems.append("The lowest band must start at 0 so that every score has a coefficient.")
        if any(not Decimal(0) <= m <= Decimal(100) for m in mins):
            problems.append("Band scores must be between 0 and 100.")
        if any(not Decimal(0) <= k <= Decimal(1) for k in ks):
            problems.append("Coefficients must be between 0 and 1.")
    else:
        if not Decimal(0) < threshold <= Decimal(100):
            problems.append("The linear threshold must be between 0 and 100.")
        if rate < 0:
            problems.append("The linear rate cannot be negative.")
        elif rate > 1:
            problems.append(N_("The linear rate may be at most 1 per point."))
        if not Decimal(0) <= failing_below <= Decimal(100):
            problems.append(N_("The failing score (failing_below) must be between 0 and 100."))
        if not Decimal(0) <= minimum <= Decimal(1):
            problems.append("The minimum coefficient must be between 0 and 1.")
    return problems

"""月度支付单: statements computed by ``payments.rules.compute`` from their contract, moved along the
approval flow (draft → submitted → approved → paid) with the events ``payments.services`` writes.

The default is October 2026's draft of a ``ContractFactory`` contract scored 100: base 100,000.00,
retention 3,000.00, net 97,000.00. ``score=None`` is a month not assessed.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory

from procure.contracts.rules import end_date
from procure.kernel.clock import local_date
from procure.payments import rules
from procure.payments.models import PaymentStatement, StatementEvent, StatementLine
from procure.payments.services import StatementAction, StatementState
from tests.factories.accounts import UserFactory
from tests.factories.base import NOW, BaseFactory
from tests.factories.contracts import ContractFactory

SUBMITTED_AT = NOW - timedelta(days=2)
APPROVED_AT = NOW - timedelta(days=1)
PAID_AT = NOW - timedelta(hours=1)


def compute(o: Any) -> rules.Statement:
    """What ``payments.services.run_month`` computes for the month (no variations, no penalties)."""
    year, month = (int(p) for p in o.month.split("-"))
    contract = o.contract
    return rules.compute(rules.MonthInputs(
        year=year, month=month, monthly_fee=contract.monthly_fee, term_start=contract.start_date,
        term_end=end_date(contract.start_date, contract.months), variations=(), score=o.score,
        table=contract.payment_table, penalty_rules=rules.PenaltyRules.of(contract.penalty_rules),
        retention_rate=contract.retention_rate))


def _lines(o: Any) -> list[StatementLine]:
    return [StatementLine(position=n, kind=l.kind, label=l.label[:255], quantity=l.quantity, amount=l.amount,
                          evidence=l.evidence) for n, l in enumerate(o.computed.lines, start=1)]


def _event(at: Any, user: Any, action: str, note: str = "") -> StatementEvent:
    return StatementEvent(at=at, actor_id=user.id if user is not None else None,
                          actor_name=user.display_name if user is not None else "system", action=action, note=note)


def _events(o: Any) -> list[StatementEvent]:
    """computed, then submitted / approved / paid as far as the statement went."""
    events = [_event(o.computed_at, None, StatementAction.COMPUTED)]
    if o.submitted_at is not None:
        events.append(_event(o.submitted_at, o.maker, StatementAction.SUBMITTED))
    if o.approved_at is not None:
        events.append(_event(o.approved_at, o.checker, StatementAction.APPROVED))
    if o.paid_on is not None:
        events.append(_event(PAID_AT, o.checker, StatementAction.PAID, f"{o.paid_on.isoformat()} {o.payment_reference}"))
    return events


def _coefficient(o: Any) -> Decimal | None:
    k = o.computed.coefficient
    return None if k is None else k.quantize(Decimal("0.0001"))  # stored with four decimals, as the run stores it


class StatementFactory(BaseFactory):
    class Meta:
        model = PaymentStatement
        exclude = ("computed", "maker", "checker")

    contract = factory.SubFactory(ContractFactory)
    month = "2026-10"
    kind = "monthly"
    state = StatementState.DRAFT
    score = Decimal("100.00")
    #: Who submitted (maker) and who approved (checker): two people, as maker-checker demands.
    maker = None
    checker = None
    computed = factory.LazyAttribute(compute)

    assessed = factory.LazyAttribute(lambda o: o.computed.assessed)
    base = factory.LazyAttribute(lambda o: o.computed.base)
    coefficient = factory.LazyAttribute(_coefficient)
    failing = factory.LazyAttribute(lambda o: o.computed.failing)
    penalties = factory.LazyAttribute(lambda o: o.computed.penalties)
    payable = factory.LazyAttribute(lambda o: o.computed.payable)
    retention = factory.LazyAttribute(lambda o: o.computed.retention)
    net = factory.LazyAttribute(lambda o: o.computed.net)
    computed_at = NOW - timedelta(days=3)
    submitted_at = None
    submitted_by_id = factory.LazyAttribute(lambda o: o.maker.id if o.maker is not None else None)
    approved_at = None
    approved_by_id = factory.LazyAttribute(lambda o: o.checker.id if o.checker is not None else None)
    due_date = factory.LazyAttribute(
        lambda o: rules.due_date(local_date(o.approved_at)) if o.approved_at is not None else None)
    returned_reason = ""
    paid_on = None
    payment_reference = ""
    lines = factory.LazyAttribute(_lines)
    events = factory.LazyAttribute(_events)

    class Params:
        #: Submitted by an officer: waiting in finance's approval queue.
        submitted = factory.Trait(state=StatementState.SUBMITTED, submitted_at=SUBMITTED_AT,
                                  maker=factory.SubFactory(UserFactory, officer=True))
        #: Approved by finance (someone other than the maker): payable within 30 days.
        approved = factory.Trait(submitted=True, state=StatementState.APPROVED, approved_at=APPROVED_AT,
                                 checker=factory.SubFactory(UserFactory, finance=True))
        #: Paid today, with the bank's reference.
        paid = factory.Trait(approved=True, state=StatementState.PAID, paid_on=local_date(PAID_AT),
                             payment_reference=factory.Sequence(lambda n: f"PZ-TEST-{n:04d}"))


__all__ = ["StatementFactory"]

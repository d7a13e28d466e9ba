"""整改案卷: rectification cases with the events ``cases.services`` writes for each step.

The default is a case an inspector opened two hours ago with a 24-hour limit, still open and on
time. ``contract=`` puts it under a contract (and its company); traits move it along.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory

from procure.cases.models import Case, CaseEvent
from procure.cases import rules
from procure.cases.rules import CaseAction, CaseSource, CaseState
from tests.factories.base import NOW, BaseFactory
from tests.factories.sites import SiteFactory

LIMIT_HOURS = 24


def _events(o: Any) -> list[CaseEvent]:
    """open, then respond and close as far as the case went (cases.services._event)."""
    events = [CaseEvent(at=o.opened_at, actor_id=None, action=CaseAction.OPEN.value, note=o.description)]
    if o.first_responded_at is not None:
        events.append(CaseEvent(at=o.first_responded_at, actor_id=None, action=CaseAction.RESPOND.value, note="已整改"))
    if o.closed_at is not None:
        events.append(CaseEvent(at=o.closed_at, actor_id=None, action=CaseAction.CLOSE.value, note="合格"))
    if o.state == CaseState.VOID:
        events.append(CaseEvent(at=o.opened_at + timedelta(hours=1), actor_id=None, action=CaseAction.VOID.value,
                                note=o.void_reason))
    return events


def _after(hours: float) -> Any:
    return factory.LazyAttribute(lambda o: o.opened_at + timedelta(hours=hours))


class CaseFactory(BaseFactory):
    class Meta:
        model = Case
        exclude = ("contract", "limit_hours")

    contract = None
    limit_hours = LIMIT_HOURS

    # "TAJ": never the AJ<day>NNNN the service counts when it numbers cases.
    number = factory.Sequence(lambda n: f"TAJ{n:08d}")
    source = CaseSource.INSPECTION.value
    site = factory.SubFactory(SiteFactory, road=True)
    contract_id = factory.LazyAttribute(lambda o: o.contract.id if o.contract is not None else None)
    contractor_id = factory.LazyAttribute(lambda o: o.contract.contractor_id if o.contract is not None else None)
    inspection_id = None
    report_id = None
    item_code = None
    description = factory.Sequence(lambda n: f"路面有积泥（测试{n}） ×1")
    opened_at = NOW - timedelta(hours=2)
    deadline = factory.LazyAttribute(lambda o: rules.deadline(o.opened_at, o.limit_hours))
    state = CaseState.OPEN.value
    first_responded_at = None
    responded_at = factory.SelfAttribute("first_responded_at")
    closed_at = None
    reopened = 0
    void_reason = ""
    events = factory.LazyAttribute(_events)

    class Params:
        #: Opened three days ago with a 24-hour limit and never answered.
        overdue = factory.Trait(opened_at=NOW - timedelta(days=3))
        #: The company reported it fixed, in time; an inspector has to check it.
        responded = factory.Trait(state=CaseState.RESPONDED.value, first_responded_at=_after(4))
        #: Fixed in time and accepted by the inspector.
        closed = factory.Trait(state=CaseState.CLOSED.value, opened_at=NOW - timedelta(days=2),
                               first_responded_at=_after(4), closed_at=_after(6))
        #: Voided (e.g. a duplicate): counts for nothing.
        voided = factory.Trait(state=CaseState.VOID.value, void_reason="重复立案")


__all__ = ["CaseFactory", "LIMIT_HOURS"]

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from procure.payments.models import PaymentStatement
from procure.kernel.i18n import N_


def _s(value: object) -> str | None:
    return None if value is None else str(value)


class LineOut(msgspec.Struct):
    kind: str
    label: str
    quantity: str
    amount: str
    evidence: dict[str, Any]


class EventOut(msgspec.Struct):
    at: datetime
    actor: str
    action: str
    note: str


class StatementOut(msgspec.Struct):
    id: int
    contract_id: int
    contract_number: str
    contractor: str
    month: str
    kind: str
    state: str
    assessed: bool
    base: str
    score: str | None
    coefficient: str | None
    failing: bool
    penalties: str
    payable: str | None
    retention: str | None
    net: str | None
    due_date: date | None
    overdue: bool
    paid_on: date | None
    payment_reference: str
    returned_reason: str
    lines: list[LineOut]
    events: list[EventOut]

    @classmethod
    def of(cls, s: PaymentStatement, overdue: bool) -> "StatementOut":
        return cls(s.id, s.contract_id, s.contract.number, s.contract.contractor.company_name, s.month, s.kind, s.state,
                   s.assessed, str(s.base), _s(s.score), _s(s.coefficient), s.failing, str(s.penalties), _s(s.payable),
                   _s(s.retention), _s(s.net), s.due_date, overdue, s.paid_on, s.payment_reference, s.returned_reason,
                   [LineOut(l.kind, l.label, str(l.quantity), str(l.amount), l.evidence) for l in s.lines],
                   [EventOut(e.at, e.actor_name, e.action, e.note) for e in s.events])


class RunIn(msgspec.Struct):
    month: str


class RunOut(msgspec.Struct):
    month: str
    created: int
    replaced: int
    kept: int
    not_assessed: list[str]
    statements: list[StatementOut]


class ReasonIn(msgspec.Struct):
    reason: str


class PayIn(msgspec.Struct):
    """A payment as finance records it — the API's body and, through ``kernel.inputs.convert``,
    the statement page's form. No date: paid today."""
    reference: str = ""
    paid_on: date | None = None


class ExposureIn(msgspec.Struct):
    reported_on: str
    level: str
    outlet: str
    note: str = ""


#: How pages name this domain's input fields in a list of problems (``kernel.i18n.field_label``).
FIELD_LABELS = (
    N_("field:month"), N_("field:paid_on"), N_("field:reference"), N_("field:reason"),
)

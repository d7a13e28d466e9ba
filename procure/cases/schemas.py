from __future__ import annotations

from datetime import datetime

import msgspec

from procure.cases.models import Case


class CaseOut(msgspec.Struct):
    id: int
    number: str
    source: str
    site_id: int
    site: str
    contract_id: int | None
    item_code: str | None
    description: str
    opened_at: datetime
    deadline: datetime
    state: str
    overdue: bool
    timer: str
    first_responded_at: datetime | None
    reopened: int

    @classmethod
    def of(cls, c: Case, overdue: bool, timer: str) -> "CaseOut":
        return cls(c.id, c.number, c.source, c.site_id, c.site.name, c.contract_id, c.item_code, c.description,
                   c.opened_at, c.deadline, c.state, overdue, timer, c.first_responded_at, c.reopened)


class CasePage(msgspec.Struct):
    items: list[CaseOut]
    total: int
    page: int
    per_page: int


class NoteIn(msgspec.Struct):
    note: str = ""


class ReasonIn(msgspec.Struct):
    reason: str


class RatesOut(msgspec.Struct):
    key: str
    label: str
    due: int
    on_time_rate: str | None
    closure_rate: str | None
    rework_rate: str | None

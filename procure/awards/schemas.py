"""Awards: what the API takes and answers."""

from __future__ import annotations

from datetime import datetime

import msgspec

from procure.kernel.bounds import Id
from procure.kernel.i18n import N_


class ProposeIn(msgspec.Struct):
    bid_id: Id | None = None
    reason: str = ""


class TextIn(msgspec.Struct):
    text: str


class AnswerIn(msgspec.Struct):
    answer: str


class ObjectionOut(msgspec.Struct):
    id: int
    text: str
    filed_at: datetime
    answer: str | None
    answered_at: datetime | None


class AwardOut(msgspec.Struct):
    id: int
    lot_id: int
    bid_id: int
    contractor: str
    price: str | None
    rank: int
    reason: str
    state: str
    proposed_at: datetime
    publicity_ends_at: datetime
    notice_issued_at: datetime | None
    objections: list[ObjectionOut]


#: How pages name this domain's input fields in a list of problems (``kernel.i18n.field_label``).
FIELD_LABELS = (
    N_("field:bid_id"), N_("field:reason"), N_("field:text"), N_("field:answer"),
)

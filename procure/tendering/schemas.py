from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from procure.tendering.models import Tender
from procure.kernel.bounds import Id
from procure.kernel.i18n import N_

#: A lot's term in months (at most ten years: 政府采购法 第24条 framework terms are shorter).
Months = Annotated[int, msgspec.Meta(ge=1, le=120)]



def _s(value: object) -> str | None:
    return None if value is None else str(value)


class CriterionIn(msgspec.Struct):
    code: str = ""
    name: str = ""
    max_points: Decimal = Decimal(0)


class LotIn(msgspec.Struct):
    site_ids: list[Id] = []
    ceiling_price: Decimal | None = None
    #: None: not chosen yet (a draft's gap; publication asks for a term).
    term_months: Months | None = None
    title: str = ""
    bid_bond: Decimal = Decimal(0)


class TenderIn(msgspec.Struct, forbid_unknown_fields=True):
    """A tender draft as the officer gives it — the JSON body of POST /api/v1/tenders and, through
    ``kernel.inputs.convert``, the new/edit page. ``tendering.services.parse_tender`` checks it
    against the columns; the publication rules check it at publication."""

    title: str = ""
    method: str = "comprehensive"
    description: str = ""
    price_points: Decimal | None = None
    sme_deduction: Decimal | None = None
    abnormal_threshold: Decimal | None = None
    criteria: list[CriterionIn] = []
    lots: list[LotIn] = []
    #: ISO 8601; without a zone it is Shanghai time (an officer's datetime-local field), which
    #: RFC 3339 cannot say — so it stays text here and ``parse_deadline`` reads it.
    bid_deadline: str | None = None
    standing_rule: str = "off"


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    """Who opens the bids (开标): user ids of officials with an opening key, and k of them needed.
    Both optional: every official with a key, k = 2."""

    opening_holders: list[int] | None = None
    opening_threshold: int | None = None


class ReasonIn(msgspec.Struct):
    reason: str


class AmendmentIn(msgspec.Struct):
    reason: str
    changes: dict[str, Any]


class QuestionIn(msgspec.Struct):
    question: str


class AnswerIn(msgspec.Struct):
    answer: str


class SiteBrief(msgspec.Struct):
    id: int
    code: str
    name: str
    kind: str
    grade: int
    area_m2: str


class LotOut(msgspec.Struct):
    id: int
    number: int
    title: str
    ceiling_price: str
    term_months: int
    bid_bond: str
    state: str
    sites: list[SiteBrief]


class CriterionOut(msgspec.Struct):
    code: str
    name: str
    max_points: str


class AmendmentOut(msgspec.Struct):
    version: int
    published_at: datetime
    reason: str
    changes: dict[str, Any]
    deadline_before: datetime | None
    deadline_after: datetime | None


class EnquiryOut(msgspec.Struct):
    """Public: the question and its answer, never who asked (DESIGN §4.1)."""

    id: int
    question: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None


class TenderOut(msgspec.Struct):
    id: int
    reference: str
    title: str
    description: str
    method: str
    price_points: str | None
    sme_deduction: str | None
    abnormal_threshold: str
    state: str
    bid_deadline: datetime | None
    published_at: datetime | None
    opened_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    version: int
    criteria: list[CriterionOut]
    lots: list[LotOut]
    amendments: list[AmendmentOut]
    enquiries: list[EnquiryOut]
    notice_url: str | None

    @classmethod
    def of(cls, t: Tender, *, show_unanswered: bool = False) -> "TenderOut":
        return cls(
            t.id, t.reference, t.title, t.description, t.method, _s(t.price_points), _s(t.sme_deduction),
            str(t.abnormal_threshold), t.state, t.bid_deadline, t.published_at, t.opened_at, t.cancelled_at,
            t.cancel_reason, t.version,
            [CriterionOut(c.code, c.name, str(c.max_points)) for c in t.criteria],
            [LotOut(l.id, l.number, l.title, str(l.ceiling_price), l.term_months, str(l.bid_bond), l.state,
                    [SiteBrief(s.id, s.code, s.name, s.kind, s.grade, str(s.area_m2)) for s in l.sites])
             for l in t.lots],
            [AmendmentOut(a.version, a.published_at, a.reason, a.changes, a.deadline_before, a.deadline_after)
             for a in t.amendments],
            [EnquiryOut(e.id, e.question, e.asked_at, e.answer, e.answered_at) for e in t.enquiries
             if show_unanswered or e.answer is not None],
            f"/api/v1/tenders/{t.id}/notice.pdf" if t.published_at else None,
        )


class TenderSummary(msgspec.Struct):
    id: int
    reference: str
    title: str
    state: str
    bid_deadline: datetime | None
    published_at: datetime | None
    lots: int


class TenderPage(msgspec.Struct):
    items: list[TenderSummary]
    total: int
    page: int
    per_page: int


#: How pages name this domain's input fields in a list of problems (``kernel.i18n.field_label``).
FIELD_LABELS = (
    N_("field:title"), N_("field:method"), N_("field:description"), N_("field:price_points"),
    N_("field:sme_deduction"), N_("field:abnormal_threshold"), N_("field:criteria"), N_("field:code"),
    N_("field:name"), N_("field:max_points"), N_("field:lots"), N_("field:site_ids"), N_("field:ceiling_price"),
    N_("field:term_months"), N_("field:bid_bond"), N_("field:bid_deadline"), N_("field:standing_rule"),
    N_("field:reason"),
)

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

from procure.evaluation.models import EvaluationResult
from procure.kernel.bounds import Id, Seed
from procure.kernel.i18n import N_

#: How many experts a committee draws (87号令 第47条: at least 5; a bureau never needs 50).
DrawCount = Annotated[int, msgspec.Meta(ge=1, le=50)]


class CommitteeIn(msgspec.Struct):
    members: list[Id] | None = None
    draw: DrawCount | None = None
    seed: Seed | None = None


class DeclarationIn(msgspec.Struct):
    """An explicit choice: ``{"no_conflict": true}``, or ``{"no_conflict": false, "relation": "…"}``
    (the member then withdraws). Anything else is a 400 naming the field."""

    no_conflict: bool | None = None
    relation: str = ""


class ReplacementIn(msgspec.Struct):
    seed: Seed | None = None


class ComplianceIn(msgspec.Struct):
    bid_id: Id
    compliant: bool
    reason: str = ""


class AbnormalIn(msgspec.Struct):
    bid_id: Id
    decision: str
    reason: str


class ScoresIn(msgspec.Struct):
    bid_id: Id
    points: dict[str, str | int | float]


class FinalizeIn(msgspec.Struct):
    seed: Seed | None = None


class RelationIn(msgspec.Struct):
    contractor_id: Id
    relation: str


class MemberOut(msgspec.Struct):
    user_id: int
    name: str
    is_expert: bool
    declared: bool
    sheet_submitted: bool
    withdrawn: bool = False
    conflict: str = ""
    #: For a replacement (87号令 第49条): the seed of the draw that brought this member in.
    draw_seed: int | None = None


class CommitteeOut(msgspec.Struct):
    lot_id: int
    draw_seed: int | None
    members: list[MemberOut]
    finalized: bool
    #: Members present (not withdrawn), experts among them, and whether that is below the law.
    present: int = 0
    experts: int = 0
    short: bool = False


class ResultOut(msgspec.Struct):
    bid_id: int
    contractor: str
    price: str | None
    evaluated_price: str
    price_score: str | None
    technical_score: str | None
    total: str | None
    rank: int | None
    compliant: bool
    flags: list[str]

    @classmethod
    def of(cls, r: EvaluationResult, contractor: str, price: Decimal | None) -> "ResultOut":
        s = lambda v: None if v is None else str(v)  # noqa: E731
        return cls(r.bid_id, contractor, s(price), str(r.evaluated_price), s(r.price_score), s(r.technical_score),
                   s(r.total), r.rank, r.compliant, list(r.flags))


class EvaluationOut(msgspec.Struct):
    lot_id: int
    finalized: bool
    unsuccessful: bool
    ranking_seed: int | None
    results: list[ResultOut]
    missing: dict[str, list[str]]
    #: The committee below its legal size or composition (87号令 第47、49条): finalising waits.
    committee_short: bool = False
    members_present: int = 0
    experts_present: int = 0


#: How pages name this domain's input fields in a list of problems (``kernel.i18n.field_label``).
FIELD_LABELS = (
    N_("field:bid_id"), N_("field:draw"), N_("field:seed"), N_("field:members"), N_("field:decision"),
    N_("field:compliant"), N_("field:reason"), N_("field:relation"), N_("field:no_conflict"), N_("field:points"),
    N_("field:contractor_id"),
)

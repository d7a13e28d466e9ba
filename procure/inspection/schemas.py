from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from procure.inspection.models import Inspection, InspectionTemplate
from procure.kernel.bounds import Id, Seed
from procure.kernel.i18n import N_


class CategoryOut(msgspec.Struct):
    code: str
    name: str
    max_points: str


class ItemOut(msgspec.Struct):
    code: str
    category: str
    standard: str
    deduction: str
    cap: str
    photo_required: bool
    rectification_hours: int | None


class TemplateOut(msgspec.Struct):
    id: int
    kind: str
    version: int
    name: str
    categories: list[CategoryOut]
    items: list[ItemOut]

    @classmethod
    def of(cls, t: InspectionTemplate) -> "TemplateOut":
        return cls(t.id, t.kind, t.version, t.name,
                   [CategoryOut(c["code"], c.get("name", c["code"]), str(c["max_points"])) for c in t.categories],
                   [ItemOut(i.code, i.category, i.standard, str(i.deduction), str(i.cap), i.photo_required,
                            i.rectification_hours) for i in t.items])


class FindingIn(msgspec.Struct):
    item_code: str  # checked against the site's template by the service
    count: Annotated[int, msgspec.Meta(ge=0, le=999)]  # occurrences; a deduction is count × the item's
    note: str = ""


class InspectionIn(msgspec.Struct):
    """An inspection as the API takes it and, through ``kernel.inputs.convert``, the inspection
    page's form (its time is read apart: a form's time without zone is the bureau's)."""
    site_id: Id
    findings: list[FindingIn] = []
    inspected_at: datetime | None = None
    note: str = ""
    supersedes_id: Id | None = None
    correction_reason: str = ""


class InspectionOut(msgspec.Struct):
    id: int
    site_id: int
    contract_id: int | None
    template_version: int
    inspected_at: datetime
    month: str
    planned: bool
    score: str
    categories: dict[str, str]
    findings: list[dict[str, Any]]
    photos: int
    superseded_by_id: int | None
    supersedes_id: int | None
    cases: list[int] = []
    warnings: list[str] = []
    missing_photos: list[str] = []

    @classmethod
    def of(cls, i: Inspection, *, cases: list[int] | None = None, warnings: list[str] | None = None,
           missing_photos: list[str] | None = None) -> "InspectionOut":
        return cls(i.id, i.site_id, i.contract_id, i.template.version, i.inspected_at, i.month, i.planned, str(i.score),
                   dict(i.categories), [{"item_code": f.item_code, "count": f.count, "deduction": str(f.deduction),
                                         "note": f.note} for f in i.findings], len(i.photos), i.superseded_by_id,
                   i.supersedes_id, cases=cases or [], warnings=warnings or [], missing_photos=missing_photos or [])


class SiteScoreOut(msgspec.Struct):
    site_id: int
    name: str
    area_m2: str
    score: str | None
    inspections: list[int]


class ContractScoresOut(msgspec.Struct):
    contract_id: int
    month: str
    contract_score: str | None
    assessed: bool
    sites: list[SiteScoreOut]
    plan_seed: int | None
    planned_sites: list[int]


class PlanIn(msgspec.Struct):
    contract_id: Id
    month: str
    seed: Seed | None = None


class PlanOut(msgspec.Struct):
    contract_id: int
    month: str
    seed: int
    share: str
    pool: list[int]
    site_ids: list[int]


#: How pages name this domain's input fields in a list of problems (``kernel.i18n.field_label``).
FIELD_LABELS = (
    N_("field:site_id"), N_("field:findings"), N_("field:item_code"), N_("field:count"), N_("field:note"),
    N_("field:inspected_at"), N_("field:supersedes_id"), N_("field:correction_reason"), N_("field:contract_id"),
    N_("field:month"),
)

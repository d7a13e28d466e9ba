"""Inspection templates and field inspections, scored by ``inspection.rules.score``.

An inspection has no draft: a row is a submitted inspection, final (a correction supersedes it).
``InspectionFactory()`` is a clean one (100 points); ``with_findings`` and ``failing`` carry
findings with the deductions and the score the template gives them. Cases are not opened for the
findings (``inspection.services.submit`` does that): make them with ``CaseFactory``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory

from procure.inspection import rules
from procure.inspection.models import Finding, Inspection, InspectionTemplate, TemplateItem
from procure.kernel.clock import month_of
from tests.factories.accounts import UserFactory
from tests.factories.base import NOW, BaseFactory
from tests.factories.sites import SiteFactory

#: 四化: clean 40, green 20, order 25, light 15 (the four categories sum to 100).
CATEGORIES = [{"code": "clean", "name": "洁化", "max_points": "40"}, {"code": "green", "name": "绿化", "max_points": "20"},
              {"code": "order", "name": "序化", "max_points": "25"}, {"code": "light", "name": "亮化", "max_points": "15"}]


def default_items() -> list[TemplateItem]:
    rows = [("T-C01", "clean", "路面无垃圾、积泥、积水，每处", "1.0", "10", 24),
            ("T-C02", "clean", "果皮箱满溢、破损，每只", "0.5", "5", None),
            ("T-G01", "green", "绿化缺株、枯死，每株", "1.0", "6", 72),
            ("T-O01", "order", "占道经营、乱堆乱放，每处", "2.0", "10", 24),
            ("T-L01", "light", "路灯不亮，每盏", "1.0", "8", 48)]
    return [TemplateItem(position=n, code=code, category=category, standard=standard, deduction=Decimal(deduction),
                         cap=Decimal(cap), photo_required=False, rectification_hours=hours)
            for n, (code, category, standard, deduction, cap, hours) in enumerate(rows, start=1)]


class InspectionTemplateFactory(BaseFactory):
    """Version 1 of a kind's 考核细则; the one already stored is reused (e.g. loaded from fixtures)."""

    class Meta:
        model = InspectionTemplate
        sqlalchemy_get_or_create = ("kind", "version")

    kind = "road"
    version = 1
    name = factory.LazyAttribute(lambda o: f"{o.kind} 考核细则（测试）")
    current = True
    categories = factory.LazyFunction(lambda: [dict(c) for c in CATEGORIES])
    created_at = NOW - timedelta(days=300)
    items = factory.LazyFunction(default_items)


def template_score(template: InspectionTemplate, counts: dict[str, int]) -> rules.Score:
    categories = [rules.Category(str(c["code"]), Decimal(str(c["max_points"]))) for c in template.categories]
    items = [rules.Item(i.code, i.category, i.deduction, i.cap) for i in template.items]
    return rules.score(categories, items, counts)


def _first_items(o: Any) -> dict[str, int]:
    """Two defects on the template's first item and one on its third."""
    items = o.template.items
    return {items[0].code: 2, items[2].code: 1}


class InspectionFactory(BaseFactory):
    """A clean inspection of a road yesterday, by an inspector, under no contract (``contract=``)."""

    class Meta:
        model = Inspection
        exclude = ("inspector", "contract", "counts", "result")

    site = factory.SubFactory(SiteFactory, road=True)
    template = factory.SubFactory(InspectionTemplateFactory, kind=factory.SelfAttribute("..site.kind"))
    inspector = factory.SubFactory(UserFactory, inspector=True)
    contract = None
    counts = factory.LazyFunction(dict)  # item code → how many times found
    result = factory.LazyAttribute(lambda o: template_score(o.template, o.counts))

    inspector_id = factory.SelfAttribute("inspector.id")
    contract_id = factory.LazyAttribute(lambda o: o.contract.id if o.contract is not None else None)
    inspected_at = NOW - timedelta(days=1)
    month = factory.LazyAttribute(lambda o: month_of(o.inspected_at))
    planned = False
    score = factory.SelfAttribute("result.total")
    categories = factory.LazyAttribute(lambda o: {k: str(v) for k, v in o.result.categories.items()})
    note = ""
    supersedes_id = None
    superseded_by_id = None
    correction_reason = ""
    created_at = factory.SelfAttribute("inspected_at")
    findings = factory.LazyAttribute(lambda o: [
        Finding(item_code=code, count=n, note="", deduction=o.result.deductions[code])
        for code, n in o.counts.items() if n > 0])

    class Params:
        #: Defects found: findings with the template's deductions, a score below 100.
        with_findings = factory.Trait(counts=factory.LazyAttribute(_first_items))
        #: Every item found nine times: the score that makes the month fail (k < 1, failing).
        failing = factory.Trait(counts=factory.LazyAttribute(lambda o: {i.code: 9 for i in o.template.items}))


__all__ = ["InspectionFactory", "InspectionTemplateFactory", "default_items", "template_score"]

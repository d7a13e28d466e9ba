from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import factory

from procure.sites.models import Site, UnitRate
from procure.accounts.models import Jurisdiction
from tests.factories.base import BaseFactory

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


class JurisdictionFactory(BaseFactory):
    class Meta:
        model = Jurisdiction

    code = factory.Sequence(lambda n: f"9901{n:05d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")
    name_en = factory.Sequence(lambda n: f"Test Street {n}")
    level = "street"
    parent_id = None


class SiteFactory(BaseFactory):
    class Meta:
        model = Site

    code = factory.Sequence(lambda n: f"T-SITE-{n:05d}")
    name = factory.Sequence(lambda n: f"测试绿地{n}")
    kind = "green_space"
    grade = 2
    jurisdiction = factory.SubFactory(JurisdictionFactory)
    area_m2 = Decimal("10000.00")
    handover_date = date(2025, 1, 1)
    address = "杭州市余杭区"
    created_at = T0
    updated_at = T0

    class Params:
        road = factory.Trait(kind="road", length_m=Decimal("1000.00"), width_m=Decimal("20.00"),
                             area_m2=Decimal("20000.00"), name=factory.Sequence(lambda n: f"测试路{n}"))
        not_handed_over = factory.Trait(handover_date=None)


class UnitRateFactory(BaseFactory):
    class Meta:
        model = UnitRate

    kind = "green_space"
    grade = 2
    yuan_per_m2_year = Decimal("7.20")
    updated_at = T0

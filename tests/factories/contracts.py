from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from decimal import Decimal

import factory

from procure.contracts.models import Contract, ContractSite
from procure.contracts.rules import DEFAULT_PAYMENT_TABLE, DEFAULT_PENALTY_RULES
from tests.factories.base import BaseFactory
from tests.factories.contractors import ContractorFactory

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


class ContractFactory(BaseFactory):
    """An active contract without a tender behind it (inspection and payment tests)."""

    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"T-HT-{n:04d}")
    title = factory.Sequence(lambda n: f"测试养护合同{n}")
    contractor = factory.SubFactory(ContractorFactory)
    state = "active"
    amount = Decimal("1200000.00")
    start_date = date(2026, 1, 1)
    months = 12
    monthly_fee = Decimal("100000.00")
    performance_bond = Decimal("60000.00")
    retention_rate = Decimal("0.0300")
    sampling_share = Decimal("0.30")
    defects_liability_months = 12
    payment_table = factory.LazyFunction(lambda: copy.deepcopy(DEFAULT_PAYMENT_TABLE))
    penalty_rules = factory.LazyFunction(lambda: dict(DEFAULT_PENALTY_RULES))
    end_reason = ""
    created_at = T0
    updated_at = T0


class ContractSiteFactory(BaseFactory):
    class Meta:
        model = ContractSite

    contract_id = None  # give it
    site = None
    area_m2 = factory.LazyAttribute(lambda o: o.site.area_m2 if o.site is not None else Decimal("1000.00"))
    from_date = date(2026, 1, 1)
    to_date = None

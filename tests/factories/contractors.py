from __future__ import annotations

from datetime import datetime, timezone

import factory

from procure.contractors.models import Contractor
from procure.contractors.rules import compose_uscc
from tests.factories.base import BaseFactory


def make_uscc(n: int) -> str:
    return compose_uscc("91", "330110", f"{n:08d}")


class ContractorFactory(BaseFactory):
    class Meta:
        model = Contractor

    company_name = factory.Sequence(lambda n: f"杭州测试养护有限公司{n}")
    uscc = factory.Sequence(lambda n: make_uscc(10_000 + n))
    uscc_check_failed = False
    sme = False
    contact_name = "联系人"
    contact_phone = "0571-88888888"
    contact_email = "bids@example.cn"
    address = "杭州市余杭区"
    state = "approved"
    registered_at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    decision_reason = ""

"""A small tendering world built through the real services: sites, an officer, contractors."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from procure.accounts.services import CurrentUser
from procure.bidding import services as bidding
from procure.documents.storage import LocalStorage
from procure.tendering import services as tenders
from tests.factories import ContractorFactory, JurisdictionFactory, SiteFactory, UserFactory

SECRET = "test-secret-key"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(text: str = "") -> io.BytesIO:
    return io.BytesIO(PDF + text.encode())


def tender_payload(site_ids: list[int], deadline: datetime, **overrides: Any) -> dict[str, Any]:
    return {
        "title": "余杭区新建道路及绿地养护服务采购", "method": "comprehensive", "price_points": "30",
        "sme_deduction": "0.10", "abnormal_threshold": "0.20",
        "criteria": [{"code": "T1", "name": "养护方案", "max_points": "40"},
                     {"code": "T2", "name": "人员与设备", "max_points": "30"}],
        "lots": [{"title": "仓前片区", "site_ids": site_ids, "ceiling_price": "1000000.00", "term_months": 12,
                  "bid_bond": "20000.00"}],
        "bid_deadline": deadline.isoformat(),
    } | overrides


@dataclass
class World:
    session: Any
    clock: Any
    storage: LocalStorage
    officer: CurrentUser
    contractors: list[CurrentUser]
    site_ids: list[int]
    # What a scenario adds (tests/evaluation/world.py opened_lot: the opened tender, its lot, the
    # bids in the order of ``contractors``, the experts who may sit): typed fields, not a dict.
    tender: Any = None
    lot: Any = None
    bids: list[Any] = field(default_factory=list)
    experts: list[CurrentUser] = field(default_factory=list)

    def published_tender(self, days: int = 20, **overrides: Any):  # type: ignore[no-untyped-def]
        deadline = self.clock() + timedelta(days=days)
        tender = tenders.create_tender(self.session, self.clock, self.officer.actor, SECRET,
                                       tender_payload(self.site_ids, deadline, **overrides))
        return tenders.publish(self.session, self.clock, self.officer.actor, tender.id)

    def bid(self, who: CurrentUser, lot_id: int, price: str = "900000.00", **kwargs: Any):  # type: ignore[no-untyped-def]
        uploads = kwargs.pop("uploads", None) or [bidding.Upload("技术标.pdf", pdf(who.username))]
        return bidding.submit(self.session, self.clock, self.storage, SECRET, who, lot_id, price=price,
                              bond_form=kwargs.pop("bond_form", "guarantee"),
                              bond_reference=kwargs.pop("bond_reference", "BH-2026-001"), uploads=uploads, **kwargs)


def build_world(session, clock, tmp_path: Path, contractors: int = 4) -> World:  # type: ignore[no-untyped-def]
    street = JurisdictionFactory(code="330110002", name="仓前街道")
    sites = [SiteFactory(jurisdiction=street, kind="road", name=f"良睦路{i}段", area_m2=Decimal("12000.00"))
             for i in range(3)]
    officer = UserFactory(role="officer", username="tender-officer")
    people = []
    for i in range(contractors):
        company = ContractorFactory(company_name=f"杭州养护{i}有限公司", sme=i % 2 == 0)
        people.append(UserFactory(role="contractor", username=f"bidder{i}", contractor_id=company.id))
    session.commit()
    return World(session, clock, LocalStorage(tmp_path / "storage"), CurrentUser.of(officer),
                 [CurrentUser.of(u) for u in people], [s.id for s in sites])

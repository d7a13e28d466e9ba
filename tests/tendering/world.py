"""A small tendering world built through the real services: sites, an officer, contractors."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from procure.accounts.services import CurrentUser
from procure.bidding import clients, sealing
from procure.bidding import services as bidding
from procure.documents.storage import LocalStorage
from procure.tendering import services as tenders
from tests.factories import ContractorFactory, JurisdictionFactory, SiteFactory, UserFactory

SECRET = "test-secret-key"
#: The blind-index key of the test settings (tests.conftest.settings).
INDEX_KEY = b"test-bid-index-key-0123456789abcdef"
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
    #: The opening officials (开标人) with their private keys, as made on their own devices.
    officials: list[tuple[CurrentUser, Any]] = field(default_factory=list)
    # What a scenario adds (tests/evaluation/world.py opened_lot: the opened tender, its lot, the
    # bids in the order of ``contractors``, the experts who may sit): typed fields, not a dict.
    tender: Any = None
    lot: Any = None
    bids: list[Any] = field(default_factory=list)
    experts: list[CurrentUser] = field(default_factory=list)

    def published_tender(self, days: int = 20, **overrides: Any):  # type: ignore[no-untyped-def]
        deadline = self.clock() + timedelta(days=days)
        tender = tenders.create_tender(self.session, self.clock, self.officer.actor, tender_payload(self.site_ids, deadline, **overrides))
        return tenders.publish(self.session, self.clock, self.officer.actor, tender.id)

    def bid(self, who: CurrentUser, lot_id: int, price: str = "900000.00", **kwargs: Any):  # type: ignore[no-untyped-def]
        """Seal as the bidder's browser does, then submit (bidding.clients)."""
        documents = kwargs.pop("documents", None) or [clients.plain_document("技术标.pdf", pdf(who.username).getvalue())]
        lot = tenders.get_lot(self.session, self.clock, lot_id)
        return clients.submit_sealed(self.session, self.clock, self.storage, INDEX_KEY, who, lot, price=price,
                                     bond_form=kwargs.pop("bond_form", "guarantee"),
                                     bond_reference=kwargs.pop("bond_reference", "BH-2026-001"), documents=documents,
                                     **kwargs)

    def open(self, tender_id: int, clock: Any = None, officials: int = 2):  # type: ignore[no-untyped-def]
        """The opening: the first ``officials`` present their shares; returns the last answer."""
        result = None
        for user, private in self.officials[:officials]:
            result = clients.present_with_key(self.session, clock or self.clock, self.storage, INDEX_KEY, user,
                                              tender_id, private)
        return result


def build_world(session, clock, tmp_path: Path, contractors: int = 4) -> World:  # type: ignore[no-untyped-def]
    street = JurisdictionFactory(code="330110002", name="仓前街道")
    sites = [SiteFactory(jurisdiction=street, kind="road", name=f"良睦路{i}段", area_m2=Decimal("12000.00"))
             for i in range(3)]
    officer = UserFactory(role="officer", username="tender-officer")
    officials = [officer, UserFactory(role="inspector", username="tender-supervisor", display_name="监督员"),
                 UserFactory(role="finance", username="tender-finance", display_name="财务开标人")]
    people = []
    for i in range(contractors):
        company = ContractorFactory(company_name=f"杭州养护{i}有限公司", sme=i % 2 == 0)
        people.append(UserFactory(role="contractor", username=f"bidder{i}", contractor_id=company.id))
    session.commit()
    keys = give_opening_keys(session, clock, officials)
    return World(session, clock, LocalStorage(tmp_path / "storage"), CurrentUser.of(officer),
                 [CurrentUser.of(u) for u in people], [s.id for s in sites],
                 officials=[(CurrentUser.of(u), k) for u, k in zip(officials, keys)])


# --- over the API, as a bidder's client and the officials' devices do -------------------------


def seat_api_officials(session, clock, count: int = 2) -> list[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    """Officials with opening keys registered (so a tender can be published): (username, private key)."""
    users = [UserFactory(role=("inspector", "finance", "admin")[n % 3], username=f"official{n}",
                         display_name=f"开标人{n}") for n in range(count)]
    session.commit()
    return [(user.username, private) for user, private in zip(users, give_opening_keys(session, clock, users))]


def api_bid(client, headers, lot_id: int, price: str, content: bytes = PDF, name: str = "投标文件.pdf"):  # type: ignore[no-untyped-def]
    """Seal as the browser does (checks first, as the page's script does) and submit over the API."""
    target = client.get(f"/api/v1/lots/{lot_id}/sealing", headers=headers).json()
    sealed = clients.seal_to(target, price=price, bond_reference="BH-1",
                             documents=[sealing.PlainDocument(name, "application/pdf", content)])
    return client.post(f"/api/v1/lots/{lot_id}/bids", headers=headers, data={"envelope": sealed.envelope_text},
                       files=[("documents", (f"sealed-{i}.bin", blob, "application/octet-stream"))
                              for i, blob in enumerate(sealed.documents, start=1)])


def api_open(client, tender_id: int, officials: list[tuple[str, Any]]):  # type: ignore[no-untyped-def]
    """Each official decrypts their shares "on their device" and presents them; the last answer."""
    from tests.conftest import api_login  # the conftest imports this module's neighbours

    answer = None
    for username, private in officials:
        headers = api_login(client, username)
        listing = client.get(f"/api/v1/tenders/{tender_id}/opening/shares", headers=headers)
        if listing.status_code != 200:
            return listing
        answer = client.post(f"/api/v1/tenders/{tender_id}/opening", headers=headers,
                             json={"shares": clients.decrypt_shares(private, listing.json())})
    return answer


def give_opening_keys(session, clock, users) -> list[Any]:  # type: ignore[no-untyped-def]
    """Register an opening key for each of these users (made "on their device"); the private keys."""
    keys = []
    for user in users:
        private = sealing.new_opening_key()
        bidding.register_opening_key(session, clock, CurrentUser.of(user),
                                     sealing.b64(sealing.public_point(private.public_key())))
        keys.append(private)
    return keys

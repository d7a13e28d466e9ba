"""The holes the authorization review found, each as the exact request that used to succeed."""

from __future__ import annotations

import io

from litestar.testing import TestClient
from sqlalchemy import text

from procure.app import create_app
from procure.kernel.clock import system_clock
from procure.documents import services as documents
from procure.documents.storage import LocalStorage
from procure.kernel.clock import month_of
from tests.serving.conftest import auth_for

#: The smallest valid PNG (1×1), so the document check accepts it by content.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_a_document_id_inside_another_id_opens_nothing(demo):  # type: ignore[no-untyped-def]
    """H3: access to /documents/{id} was a substring match on a comma-separated id list, so a
    company whose case photo was document 12 could read documents 1 and 2 of another company.
    Photos are now linked to their case event by a link table and matched exactly."""
    storage = LocalStorage(demo.storage)
    with demo.database.session() as s:
        (own, own_case), (other, other_case) = s.execute(text(
            "SELECT contractor_id, min(id) FROM rectification_case WHERE contractor_id IS NOT NULL "
            "GROUP BY contractor_id ORDER BY contractor_id LIMIT 2")).all()
        login = s.execute(text("SELECT username FROM user_account WHERE contractor_id = :c"), {"c": own}).scalar()

        def photo(case_id: int, name: str, document_id: int | None = None) -> int:
            document = documents.store(s, system_clock, storage, io.BytesIO(PNG), name, uploaded_by_id=None)
            if document_id is not None:  # give it the id we need
                s.execute(text("UPDATE document SET id = :n WHERE id = :o"), {"n": document_id, "o": document.id})
            event = s.execute(text("SELECT min(id) FROM case_event WHERE case_id = :k"), {"k": case_id}).scalar()
            s.execute(text("INSERT INTO case_event_photo (case_event_id, document_id, position) VALUES (:e, :d, 9)"),
                      {"e": event, "d": document_id or document.id})
            return document_id or document.id

        target = photo(other_case, "theirs.png")
        # This company's own photo has an id that contains the other's id (12 contains 1 and 2).
        superstring = photo(own_case, "mine.png", int(f"{target}{target}"))
        s.commit()
    other_docs = [target]
    app = create_app(demo.settings())
    _, cookies = auth_for(demo.database, login, system_clock())
    with TestClient(app, base_url="http://testserver.local", cookies=cookies) as client:
        assert client.get(f"/documents/{superstring}").status_code == 200  # its own case photo
        for d in other_docs:
            assert client.get(f"/documents/{d}").status_code == 404, f"{login} read another company's document {d}"
    with demo.database.session() as s:
        for d in (superstring, target):
            s.execute(text("DELETE FROM case_event_photo WHERE document_id = :d"), {"d": d})
            s.execute(text("DELETE FROM document WHERE id = :d"), {"d": d})
        s.commit()


def test_a_company_does_not_see_where_the_spot_checks_will_go(demo):  # type: ignore[no-untyped-def]
    """H5: the contract's month answer gave its company this month's random sampling plan."""
    month = month_of(system_clock())
    with demo.database.reader() as s:
        contract, company = s.execute(text("SELECT k.id, u.username FROM contract k JOIN user_account u "
                                           "ON u.contractor_id = k.contractor_id WHERE k.state = 'active' "
                                           "ORDER BY k.id LIMIT 1")).one()
        planned = s.execute(text("SELECT count(*) FROM sampling_plan WHERE contract_id = :k AND month = :m"),
                            {"k": contract, "m": month}).scalar()
    app = create_app(demo.settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        staff, _ = auth_for(demo.database, "officer", system_clock())
        theirs, _ = auth_for(demo.database, company, system_clock())
        seen_by_staff = client.get(f"/api/v1/contracts/{contract}/scores?month={month}", headers=staff).json()
        seen_by_company = client.get(f"/api/v1/contracts/{contract}/scores?month={month}", headers=theirs).json()
    if planned:
        assert seen_by_staff["planned_sites"]
    assert seen_by_company["planned_sites"] == [] and seen_by_company["plan_seed"] is None

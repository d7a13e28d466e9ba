"""The tendering API end to end: draft → publish → register → bid → receipt → opening."""

import io
from datetime import timedelta

import pypdf
import pytest

from procure.kernel.errors import InvalidInput, PayloadTooLarge

from tests.conftest import api_login
from tests.factories import JurisdictionFactory, SiteFactory, make_uscc
from tests.tendering.world import PDF, api_bid, api_open, seat_api_officials, tender_payload


@pytest.fixture()
def officials(session, clock):
    return seat_api_officials(session, clock)


@pytest.fixture()
def site_ids(session, officials):
    street = JurisdictionFactory(code="330110002", name="仓前街道")
    ids = [SiteFactory(jurisdiction=street, kind="park", name=f"仓前公园{i}").id for i in range(2)]
    session.commit()
    return ids


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def register(client, n: int, sme: bool = False) -> dict:
    body = {"username": f"co{n}", "password": "company-pass", "company_name": f"杭州{n}号养护有限公司",
            "uscc": make_uscc(500 + n), "sme": sme, "contact": "张经理", "contact_phone": "13800000000"}
    response = client.post("/api/v1/contractors", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def bid(client, headers, lot_id, price, content=PDF, name="投标文件.pdf"):
    return api_bid(client, headers, lot_id, price, content, name)


def test_publication_lists_every_violation_with_its_law(client, as_role, site_ids, clock):
    officer = as_role("officer")
    payload = tender_payload(site_ids, clock() + timedelta(days=10), price_points="35")
    payload["lots"][0]["bid_bond"] = "30000.00"
    draft = client.post("/api/v1/tenders", json=payload, headers=officer)
    assert draft.status_code == 201 and draft.json()["state"] == "draft"
    response = client.post(f"/api/v1/tenders/{draft.json()['id']}/publish", headers=officer)
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"]]
    assert "投标截止时间距发布不足20日（招标投标法第二十四条）" in messages
    assert any("第三十三条" in m for m in messages) and any("第五十五条" in m for m in messages)
    assert any("100" in m for m in messages)


def test_bad_drafts_are_refused(client, as_role, site_ids, clock):
    officer = as_role("officer")
    deadline = clock() + timedelta(days=30)
    no_sites = tender_payload([], deadline)
    draft = client.post("/api/v1/tenders", json=no_sites, headers=officer).json()
    response = client.post(f"/api/v1/tenders/{draft['id']}/publish", headers=officer)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "lots[1]"
    before = tender_payload(site_ids, clock() - timedelta(days=1))
    draft = client.post("/api/v1/tenders", json=before, headers=officer).json()
    assert client.post(f"/api/v1/tenders/{draft['id']}/publish", headers=officer).status_code == 400
    assert client.post("/api/v1/tenders", json=tender_payload([999999], deadline), headers=officer).status_code == 400
    assert client.post("/api/v1/tenders", json=tender_payload(site_ids, deadline, bid_deadline="tomorrow"),
                       headers=officer).status_code == 400
    assert client.post("/api/v1/tenders", json={"title": "x", "colour": 1}, headers=officer).status_code == 400
    assert client.post("/api/v1/tenders", json=tender_payload(site_ids, deadline), headers=as_role("contractor")).status_code == 403


def test_the_whole_path(client, as_role, site_ids, clock, session, officials):
    officer = as_role("officer")
    draft = client.post("/api/v1/tenders", json=tender_payload(site_ids, clock() + timedelta(days=21)), headers=officer).json()
    # Drafts are invisible to the public.
    assert client.get(f"/api/v1/tenders/{draft['id']}").status_code == 404
    published = client.post(f"/api/v1/tenders/{draft['id']}/publish", headers=officer)
    assert published.status_code == 200 and published.json()["state"] == "published"
    tender = client.get(f"/api/v1/tenders/{draft['id']}").json()
    lot_id = tender["lots"][0]["id"]

    notice = client.get(f"/api/v1/tenders/{draft['id']}/notice.pdf")
    assert notice.status_code == 200 and notice.headers["content-type"] == "application/pdf"
    assert "余杭区新建道路及绿地养护服务采购招标公告" in pdf_text(notice.content).replace("\n", "")

    companies = [register(client, n, sme=n == 0) for n in range(3)]
    assert all(c["state"] == "pending" for c in companies)
    first = api_login(client, "co0", "company-pass")
    assert bid(client, first, lot_id, "900000.00").status_code == 403  # not approved yet
    for c in companies:
        assert client.post(f"/api/v1/contractors/{c['id']}/approve", headers=officer).json()["state"] == "approved"
    heads = [first] + [api_login(client, f"co{n}", "company-pass") for n in (1, 2)]

    receipts = [bid(client, h, lot_id, p) for h, p in zip(heads, ["900000.00", "950000.00", "1000000.00"])]
    assert [r.status_code for r in receipts] == [201, 201, 201]
    receipt = receipts[0].json()
    assert receipt["sealed"] and receipt["price"] is None and receipt["contractor"] is None
    assert receipt["documents"][0]["sha256"] and receipt["receipt_url"] and receipt["envelope_sha256"]
    pdf = client.get(receipt["receipt_url"], headers=first)
    assert pdf.status_code == 200 and "投标文件递交回执" in pdf_text(pdf.content)
    text = pdf_text(pdf.content).replace("\n", "")
    assert receipt["documents"][0]["sha256"] in text and receipt["envelope_sha256"] in text
    assert "900000" not in text
    assert client.get(receipt["receipt_url"], headers=heads[1]).status_code == 404

    # Sealed: the officer sees nothing before the deadline.
    assert client.get(f"/api/v1/lots/{lot_id}/bids", headers=officer).status_code == 403
    assert [b["sealed"] for b in client.get(f"/api/v1/lots/{lot_id}/bids", headers=heads[1]).json()] == [True]
    assert api_open(client, draft["id"], officials).status_code == 409  # before the deadline

    clock.now = clock.now + timedelta(days=21, minutes=5)
    officer = as_role("officer")  # the morning's tokens have expired
    heads[0] = api_login(client, "co0", "company-pass")
    assert client.get(f"/api/v1/tenders/{draft['id']}").json()["state"] == "closed"
    late = bid(client, heads[0], lot_id, "800000.00")
    assert late.status_code == 409 and "截止" in late.json()["detail"]
    one = api_open(client, draft["id"], officials[:1])
    assert one.status_code == 200 and one.json() | {"opening": None} == {"presented": 1, "threshold": 2, "opened": False,
                                                                          "opening": None}
    assert client.get(f"/api/v1/tenders/{draft['id']}/opening").status_code == 404  # k − 1: nothing opens
    hall = client.get(f"/api/v1/tenders/{draft['id']}/hall").json()
    assert hall["presented"] == 1 and hall["threshold"] == 2 and hall["ready"] and not hall["opened"]
    answer = api_open(client, draft["id"], officials[1:])
    assert answer.status_code == 200 and answer.json()["opened"]
    opening = client.get(f"/api/v1/tenders/{draft['id']}/opening")
    assert opening.json()["sha256"] == answer.json()["opening"]["sha256"]
    prices = sorted(b["price"] for b in opening.json()["record"]["lots"][0]["bids"])
    assert prices == ["1000000.00", "900000.00", "950000.00"]
    assert len(client.get(f"/api/v1/lots/{lot_id}/bids", headers=officer).json()) == 3
    assert client.get(f"/api/v1/tenders/{draft['id']}").json()["state"] == "evaluating"


def test_bad_bids(client, as_role, site_ids, clock, session):
    officer = as_role("officer")
    draft = client.post("/api/v1/tenders", json=tender_payload(site_ids, clock() + timedelta(days=21)), headers=officer).json()
    client.post(f"/api/v1/tenders/{draft['id']}/publish", headers=officer)
    lot_id = draft["lots"][0]["id"]
    company = register(client, 7)
    client.post(f"/api/v1/contractors/{company['id']}/approve", headers=officer)
    me = api_login(client, "co7", "company-pass")
    # What the client checks before sealing (the server cannot check a ciphertext).
    for price in ("-5", "abc", "100.123"):
        with pytest.raises(InvalidInput):
            bid(client, me, lot_id, price)
    with pytest.raises(InvalidInput, match="bid.pdf"):
        bid(client, me, lot_id, "100.00", content=b"MZ\x90\x00" + b"\x00" * 64, name="bid.pdf")
    with pytest.raises(PayloadTooLarge):
        bid(client, me, lot_id, "100.00", content=b"%PDF-1.4\n" + b"0" * (60 * 1024 * 1024), name="big.pdf")
    # What the server refuses: anything not sealed, or sealed for something else.
    plain = client.post(f"/api/v1/lots/{lot_id}/bids", headers=me, data={"price": "100.00"},
                        files=[("documents", ("bid.pdf", PDF, "application/pdf"))])
    assert plain.status_code == 400 and plain.json()["errors"][0]["field"] == "envelope"
    garbled = client.post(f"/api/v1/lots/{lot_id}/bids", headers=me, data={"envelope": "{not json"},
                          files=[("documents", ("sealed-1.bin", b"x" * 40, "application/octet-stream"))])
    assert garbled.status_code == 400
    assert client.get("/api/v1/me/bids", headers=me).json() == []
    client.post(f"/api/v1/tenders/{draft['id']}/cancel", json={"reason": "规划调整"}, headers=officer)
    cancelled = bid(client, me, lot_id, "100.00")
    assert cancelled.status_code == 409


def test_registration_errors(client):
    body = {"username": "dup1", "password": "company-pass", "company_name": "杭州甲公司", "uscc": make_uscc(900)}
    assert client.post("/api/v1/contractors", json=body).status_code == 201
    again = client.post("/api/v1/contractors", json=body | {"username": "dup2"})
    assert again.status_code == 409
    wrong = client.post("/api/v1/contractors", json=body | {"username": "dup3", "uscc": "91330100799655058A"},
                        headers={"Accept-Language": "en"})
    assert wrong.status_code == 400 and "should be B" in wrong.json()["errors"][0]["message"]
    insisted = client.post("/api/v1/contractors", json=body | {"username": "dup3", "uscc": "91330100799655058A",
                                                               "uscc_confirm": True})
    assert insisted.status_code == 201 and insisted.json()["uscc_check_failed"] is True


def test_a_failed_check_digit_needs_the_officers_confirmation(client, as_role):
    body = {"username": "odd", "password": "company-pass", "company_name": "杭州乙公司",
            "uscc": "91330100799655058A", "uscc_confirm": True}
    company = client.post("/api/v1/contractors", json=body).json()
    officer = as_role("officer")
    assert client.post(f"/api/v1/contractors/{company['id']}/approve", headers=officer).status_code == 400
    approved = client.post(f"/api/v1/contractors/{company['id']}/approve", json={"confirm_uscc": True}, headers=officer)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"


def test_enquiries_are_public_and_anonymous(client, as_role, site_ids, clock):
    officer = as_role("officer")
    draft = client.post("/api/v1/tenders", json=tender_payload(site_ids, clock() + timedelta(days=21)), headers=officer).json()
    client.post(f"/api/v1/tenders/{draft['id']}/publish", headers=officer)
    company = register(client, 8)
    me = api_login(client, "co8", "company-pass")
    asked = client.post(f"/api/v1/tenders/{draft['id']}/enquiries", json={"question": "夜间作业是否计入？"}, headers=me)
    assert asked.status_code == 201
    assert client.get(f"/api/v1/tenders/{draft['id']}").json()["enquiries"] == []  # unanswered: not public yet
    clock.now = clock.now + timedelta(days=10)  # 11 days before the deadline: the answer moves it
    officer = as_role("officer")
    answered = client.post(f"/api/v1/enquiries/{asked.json()['id']}/answer", json={"answer": "计入。"}, headers=officer)
    assert answered.status_code == 200
    public = client.get(f"/api/v1/tenders/{draft['id']}").json()
    assert public["enquiries"][0]["answer"] == "计入。" and "contractor" not in str(public["enquiries"])
    assert company["company_name"] not in str(public)
    assert public["amendments"][0]["deadline_after"] > public["amendments"][0]["deadline_before"]

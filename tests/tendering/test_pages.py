"""The tender pages as officers, contractors and the public use them."""

import json
import re
from datetime import timedelta

import pytest

from tests.conftest import csrf_token
from tests.factories import ContractorFactory, JurisdictionFactory, SiteFactory, UserFactory
from procure.bidding import clients
from tests.tendering.world import PDF, seat_api_officials


@pytest.fixture()
def officials(session, clock):
    return seat_api_officials(session, clock)


@pytest.fixture()
def sites(session, officials):
    street = JurisdictionFactory(code="330110002", name="仓前街道")
    made = [SiteFactory(jurisdiction=street, kind="park", name=f"页面测试公园{i}") for i in range(3)]
    UserFactory(username="page-officer", role="officer")
    company = ContractorFactory(company_name="页面测试养护公司")
    UserFactory(username="page-bidder", role="contractor", contractor_id=company.id)
    session.commit()
    return made


def form(sites, clock, **overrides):
    deadline = (clock() + timedelta(days=30)).astimezone().strftime("%Y-%m-%dT%H:%M")
    data = {"title": "页面测试招标", "method": "comprehensive", "price_points": "30", "sme_deduction": "0.10",
            "abnormal_threshold": "0.20", "bid_deadline": deadline, "c1_code": "T1", "c1_name": "方案", "c1_points": "70",
            "l1_title": "一标段", "l1_ceiling_price": "500000", "l1_term_months": "12", "l1_bid_bond": "10000"}
    data |= {f"site_{s.id}": "1" for s in sites}
    return data | overrides


def test_officer_drafts_sees_the_checks_and_publishes(client, page_login, sites, clock):
    token = csrf_token(page_login(client, "page-officer"))
    page = client.get("/tenders/new")
    assert page.status_code == 200 and "页面测试公园0" in page.text
    bad = form(sites, clock, c1_points="60", l1_bid_bond="20000") | {"_csrf_token": token}
    created = client.post("/tenders/new", data=bad, follow_redirects=False)
    assert created.status_code in (302, 303)
    detail = client.get(created.headers["location"])
    assert "当前合计为 90" in detail.text
    assert "第三十三条" in detail.text  # the bond is over 2%
    refused = client.post(created.headers["location"] + "/publish", data={"_csrf_token": token})
    assert refused.status_code == 400
    fixed = client.post(created.headers["location"] + "/edit", data=form(sites, clock) | {"_csrf_token": token},
                        follow_redirects=False)
    assert fixed.status_code in (302, 303)
    published = client.post(created.headers["location"] + "/publish", data={"_csrf_token": token}, follow_redirects=True)
    assert published.status_code == 200 and "招标中" in published.text


def test_public_sees_published_tenders_not_drafts(client, page_login, sites, clock):
    token = csrf_token(page_login(client, "page-officer"))
    created = client.post("/tenders/new", data=form(sites, clock) | {"_csrf_token": token}, follow_redirects=False)
    tender_url = created.headers["location"]
    client.cookies.clear()
    assert client.get(tender_url).status_code == 404
    assert "页面测试招标" not in client.get("/tenders").text
    token = csrf_token(page_login(client, "page-officer"))
    client.post(tender_url + "/publish", data={"_csrf_token": token})
    client.cookies.clear()
    assert "页面测试招标" in client.get("/tenders").text
    assert client.get(tender_url + "/notice.pdf").content.startswith(b"%PDF")


def test_contractor_bids_on_the_page_and_bad_input_is_explained(client, page_login, sites, clock):
    token = csrf_token(page_login(client, "page-officer"))
    created = client.post("/tenders/new", data=form(sites, clock) | {"_csrf_token": token}, follow_redirects=False)
    tender_url = created.headers["location"]
    client.post(tender_url + "/publish", data={"_csrf_token": token})
    lot_id = re.search(r'id="lot-(\d+)"', client.get(tender_url).text).group(1)
    token = csrf_token(page_login(client, "page-bidder"))
    page = client.get(tender_url)
    assert "bid-form" in page.text and "/static/sealing/bid-form.js" in page.text
    data = json.loads(re.search(r'<script type="application/json" id="sealing-data">(.*?)</script>', page.text, re.S).group(1))
    assert data["threshold"] == 2 and len(data["holders"]) == 2 and data["contractor"]
    # Without the page's script nothing is sealed, and the server takes no plaintext bid.
    bad = client.post(f"{tender_url}/lots/{lot_id}/bid", data={"price": "456789.00", "bond_form": "guarantee",
                                                               "_csrf_token": token},
                      files=[("documents", ("a.pdf", PDF, "application/pdf"))])
    assert bad.status_code == 400 and "JavaScript" in bad.text
    # What the script sends: the envelope and the ciphertexts, sealed to the holders the page lists.
    sealed = clients.seal_to(data | {"lot": int(lot_id)}, price="456789.00", bond_reference="BH-9",
                             documents=[clients.plain_document("技术标.pdf", PDF)])
    good = client.post(f"{tender_url}/lots/{lot_id}/bid", data={"envelope": sealed.envelope_text, "_csrf_token": token},
                       files=[("documents", ("sealed-1.bin", sealed.documents[0], "application/octet-stream"))],
                       follow_redirects=True)
    assert good.status_code == 200 and "密封投标" in good.text and "456789" not in good.text
    mine = client.get("/my/bids").text
    assert "密封" in mine and "456789" not in mine


def test_registration_page(client):
    token = csrf_token(client, "/register")
    bad = client.post("/register", data={"company_name": "新公司", "uscc": "91330100799655058A", "username": "newco",
                                         "password": "company-pass", "_csrf_token": token})
    assert bad.status_code == 400 and "校验" in bad.text and 'name="uscc_confirm"' in bad.text
    good = client.post("/register", data={"company_name": "新公司", "uscc": "91330100799655058B", "username": "newco",
                                          "password": "company-pass", "_csrf_token": token}, follow_redirects=False)
    assert good.status_code in (302, 303)


def test_the_officials_open_the_bids_in_the_opening_hall(client, page_login, sites, clock, session, officials):
    from procure.tendering import services as tenders

    token = csrf_token(page_login(client, "page-officer"))
    tender_url = client.post("/tenders/new", data=form(sites, clock) | {"_csrf_token": token},
                             follow_redirects=False).headers["location"]
    client.post(tender_url + "/publish", data={"_csrf_token": token})
    hall_url = tender_url + "/hall"
    client.cookies.clear()
    public = client.get(hall_url)  # anyone may watch
    assert public.status_code == 200 and "开标人0" in public.text and 'id="present-form"' not in public.text

    def present(username, private):  # type: ignore[no-untyped-def]
        token = csrf_token(page_login(client, username))
        listing = client.get(hall_url + "/my-shares")
        if listing.status_code != 200:
            return listing
        shares = clients.decrypt_shares(private, listing.json())  # what the hall's script does in the browser
        return client.post(hall_url + "/shares", data={"shares": json.dumps(shares), "_csrf_token": token},
                           follow_redirects=False)

    early = present(*officials[0])
    assert early.status_code == 409 and "截止" in early.text
    clock.advance(days=31)
    tenders.tick(session, clock)  # what the worker does: the deadline passed, the lot is settled
    page_login(client, officials[0][0])
    assert 'id="present-form"' in client.get(hall_url).text
    first = present(*officials[0])
    assert first.status_code in (302, 303) and first.headers["location"] == hall_url
    waiting = client.get(hall_url).text
    assert "1 / 2" in waiting or "2 人中已有 1 人" in waiting or "presented" in waiting
    assert client.get(tender_url + "/opening").status_code == 404  # one of two opens nothing
    again = present(*officials[0])
    assert again.status_code == 409, (again.status_code, again.headers, again.text[:3000])
    present(*officials[1])
    page = client.get(tender_url).text
    assert f'href="{tender_url}/opening"' in page
    # One bid is fewer than three (政府采购法 第36条): the record says the lot failed and opens nothing.
    assert "流标" in client.get(tender_url + "/opening").text

"""The whole path over HTTP: tender → bids → opening → evaluation → award → signed contract."""

import io
from datetime import timedelta

import pypdf

from procure.bidding import clients, sealing
from tests.conftest import api_login
from tests.factories import ContractorFactory, JurisdictionFactory, SiteFactory, UserFactory
from tests.tendering.world import PDF, tender_payload


def test_tender_to_signed_contract(client, session, clock):
    street = JurisdictionFactory(code="330110002", name="仓前街道")
    sites = [SiteFactory(jurisdiction=street, kind="park") for _ in range(2)]
    UserFactory(username="off", role="officer")
    for i in range(5):
        UserFactory(username=f"exp{i}", role="evaluator")
    companies = [ContractorFactory(company_name=f"路径{i}公司", sme=False) for i in range(3)]
    for i, c in enumerate(companies):
        UserFactory(username=f"bidder{i}", role="contractor", contractor_id=c.id)
    session.commit()
    UserFactory(username="witness", role="finance")
    session.commit()
    officer = api_login(client, "off")
    # Two opening officials make keys on their own machines and register the public halves.
    keys = {}
    for name in ("off", "witness"):
        private = sealing.new_opening_key()
        registered = client.post("/api/v1/me/opening-key", headers=api_login(client, name),
                                 json={"public_key": sealing.b64(sealing.public_point(private.public_key()))})
        assert registered.status_code == 200, registered.text
        keys[name] = private
    payload = tender_payload([s.id for s in sites], clock() + timedelta(days=21), sme_deduction=None)
    payload["lots"][0]["ceiling_price"] = "2000000.00"
    tender = client.post("/api/v1/tenders", json=payload, headers=officer).json()
    published = client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=officer, json={"opening_threshold": 2})
    assert published.status_code == 200, published.text
    lot_id = tender["lots"][0]["id"]
    bidders = [api_login(client, f"bidder{i}") for i in range(3)]
    for headers, price in zip(bidders, ["1000000.00", "1100000.00", "1250000.00"]):
        target = client.get(f"/api/v1/lots/{lot_id}/sealing", headers=headers).json()
        assert target["threshold"] == 2 and len(target["holders"]) == 2
        sealed = clients.seal_to(target, price=price, bond_reference="B",
                                 documents=[sealing.PlainDocument("bid.pdf", "application/pdf", PDF)])
        r = client.post(f"/api/v1/lots/{lot_id}/bids", headers=headers, data={"envelope": sealed.envelope_text},
                        files=[("documents", ("sealed-1.bin", sealed.documents[0], "application/octet-stream"))])
        assert r.status_code == 201, r.text
        assert r.json()["sealed"] is True and r.json()["price"] is None

    clock.advance(days=21, minutes=5)
    officer = api_login(client, "off")
    for name in ("off", "witness"):
        headers = api_login(client, name)
        listing = client.get(f"/api/v1/tenders/{tender['id']}/opening/shares", headers=headers).json()
        shares = clients.decrypt_shares(keys[name], listing)
        presented = client.post(f"/api/v1/tenders/{tender['id']}/opening", headers=headers, json={"shares": shares})
        assert presented.status_code == 200, presented.text
    assert presented.json()["opened"] is True

    experts = [(u, api_login(client, u)) for u in (f"exp{i}" for i in range(5))]
    ids = [m["user_id"] for m in client.post(f"/api/v1/lots/{lot_id}/committee", json={"draw": 5, "seed": 11},
                                             headers=officer).json()["members"]]
    assert len(ids) == 5
    bad = client.post(f"/api/v1/lots/{lot_id}/committee", json={"draw": 4}, headers=officer)
    assert bad.status_code == 400
    bids = client.get(f"/api/v1/lots/{lot_id}/bids", headers=officer).json()
    first = experts[0][1]
    assert client.post(f"/api/v1/lots/{lot_id}/compliance", json={"bid_id": bids[0]["id"], "compliant": True},
                       headers=first).status_code == 403  # no declaration yet
    for _, headers in experts:
        assert client.post(f"/api/v1/lots/{lot_id}/declaration", json={"no_conflict": True}, headers=headers).status_code == 200
    for _, headers in experts:  # each member gives their own view (87号令 第61条)
        for bid in bids:
            assert client.post(f"/api/v1/lots/{lot_id}/compliance", json={"bid_id": bid["id"], "compliant": True},
                               headers=headers).status_code == 200
    over = client.post(f"/api/v1/lots/{lot_id}/scores", json={"bid_id": bids[0]["id"], "points": {"T1": "41"}},
                       headers=first)
    assert over.status_code == 400
    for _, headers in experts:
        for bid in bids:
            r = client.post(f"/api/v1/lots/{lot_id}/scores", json={"bid_id": bid["id"], "points": {"T1": "30", "T2": "20"}},
                            headers=headers)
            assert r.status_code == 200, r.text
        assert client.post(f"/api/v1/lots/{lot_id}/sheet", headers=headers).status_code == 200
    finalized = client.post(f"/api/v1/lots/{lot_id}/evaluation/finalize", json={"seed": 5}, headers=officer)
    assert finalized.status_code == 200, finalized.text
    results = {r["price"]: r for r in finalized.json()["results"]}
    assert results["1000000.00"]["price_score"] == "30.00" and results["1100000.00"]["price_score"] == "27.27"
    assert results["1250000.00"]["price_score"] == "24.00" and results["1000000.00"]["rank"] == 1
    assert client.get(f"/api/v1/lots/{lot_id}/evaluation", headers=officer).json()["finalized"] is True
    report = client.get(f"/api/v1/lots/{lot_id}/evaluation/report.pdf", headers=officer)
    assert report.status_code == 200 and report.content.startswith(b"%PDF")

    award = client.post(f"/api/v1/lots/{lot_id}/award", headers=officer).json()
    assert award["rank"] == 1 and award["state"] == "publicity"
    assert client.post(f"/api/v1/awards/{award['id']}/notice", headers=officer).status_code == 409
    objection = client.post(f"/api/v1/awards/{award['id']}/objections", json={"text": "评分有误"},
                            headers=api_login(client, "bidder2"))
    assert objection.status_code == 201
    clock.advance(days=3, minutes=1)
    officer = api_login(client, "off")
    assert client.post(f"/api/v1/awards/{award['id']}/notice", headers=officer).status_code == 409  # unanswered
    client.post(f"/api/v1/objections/{objection.json()['id']}/answer", json={"answer": "复核无误"}, headers=officer)
    notice = client.post(f"/api/v1/awards/{award['id']}/notice", headers=officer)
    assert notice.status_code == 200 and notice.json()["state"] == "notified"
    notice_pdf = client.get(f"/api/v1/awards/{award['id']}/notice.pdf").content
    assert notice_pdf.startswith(b"%PDF")
    notice_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(notice_pdf)).pages)
    assert "大写：人民币" in notice_text and "元整" in notice_text
    loser = api_login(client, "bidder2")
    assert client.get(f"/api/v1/lots/{lot_id}/my-result", headers=loser).json()["rank"] == 3

    winner = api_login(client, "bidder0")
    contract = client.get("/api/v1/contracts", headers=winner).json()["items"][0]
    assert contract["amount"] == "1000000.00" and contract["monthly_fee"] == "83333.33"
    assert client.get("/api/v1/contracts", headers=api_login(client, "bidder1")).json()["total"] == 0
    assert client.patch(f"/api/v1/contracts/{contract['id']}", json={"performance_bond": "200000"},
                        headers=officer).status_code == 400
    assert client.patch(f"/api/v1/contracts/{contract['id']}", json={"performance_bond": "80000"},
                        headers=officer).json()["performance_bond"] == "80000.00"
    assert client.post(f"/api/v1/contracts/{contract['id']}/sign", headers=winner).status_code == 200
    assert client.post(f"/api/v1/contracts/{contract['id']}/sign", headers=winner).status_code == 409
    signed = client.post(f"/api/v1/contracts/{contract['id']}/sign", headers=officer).json()
    assert signed["state"] == "signed"
    assert client.patch(f"/api/v1/contracts/{contract['id']}", json={"months": 6}, headers=officer).status_code == 409
    pdf = client.get(f"/api/v1/contracts/{contract['id']}/contract.pdf", headers=winner)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    contract_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "（大写：人民币壹佰万元整）" in contract_text
    early = client.post(f"/api/v1/contracts/{contract['id']}/variations", headers=officer, json={
        "kind": "remove_site", "site_id": sites[0].id, "effective_date": "2020-01-01", "monthly_fee_delta": "-100",
        "reason": "x"})
    assert early.status_code == 400

"""Inspection, cases and Open311 over HTTP."""


import pytest

from procure.cases import services as cases
from tests.conftest import api_login
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path, settings):
    return build(session, clock, settings.storage_dir.parent)


def login(client, user):
    return api_login(client, user.username)


def test_template_inspection_scores(client, field, session, clock):
    inspector = login(client, field.inspector)
    template = client.get("/api/v1/inspection-templates?kind=road", headers=inspector).json()
    assert [c["code"] for c in template["categories"]] == ["clean", "green", "order", "light"]
    item = next(i for i in template["items"] if i["rectification_hours"])
    created = client.post("/api/v1/inspections", headers=inspector, json={
        "site_id": field.sites[0].id, "findings": [{"item_code": item["code"], "count": 2, "note": "北侧"}]})
    assert created.status_code == 201, created.text
    body = created.json()
    from decimal import Decimal

    expected = Decimal(100) - min(2 * Decimal(item["deduction"]), Decimal(item["cap"]))
    assert body["id"] and body["score"] == str(expected.quantize(Decimal("0.01")))
    assert len(body["cases"]) == 1
    if item["photo_required"]:
        assert body["missing_photos"] == [item["code"]]
    month = created.json()["month"]
    scores = client.get(f"/api/v1/contracts/{field.contract.id}/scores?month={month}", headers=inspector).json()
    assert scores["contract_score"] == body["score"] and scores["sites"][0]["inspections"] == [body["id"]]
    assert client.get(f"/api/v1/contracts/{field.contract.id}/scores?month=2026-13", headers=inspector).status_code == 400
    own = login(client, field.contractor)
    assert client.get(f"/api/v1/contracts/{field.contract.id}/scores?month={month}", headers=own).status_code == 200


def test_bad_inspections(client, field):
    inspector = login(client, field.inspector)
    neg = client.post("/api/v1/inspections", headers=inspector,
                      json={"site_id": field.sites[0].id, "findings": [{"item_code": "RD-C01", "count": -1}]})
    assert neg.status_code == 400
    alien = client.post("/api/v1/inspections", headers=inspector,
                        json={"site_id": field.sites[0].id, "findings": [{"item_code": "PK-G01", "count": 1}]})
    assert alien.status_code == 400 and "PK-G01" in alien.json()["detail"]
    future = client.post("/api/v1/inspections", headers=inspector,
                         json={"site_id": field.sites[0].id, "inspected_at": "2099-01-01T00:00:00+08:00"})
    assert future.status_code == 400
    assert client.post("/api/v1/inspections", headers=login(client, field.contractor),
                       json={"site_id": field.sites[0].id}).status_code == 403


def test_cases_over_http(client, field, session, clock):
    inspector = login(client, field.inspector)
    template = client.get("/api/v1/inspection-templates?kind=road", headers=inspector).json()
    item = next(i for i in template["items"] if i["rectification_hours"])
    case_id = client.post("/api/v1/inspections", headers=inspector, json={
        "site_id": field.sites[0].id, "findings": [{"item_code": item["code"], "count": 1}]}).json()["cases"][0]
    contractor = login(client, field.contractor)
    listed = client.get("/api/v1/cases", headers=contractor).json()
    assert listed["items"][0]["id"] == case_id and listed["items"][0]["timer"] == "green"
    assert client.post(f"/api/v1/cases/{case_id}/respond", json={"note": "已修复"}, headers=contractor).status_code == 200
    assert client.post(f"/api/v1/cases/{case_id}/respond", json={"note": "again"}, headers=contractor).status_code == 409
    assert client.post(f"/api/v1/cases/{case_id}/close", headers=contractor).status_code == 403
    closed = client.post(f"/api/v1/cases/{case_id}/close", json={"note": "合格"}, headers=inspector)
    assert closed.json()["state"] == "closed" and closed.json()["overdue"] is False
    month = listed["items"][0]["deadline"][:7]
    rates = client.get(f"/api/v1/cases/rates?month={month}", headers=login(client, field.officer)).json()
    assert rates["contracts"][0]["closure_rate"] == "100.00"


def test_open311_round_trip(client, field, session, clock):
    cases.create_api_key(session, clock, "portal", "demo-key")
    services_list = client.get("/open311/v2/services.json").json()
    assert {"litter", "street_light"} <= {s["service_code"] for s in services_list}
    site = field.sites[1]
    created = client.post("/open311/v2/requests.json", data={
        "api_key": "demo-key", "service_code": "litter", "lat": str(site.lat), "long": str(site.lon),
        "description": "人行道上有垃圾", "media_url": "https://example.org/p.jpg"})
    assert created.status_code == 201, created.text
    request_id = created.json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{request_id}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == "litter" and one["lat"] == float(site.lat)
    assert request_id in [r["service_request_id"] for r in client.get("/open311/v2/requests.json?status=open").json()]
    missing_key = client.post("/open311/v2/requests.json", data={"service_code": "litter", "description": "x",
                                                                 "address_string": "文一西路"})
    assert missing_key.status_code == 400 and missing_key.json()[0]["code"] == 400
    no_place = client.post("/open311/v2/requests.json", data={"api_key": "demo-key", "service_code": "litter",
                                                              "description": "x"})
    assert no_place.status_code == 400 and "location" in no_place.json()[0]["description"]
    assert client.post("/open311/v2/requests.json", data={"api_key": "bad", "service_code": "litter",
                                                          "description": "x", "address_string": "a"}).status_code == 403
    assert client.get("/open311/v2/requests/99999.json").status_code == 404
    too_long = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
    assert too_long.status_code == 400
    # An inspector verifies it: a case opens; fixing and closing it closes the request.
    inspector = field.inspector
    cases.verify_report(session, clock, inspector, int(request_id), accept=True, note="")
    case = client.get("/api/v1/cases", headers=login(client, field.contractor)).json()["items"][0]
    client.post(f"/api/v1/cases/{case['id']}/respond", json={"note": "已清理"}, headers=login(client, field.contractor))
    client.post(f"/api/v1/cases/{case['id']}/close", json={}, headers=login(client, field.inspector))
    assert client.get(f"/open311/v2/requests/{request_id}.json").json()[0]["status"] == "closed"

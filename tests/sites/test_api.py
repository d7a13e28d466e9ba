from decimal import Decimal

import pytest

from tests.factories import JurisdictionFactory, SiteFactory, UnitRateFactory


@pytest.fixture()
def street(session):
    j = JurisdictionFactory(code="330110002", name="仓前街道")
    session.commit()
    return j


def test_create_get_patch_a_site(client, as_role, street):
    officer = as_role("officer")
    created = client.post("/api/v1/sites", headers=officer, json={
        "code": "API-1", "name": "良睦路", "kind": "road", "grade": 1, "jurisdiction_code": "330110002",
        "length_m": "1500", "width_m": 32, "handover_date": "2026-06-30"})
    assert created.status_code == 201, created.text
    site = created.json()
    assert site["id"] and site["area_m2"] == "48000.00" and site["jurisdiction_name"] == "仓前街道"
    got = client.get(f"/api/v1/sites/{site['id']}", headers=officer).json()
    assert got["code"] == "API-1"
    patched = client.patch(f"/api/v1/sites/{site['id']}", headers=officer, json={"width_m": "40"})
    assert patched.status_code == 200 and patched.json()["area_m2"] == "60000.00"


@pytest.mark.parametrize(("payload", "field"), [
    ({"jurisdiction_code": "000000"}, "jurisdiction_code"),
    ({"area_m2": "0"}, "area_m2"),
    ({"area_m2": -10}, "area_m2"),
    ({"kind": "forest"}, "kind"),
    ({"grade": "5"}, "grade"),
])
def test_bad_sites_are_400_with_the_field_named(client, as_role, street, payload, field):
    officer = as_role("officer")
    body = {"code": "BAD-1", "name": "x", "kind": "park", "grade": 1, "jurisdiction_code": "330110002",
            "area_m2": "100"} | payload
    response = client.post("/api/v1/sites", headers=officer, json=body)
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}
    assert client.get("/api/v1/sites?q=BAD-1", headers=officer).json()["total"] == 0


def test_duplicate_code_is_409(client, as_role, street, session):
    SiteFactory(code="TAKEN", jurisdiction=street)
    session.commit()
    body = {"code": "TAKEN", "name": "x", "kind": "park", "grade": 1, "jurisdiction_code": "330110002", "area_m2": "1"}
    response = client.post("/api/v1/sites", headers=as_role("officer"), json=body)
    assert response.status_code == 409 and "TAKEN" in response.json()["detail"]


def test_unknown_fields_are_refused(client, as_role, street):
    body = {"code": "U-1", "name": "x", "kind": "park", "grade": 1, "jurisdiction_code": "330110002",
            "area_m2": "1", "colour": "green"}
    assert client.post("/api/v1/sites", headers=as_role("officer"), json=body).status_code == 400


def test_missing_site_is_404_json(client, as_role):
    response = client.get("/api/v1/sites/999999", headers=as_role("officer"))
    assert response.status_code == 404 and response.json()["detail"]


def test_list_filters_and_pages(client, as_role, street, session):
    other = JurisdictionFactory(code="330110003")
    for i in range(12):
        SiteFactory(jurisdiction=street if i < 8 else other, kind="park" if i < 3 else "green_space")
    session.commit()
    officer = as_role("officer")
    body = client.get("/api/v1/sites?jurisdiction=330110002&per_page=5&page=2", headers=officer).json()
    assert body["total"] == 8 and len(body["items"]) == 3 and body["page"] == 2
    assert client.get("/api/v1/sites?kind=park", headers=officer).json()["total"] == 3
    assert client.get("/api/v1/sites?jurisdiction=nowhere", headers=officer).status_code == 404
    assert client.get("/api/v1/sites?grade=7", headers=officer).status_code == 400
    assert client.get("/api/v1/sites?handed_over=maybe", headers=officer).status_code == 400


def test_inspector_reads_but_cannot_write(client, as_role, street):
    inspector = as_role("inspector")
    assert client.get("/api/v1/sites", headers=inspector).status_code == 200
    assert client.post("/api/v1/sites", headers=inspector, json={}).status_code == 403


def test_budget_estimate(client, as_role, street, session):
    UnitRateFactory(kind="park", grade=1, yuan_per_m2_year=Decimal("22.00"))
    SiteFactory(jurisdiction=street, kind="park", grade=1, area_m2=Decimal("1234.56"))
    session.commit()
    body = client.get("/api/v1/sites/budget?jurisdiction=330110002", headers=as_role("finance")).json()
    assert body["total"] == "27160.32" and body["sites"] == 1  # 1234.56 × 22.00


def test_import_csv_through_the_api(client, as_role, street):
    officer = as_role("officer")
    content = "code,name,kind,grade,jurisdiction_code,area_m2\nAPI-I1,仓前公园,park,1,330110002,5000\n".encode("gbk")
    response = client.post("/api/v1/sites/import", headers=officer, files={"file": ("sites.csv", content, "text/csv")})
    assert response.status_code == 201, response.text
    assert response.json() == {"created": 1, "codes": ["API-I1"]}


def test_import_errors_are_listed_per_row_and_column(client, as_role, street):
    officer = as_role("officer")
    content = b"code,name,kind,grade,jurisdiction_code,area_m2\nE-1,x,park,1,330110002,-1\nE-2,y,park,1,1,1\n"
    response = client.post("/api/v1/sites/import", headers=officer | {"Accept-Language": "en"},
                           files={"file": ("sites.csv", content, "text/csv")})
    assert response.status_code == 400
    body = response.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "area_m2"), (3, "jurisdiction_code")]
    assert "nothing was imported" in body["detail"]


def test_import_without_a_file_is_400(client, as_role):
    response = client.post("/api/v1/sites/import", headers=as_role("officer"), data={"x": "y"},
                           files={"other": ("a.txt", b"x", "text/plain")})
    assert response.status_code == 400


def test_an_oversized_upload_is_413_before_it_is_read(client, as_role):
    big = b"a" * (21 * 1024 * 1024)
    response = client.post("/api/v1/sites/import", headers=as_role("officer"),
                           files={"file": ("huge.csv", big, "text/csv")})
    assert response.status_code == 413
    assert response.json()["detail"]


def test_jurisdictions_list(client, as_role, street):
    body = client.get("/api/v1/jurisdictions", headers=as_role("inspector")).json()
    assert any(j["code"] == "330110002" and j["name"] == "仓前街道" for j in body)


def test_admin_sets_unit_rates(client, as_role):
    admin = as_role("admin")
    response = client.put("/api/v1/unit-rates", headers=admin, json={"kind": "park", "grade": 1, "yuan_per_m2_year": "23.5"})
    assert response.status_code == 200 and response.json()["yuan_per_m2_year"] == "23.50"
    assert client.put("/api/v1/unit-rates", headers=as_role("officer"),
                      json={"kind": "park", "grade": 1, "yuan_per_m2_year": "1"}).status_code == 403
    assert client.put("/api/v1/unit-rates", headers=admin,
                      json={"kind": "park", "grade": 1, "yuan_per_m2_year": "-1"}).status_code == 400


def test_typed_site_input_names_the_field(client, as_role, street):
    """SiteIn/SiteChangesIn: a measure is a number, the handover a date; the PATCH takes only the
    site's fields, and null clears (a park without an area is refused by the one site rule)."""
    officer = as_role("officer")
    body = {"code": "T-1", "name": "x", "kind": "park", "grade": 1, "jurisdiction_code": "330110002", "area_m2": "100"}
    for bad, field in (({"area_m2": "一百"}, "area_m2"), ({"handover_date": "2026-13-01"}, "handover_date"),
                       ({"lat": [30]}, "lat")):
        response = client.post("/api/v1/sites", headers=officer, json=body | bad)
        assert response.status_code == 400 and [e["field"] for e in response.json()["errors"]] == [field], response.text
    site = client.post("/api/v1/sites", headers=officer, json=body | {"area_m2": 100.5}).json()
    assert site["area_m2"] == "100.50"
    for bad, field in (({"colour": "green"}, "colour"), ({"area_m2": None}, "area_m2"), ({"width_m": "宽"}, "width_m")):
        response = client.patch(f"/api/v1/sites/{site['id']}", headers=officer, json=bad)
        assert response.status_code == 400 and field in [e["field"] for e in response.json()["errors"]], response.text
    moved = client.patch(f"/api/v1/sites/{site['id']}", headers=officer, json={"handover_date": "2026-07-01"})
    assert moved.status_code == 200 and moved.json()["handover_date"] == "2026-07-01"

"""Months, inspection dates and templates as typed: a clear 400, never a 500 (issue 11 §3)."""

import io
from datetime import datetime

import pytest
from PIL import Image

from procure.kernel.clock import BUREAU_TZ
from procure.kernel.errors import InvalidInput
from procure.inspection import services
from procure.inspection.models import InspectionTemplate
from tests.conftest import api_login, csrf_token
from tests.inspection.world import build

YEARS = {"field": "month", "message": "The year must be between {low} and {high}.", "params": {"low": 2000, "high": 2100}}


@pytest.fixture()
def field(session, clock, tmp_path, settings):
    return build(session, clock, settings.storage_dir.parent)


@pytest.mark.parametrize("month", [
    "2026-13", "2026-00", "2026-1", "26-11", "2026-1_1", "+2026-1", " 2026-11", "2026-11 ", "2026-11\n", "2026-11\r\n",
    "02026-11", "0002026-11", "2026/11", "２０２６-１１", "٢٠٢٦-١١", "2026-11-01", "", "abcd-ef",
])
def test_a_month_is_exactly_yyyy_mm(month):
    with pytest.raises(InvalidInput) as info:
        services.month_bounds(month)
    assert info.value.message == "A month is written YYYY-MM, e.g. 2026-11."
    assert info.value.errors == [{"field": "month", "message": "A month is written YYYY-MM, e.g. 2026-11."}]


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "0000-01", "1999-12", "2101-01"])
def test_a_month_lies_in_2000_to_2100(month):
    with pytest.raises(InvalidInput) as info:
        services.month_bounds(month)
    assert info.value.errors == [YEARS]


def test_the_boundary_months():
    assert services.month_bounds("2000-01") == (datetime(2000, 1, 1).date(), datetime(2000, 1, 31).date())
    assert services.month_bounds("2100-12") == (datetime(2100, 12, 1).date(), datetime(2100, 12, 31).date())
    assert services.month_bounds("2028-02")[1].day == 29


def test_sampling_plans_refuse_bad_months_with_400(client, field):
    inspector = api_login(client, field.inspector.username)
    for month in ("9999-12", "0001-01", "2026-11\n", "2026-1_1", "+2026-11"):
        assert client.get("/api/v1/sampling-plans", params={"month": month}, headers=inspector).status_code == 400
        drawn = client.post("/api/v1/sampling-plans", json={"contract_id": field.contract.id, "month": month},
                            headers=inspector)
        assert drawn.status_code == 400, (month, drawn.text)
    drawn = client.post("/api/v1/sampling-plans", json={"contract_id": field.contract.id, "month": "2026-11"},
                        headers=inspector)
    assert drawn.status_code == 201 and drawn.json()["month"] == "2026-11"


@pytest.mark.parametrize("moment", [datetime(1, 1, 1, tzinfo=BUREAU_TZ), datetime(1, 1, 1),
                                    datetime(1999, 12, 31, 23, 59, tzinfo=BUREAU_TZ)])
def test_an_inspection_before_2000_is_refused(field, session, clock, moment):
    with pytest.raises(InvalidInput) as info:
        services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                        inspected_at=moment, findings=[])
    assert [e["field"] for e in info.value.errors] == ["inspected_at"]


def test_inspection_dates_over_the_api(client, field):
    inspector = api_login(client, field.inspector.username)
    for moment in ("0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00", "1999-12-31T23:59:59+08:00"):
        response = client.post("/api/v1/inspections", headers=inspector,
                               json={"site_id": field.sites[0].id, "inspected_at": moment})
        assert response.status_code == 400, (moment, response.text)
    future = client.post("/api/v1/inspections", headers=inspector,
                         json={"site_id": field.sites[0].id, "inspected_at": "9999-12-31T23:59:59-12:00"})
    assert future.status_code == 400
    oldest = client.post("/api/v1/inspections", headers=inspector,
                         json={"site_id": field.sites[0].id, "inspected_at": "2000-01-01T00:00:00+08:00"})
    assert oldest.status_code == 201, oldest.text
    assert oldest.json()["month"] == "2000-01"


def template(session, **item_overrides):  # type: ignore[no-untyped-def]
    current = services.current_template(session, "road")
    items = [{"code": i.code, "category": i.category, "standard": i.standard, "deduction": str(i.deduction),
              "cap": str(i.cap), "photo_required": i.photo_required, "rectification_hours": i.rectification_hours}
             for i in current.items]
    items[0] = {k: v for k, v in (items[0] | item_overrides).items() if v is not ...}
    return {"kind": "road", "name": "新版", "categories": current.categories, "items": items}


@pytest.mark.parametrize(("overrides", "where"), [
    ({"standard": ...}, "items[1].standard"), ({"code": ...}, "items[1].code"), ({"category": ...}, "items[1].category"),
    ({"deduction": ...}, "items[1].deduction"), ({"cap": ...}, "items[1].cap"),
    ({"deduction": "NaN"}, "items[1].deduction"), ({"cap": "sNaN"}, "items[1].cap"),
    ({"deduction": "0.001"}, "items[1].deduction"), ({"cap": "1e30"}, "items[1].cap"),
    ({"deduction": "1000"}, "items[1].deduction"), ({"deduction": [1]}, "items[1].deduction"),
    ({"rectification_hours": "abc"}, "items[1].rectification_hours"),
    ({"rectification_hours": 2**31}, "items[1].rectification_hours"),
    ({"rectification_hours": 721}, "items[1].rectification_hours"),
    ({"rectification_hours": -1}, "items[1].rectification_hours"),
    ({"rectification_hours": 1.5}, "items[1].rectification_hours"),
    ({"code": "X" * 17}, "items[1].code"), ({"code": 5}, "items[1].code"), ({"category": "c" * 9}, "items[1].category"),
])
def test_template_items_are_checked_field_by_field(field, session, clock, overrides, where):
    with pytest.raises(InvalidInput) as info:
        services.save_template(session, clock, field.officer.actor, template(session, **overrides))
    assert [e["field"] for e in info.value.errors] == [where]


@pytest.mark.parametrize(("data", "where"), [
    ({"name": "名" * 129}, "name"), ({"items": 5}, "items"), ({"items": ["x"]}, "items[1]"),
    ({"categories": "clean"}, "categories"), ({"categories": [{"code": "clean", "max_points": "NaN"}]},
                                              "categories[1].max_points"),
])
def test_template_shape(field, session, clock, data, where):
    with pytest.raises(InvalidInput) as info:
        services.save_template(session, clock, field.officer.actor, template(session) | data)
    assert where in [e["field"] for e in info.value.errors]


def test_the_boundary_template_is_saved(field, session, clock):
    data = template(session, code="X" * 16, rectification_hours=720, deduction="999.99", cap="999.99") | {
        "name": "名" * 128}
    saved = services.save_template(session, clock, field.officer.actor, data)
    session.expire_all()
    item = session.get(InspectionTemplate, saved.id).items[0]
    assert (item.code, item.rectification_hours, str(item.deduction)) == ("X" * 16, 720, "999.99")
    again = services.save_template(session, clock, field.officer.actor, template(session, rectification_hours=0))
    assert again.items[0].rectification_hours == 0 and again.version == saved.version + 1


def test_template_put_answers_400(client, as_role, field, session):
    admin = as_role("admin")
    for overrides in ({"standard": ...}, {"deduction": "NaN"}, {"deduction": "0.001"}, {"rectification_hours": "abc"},
                      {"rectification_hours": 2**31}, {"code": "X" * 17}):
        response = client.put("/api/v1/inspection-templates", json=template(session, **overrides), headers=admin)
        assert response.status_code == 400, (overrides, response.text)
        assert response.json()["errors"][0]["field"].startswith("items[1].")
    response = client.put("/api/v1/inspection-templates", json=template(session) | {"name": "x" * 129}, headers=admin)
    assert response.status_code == 400
    ok = client.put("/api/v1/inspection-templates", json=template(session, rectification_hours=720), headers=admin)
    assert ok.status_code in (200, 201), ok.text


def test_the_inspection_form_takes_the_apis_struct(client, page_login, field, session):
    """The page's counts go through InspectionIn: a bad count shows the form again, naming the row
    and keeping what was typed; a good form records the inspection."""
    page = page_login(client, field.inspector.username)
    token = csrf_token(page)
    site = field.sites[0].id
    refused = page.post(f"/inspect/site/{site}", follow_redirects=False, data={
        "_csrf_token": token, "count_RD-C01": "1", "count_RD-C02": "-1", "note": "雨后巡查"})
    assert refused.status_code == 400 and "次数（第2行）" in refused.text, refused.text[:3000]  # field_label of findings[2].count
    assert "雨后巡查" in refused.text  # what was typed stays
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(photo, "JPEG")
    done = page.post(f"/inspect/site/{site}", follow_redirects=False, data={
        "_csrf_token": token, "count_RD-C01": "1", "count_RD-C02": "", "note": "雨后巡查"},
        files=[("photo_RD-C01", ("rd.jpg", photo.getvalue(), "image/jpeg"))])
    assert done.status_code in (302, 303), done.text[:3000]
    inspection = services.get(session, int(done.headers["location"].split("/")[2].split("?")[0]))
    assert [(f.item_code, f.count) for f in inspection.findings if f.count] == [("RD-C01", 1)]

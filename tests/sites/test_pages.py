"""The registry pages as an officer uses them (server-rendered forms with CSRF)."""

import pytest

from tests.conftest import csrf_token
from tests.factories import JurisdictionFactory, SiteFactory, UnitRateFactory, UserFactory


@pytest.fixture()
def officer(client, session, page_login):
    """The CSRF token of an officer logged in on the pages."""
    JurisdictionFactory(code="330110002", name="仓前街道")
    UserFactory(username="page-officer", role="officer")
    session.commit()
    return csrf_token(page_login(client, "page-officer"))


def test_list_shows_filters_budget_and_pages(client, session, officer):
    j = JurisdictionFactory(code="330110003", name="五常街道")
    UnitRateFactory(kind="park", grade=1)
    for i in range(30):
        SiteFactory(jurisdiction=j, kind="park", grade=1, name=f"五常公园{i:02d}")
    session.commit()
    first = client.get("/sites?jurisdiction=330110003")
    assert first.status_code == 200
    assert "共 30 处" in first.text and "第 1 页，共 2 页" in first.text
    assert "所选养护对象年度养护经费测算" in first.text
    second = client.get("/sites?jurisdiction=330110003&page=2")
    assert second.text.count("五常公园") == 5


def test_a_bad_filter_shows_a_message_not_an_error(client, officer):
    response = client.get("/sites?grade=9")
    assert response.status_code == 200
    assert "筛选条件无效" in response.text


def test_create_form_shows_field_errors_and_keeps_input(client, officer):
    response = client.post("/sites/new", data={"code": "P-1", "name": "新绿地", "kind": "green_space", "grade": "2",
                                               "jurisdiction_code": "330110002", "area_m2": "-4",
                                               "_csrf_token": officer})
    assert response.status_code == 400
    assert 'value="新绿地"' in response.text and "field-error" in response.text


def test_create_then_edit_a_road(client, officer):
    created = client.post("/sites/new", data={"code": "P-2", "name": "良睦路", "kind": "road", "grade": "1",
                                              "jurisdiction_code": "330110002", "length_m": "1000", "width_m": "30",
                                              "_csrf_token": officer}, follow_redirects=False)
    assert created.status_code in (302, 303)
    location = created.headers["location"]
    assert "30,000.00" in client.get(location).text
    edited = client.post(f"{location}/edit", data={"code": "P-2", "name": "良睦路", "kind": "road", "grade": "1",
                                                   "jurisdiction_code": "330110002", "length_m": "1000",
                                                   "width_m": "36", "area_m2": "30000", "_csrf_token": officer},
                         follow_redirects=False)
    assert edited.status_code in (302, 303)
    detail = client.get(location).text
    assert "36,000.00" in detail and "修改养护对象" in detail and "site.update" not in detail  # by name, not by code
    assert "✓ 养护对象已保存。" in detail  # and told once that it was saved


def test_import_page_lists_errors_per_row(client, officer):
    bad = "编码,名称,类型,等级,属地编码,面积\nQ-1,a,公园,一级,330110002,0\nQ-2,b,森林,一级,330110002,5\n".encode("gbk")
    response = client.post("/sites/import", data={"_csrf_token": officer},
                           files={"file": ("bad.csv", bad, "text/csv")})
    assert response.status_code == 400
    assert "<td>2</td>" in response.text and "<td>3</td>" in response.text
    assert "area_m2" in response.text and "kind" in response.text


def test_contractors_cannot_open_the_registry(client, session, page_login):
    UserFactory(username="page-contractor", role="contractor")
    session.commit()
    page_login(client, "page-contractor")
    response = client.get("/sites")
    assert response.status_code == 403 and "无权" in response.text


def test_unknown_page_is_a_friendly_404(client, officer):
    response = client.get("/sites/999999")
    assert response.status_code == 404 and "返回首页" in response.text

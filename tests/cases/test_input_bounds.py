"""Open311 ids, date ranges and api keys, and case months: a clear 400, never a 500 (issue 11 §3)."""

import pytest

from procure.cases import services
from procure.cases.services import CaseFilter, Open311Error
from procure.kernel.errors import InvalidInput
from procure.kernel.pagination import PageRequest
from tests.conftest import api_login
from tests.inspection.world import build

REPORT = {"service_code": "litter", "lat": "30.29", "long": "119.98", "description": "路边有一堆建筑垃圾"}


@pytest.fixture()
def field(session, clock, tmp_path, settings):
    return build(session, clock, settings.storage_dir.parent)


@pytest.fixture()
def filed(field, session, clock):  # type: ignore[no-untyped-def]
    key = services.create_api_key(session, clock, "portal", "k-1")
    return services.file_report(session, clock, REPORT | {"api_key": key})


@pytest.mark.parametrize("ids", [
    "²", "1,²", "١", "abc", "1.0", "-1", "0", "+1", "0x10", str(2**31), str(2**63), "9" * 5000, "1,2,x",
    ",".join(["1"] * 1001),
])
def test_service_request_ids_are_ascii_digits_within_int4(filed, session, clock, ids):
    with pytest.raises(Open311Error) as info:
        services.list_reports(session, clock, ids=ids)
    assert info.value.status == 400


def test_the_boundary_ids(filed, session, clock):
    assert services.list_reports(session, clock, ids=f"{filed.id}, {2**31 - 1}") == [filed]
    assert services.list_reports(session, clock, ids=",".join([str(filed.id)] * 1000)) == [filed]


@pytest.mark.parametrize(("start", "end"), [
    (None, "0001-01-01T00:00:00"), ("0001-01-01T00:00:00", None), (None, "9999-12-31T23:59:59-12:00"),
    ("9999-12-31T23:59:59-12:00", None), (None, "1999-12-31T23:59:59+08:00"), ("2101-01-01T00:00:00Z", None),
])
def test_open311_date_ranges_lie_in_2000_to_2100(filed, session, clock, start, end):
    with pytest.raises(Open311Error) as info:
        services.list_reports(session, clock, start=start, end=end)
    assert info.value.status == 400 and "2000 to 2100" in info.value.description


def test_the_boundary_dates_and_a_long_code_list(filed, session, clock):
    assert services.list_reports(session, clock, start="2000-01-01T00:00:00", end="2000-03-01T00:00:00") == []
    assert services.list_reports(session, clock, start="2100-10-03T00:00:00-12:00", end="2100-12-31T23:59:59-12:00") == []
    codes = ",".join(f"x{i}" for i in range(40000)) + ",litter"
    assert services.list_reports(session, clock, service_code=codes) == [filed]


@pytest.mark.parametrize("key", [["k-1", "k-2"], ["k-1"], 5, {"k": 1}])
def test_an_api_key_that_is_not_one_text_is_a_400(field, session, clock, key):
    services.create_api_key(session, clock, "portal", "k-1")
    with pytest.raises(Open311Error) as info:
        services.file_report(session, clock, REPORT | {"api_key": key})
    assert info.value.status == 400


def test_open311_over_http(client, filed):
    for query in ({"service_request_id": "²"}, {"service_request_id": str(2**31)}, {"service_request_id": "9" * 30},
                  {"end_date": "0001-01-01T00:00:00"}, {"start_date": "9999-12-31T23:59:59-12:00"}):
        response = client.get("/open311/v2/requests.json", params=query)
        assert response.status_code == 400, (query, response.text)
    ok = client.get("/open311/v2/requests.json", params={"service_request_id": str(filed.id)})
    assert ok.status_code == 200 and ok.json()[0]["service_request_id"] == str(filed.id)
    repeated = client.post("/open311/v2/requests.json", content="api_key=k-1&api_key=k-2&service_code=litter",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert repeated.status_code == 400


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2026-11\n", "2026-1_1"])
def test_case_months(field, session, clock, month):
    with pytest.raises(InvalidInput):
        services.list_cases(session, clock, field.officer, CaseFilter(month=month), PageRequest(1, 50))
    with pytest.raises(InvalidInput):
        services.month_rates(session, month)


def test_case_months_over_http(client, field):
    officer = api_login(client, field.officer.username)
    for month in ("9999-12", "0001-01", "2026-11\n"):
        assert client.get("/api/v1/cases", params={"month": month}, headers=officer).status_code == 400
        assert client.get("/api/v1/cases/rates", params={"month": month}, headers=officer).status_code == 400
        assert client.get("/public/cases", params={"month": month}).status_code == 400  # anonymous
    assert client.get("/api/v1/cases", params={"month": "2100-12"}, headers=officer).status_code == 200
    assert client.get("/public/cases", params={"month": "2000-01"}).status_code == 200

"""Open311 GeoReport v2 as a real client library from PyPI sees it (``georeport``), in both of the
spec's formats, over a real socket: the service list, a service definition, filing a request with
an api_key (the library reads and does not file, so that POST is made by hand), the request list
with its filters, one request, and errors in the spec's shape."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
import requests
from georeport import GeoReport

from procure.app import create_app
from procure.cases.open311 import SERVICES
from procure.demo import DEMO_OPEN311_KEY
from tests.serving.conftest import served_live

JURISDICTION = "330110"


@pytest.fixture(scope="module")
def endpoint(demo):  # type: ignore[no-untyped-def]
    with served_live(create_app(demo.settings())) as url:
        yield f"{url}/open311/v2"


def _errors(fmt: str, response: httpx.Response | requests.Response) -> list[tuple[int, str]]:
    """The GeoReport error list of an answer, read as its format says."""
    if fmt == "json":
        return [(e["code"], e["description"]) for e in response.json()]
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root.findall("error")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_georeport_client_reads_services_and_definitions(endpoint, fmt):  # type: ignore[no-untyped-def]
    client = GeoReport(endpoint, jurisdiction=JURISDICTION, output_format=fmt)
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == [s.code for s in SERVICES]
    metadata = {s["service_code"]: s["metadata"] for s in services}
    assert metadata["facility_damage"] in (True, "true") and metadata["litter"] in (False, "false")
    definition = client.get_service_definition("facility_damage")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["facility", "hazard"]
    values = attributes[0]["values"] if fmt == "json" else attributes[0]["values"]["value"]
    assert {"key": "manhole", "name": "井盖"} in [dict(v) for v in values]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_filed_with_an_api_key_is_listed_and_shown(endpoint, fmt):  # type: ignore[no-untyped-def]
    filed = httpx.post(f"{endpoint}/requests.{fmt}", data={
        "api_key": DEMO_OPEN311_KEY, "jurisdiction_id": JURISDICTION, "service_code": "facility_damage",
        "attribute[facility]": "manhole", "attribute[hazard]": "yes", "address_string": "文一西路与高教路口",
        "description": f"井盖缺失（{fmt}）", "media_url": "https://example.org/manhole.jpg"})
    assert filed.status_code == 201, filed.text
    if fmt == "json":
        request_id = filed.json()[0]["service_request_id"]
    else:
        request_id = ET.fromstring(filed.content).findtext("request/service_request_id")
    client = GeoReport(endpoint, jurisdiction=JURISDICTION, output_format=fmt)
    listed = client.get_service_requests(service_code="facility_damage", status="open")
    listed = listed if isinstance(listed, list) else [listed]  # xmltodict gives one <request> as a dict
    assert request_id in [r["service_request_id"] for r in listed]
    one = client.get_service_request(request_id)
    assert (one["service_code"], one["status"], one["description"]) == ("facility_damage", "open", f"井盖缺失（{fmt}）")
    assert one["media_url"] == "https://example.org/manhole.jpg"
    by_id = client.get_service_requests(service_request_id=request_id)
    assert (by_id if isinstance(by_id, dict) else by_id[0])["service_request_id"] == request_id


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_come_in_the_specs_shape_and_format(endpoint, fmt):  # type: ignore[no-untyped-def]
    wrong_place = GeoReport(endpoint, jurisdiction="110101", output_format=fmt)
    with pytest.raises(requests.HTTPError) as refused:
        wrong_place.get_service_list()
    assert refused.value.response.status_code == 404
    assert "jurisdiction_id 110101" in _errors(fmt, refused.value.response)[0][1]
    cases = [
        (httpx.get(f"{endpoint}/services/no_such_code.{fmt}"), 404, "no such service_code"),
        (httpx.get(f"{endpoint}/requests/999999.{fmt}"), 404, "no such service request"),
        (httpx.get(f"{endpoint}/requests.{fmt}", params={"status": "pending"}), 400, "status is open or closed"),
        (httpx.post(f"{endpoint}/requests.{fmt}", data={"service_code": "litter", "description": "x",
                                                       "address_string": "a"}), 400, "api_key is required"),
        (httpx.post(f"{endpoint}/requests.{fmt}", data={"api_key": "wrong", "service_code": "litter",
                                                       "description": "x", "address_string": "a"}), 403,
         "api_key is not valid"),
        (httpx.post(f"{endpoint}/requests.{fmt}", data={"api_key": DEMO_OPEN311_KEY, "service_code": "facility_damage",
                                                       "description": "x", "address_string": "a"}), 400,
         "attribute[facility] is required"),
        # Litestar's own refusals too: an unknown resource, a method not allowed.
        (httpx.get(f"{endpoint}/nothing.{fmt}"), 404, None),
        (httpx.delete(f"{endpoint}/requests.{fmt}"), 405, None),
    ]
    for response, status, description in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.headers["content-type"].startswith("application/json" if fmt == "json" else "application/xml")
        [(code, text)] = _errors(fmt, response)
        assert code == status and text
        if description:
            assert text == description

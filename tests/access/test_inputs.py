"""No 5xx from any input: ids, pages and numbers outside what the columns hold are a 400 that
names the field (issue 11 §3). The schemathesis run (tests/access/test_fuzz.py) covers the rest."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from procure.app import create_app
from procure.kernel.clock import system_clock
from tests.serving.conftest import auth_for

TOO_BIG = [2**31, 2**63, 10**30]


@pytest.mark.parametrize("value", TOO_BIG)
def test_an_id_past_the_columns_range_is_a_400_naming_it(demo, value):  # type: ignore[no-untyped-def]
    app = create_app(demo.settings())
    headers, cookies = auth_for(demo.database, "officer", system_clock())
    with TestClient(app, base_url="http://testserver.local") as client:
        for path in (f"/api/v1/tenders/{value}", f"/api/v1/contracts/{value}", f"/api/v1/lots/{value}/bids",
                     f"/api/v1/sites?page={value}", f"/api/v1/contracts?contractor_id={value}",
                     f"/api/v1/cases?contract_id={value}", f"/api/v1/tenders?page={value}"):
            response = client.get(path, headers=headers)
            assert response.status_code == 400, (path, response.status_code, response.text[:200])
            assert "tender_id" in response.text or "page" in response.text or "_id" in response.text
        for name, cookie in cookies.items():
            client.cookies.set(name, cookie)
        for path in (f"/tenders/{value}", f"/contracts/{value}", f"/sites?page={value}"):
            response = client.get(path)
            assert response.status_code == 400, (path, response.status_code)


def test_an_id_of_zero_or_below_is_a_400(demo):  # type: ignore[no-untyped-def]
    app = create_app(demo.settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        assert client.get("/api/v1/tenders/0").status_code == 400
        assert client.get("/api/v1/tenders?page=0").status_code == 400


def _page_client(client, demo, username):  # type: ignore[no-untyped-def]
    import re

    _, cookies = auth_for(demo.database, username, system_clock())
    for name, value in cookies.items():
        client.cookies.set(name, value)
    return re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").text).group(1)


def test_typed_text_in_a_number_field_of_a_page_form_is_shown_not_crashed(demo):  # type: ignore[no-untyped-def]
    """五 as the committee's draw count: int() on a raw form field answered 500."""
    from sqlalchemy import text

    with demo.database.reader() as s:
        lot = s.execute(text("SELECT id FROM lot WHERE opened_at IS NULL ORDER BY id LIMIT 1")).scalar()
    app = create_app(demo.settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        token = _page_client(client, demo, "officer")
        for field, value in (("draw", "五"), ("draw", "999"), ("seed", "²"), ("seed", str(2**70))):
            response = client.post(f"/lots/{lot}/evaluation/committee",
                                   data={"_csrf_token": token, "mode": "draw", field: value}, follow_redirects=False)
            assert response.status_code in (400, 409), (field, value, response.status_code)
        answer = client.post(f"/lots/{lot}/evaluation/committee",
                             data={"_csrf_token": token, "mode": "draw", "draw": "五"}, follow_redirects=False)
        assert "抽取人数" in answer.text  # the draw field, by its label


def test_a_field_sent_twice_is_a_400(demo):  # type: ignore[no-untyped-def]
    app = create_app(demo.settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        token = _page_client(client, demo, "officer")
        response = client.post("/tenders/1/cancel", content=f"_csrf_token={token}&reason=a&reason=b",
                               headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
        assert response.status_code == 400


def test_a_multipart_text_field_that_is_not_utf8_is_a_400(demo):  # type: ignore[no-untyped-def]
    headers, _ = auth_for(demo.database, "contractor2", system_clock())
    body = (b"--B\r\nContent-Disposition: form-data; name=\"price\"\r\n\r\n\xff\xfe\r\n--B--\r\n")
    app = create_app(demo.settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        response = client.post("/api/v1/lots/5/bids", content=body,
                               headers={**headers, "content-type": "multipart/form-data; boundary=B"})
        assert response.status_code == 400, response.text[:200]


def test_a_huge_text_field_in_a_bid_is_refused_while_it_streams(demo):  # type: ignore[no-untyped-def]
    """A 200 MB ``price`` field used to be held in memory (774 MB peak) and then answered 500."""
    headers, _ = auth_for(demo.database, "contractor2", system_clock())
    huge = b"9" * (300 * 1024)
    body = b"--B\r\nContent-Disposition: form-data; name=\"price\"\r\n\r\n" + huge + b"\r\n--B--\r\n"
    app = create_app(demo.settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        response = client.post("/api/v1/lots/5/bids", content=body,
                               headers={**headers, "content-type": "multipart/form-data; boundary=B"})
        assert response.status_code == 413 and "price" in response.text


def test_a_nul_character_in_a_query_is_a_400(demo):  # type: ignore[no-untyped-def]
    """PostgreSQL stores no NUL in text; the fuzzer found it reaching SQL as a 500."""
    app = create_app(demo.settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        for query in ("q=m%00", "state=D%00"):
            assert client.get(f"/api/v1/tenders?{query}").status_code in (200, 400)

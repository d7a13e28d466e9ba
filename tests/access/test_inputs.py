"""No 5xx from any input: ids, pages and numbers outside what the columns hold are a 400 that
names the field (issue 11 §3). The schemathesis run (tests/access/test_fuzz.py) covers the rest."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from procure.app import create_app
from procure.clock import system_clock
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

"""Payment months: exactly YYYY-MM in 2000–2100, so none overflows a date, String(7) or a header (issue 11 §3)."""

import pytest

from procure.kernel.errors import InvalidInput
from procure.payments import services
from procure.payments.services import StatementFilter
from tests.conftest import api_login
from tests.factories import UserFactory
from tests.inspection.world import build

BAD_MONTHS = ["9999-12", "0001-01", "2026-13", "2026-11\n", "2026-11\r\nX-Evil: 1", "2026-1_1", "+2026-11", "02026-11"]


@pytest.fixture()
def field(session, clock, tmp_path, settings):
    return build(session, clock, settings.storage_dir.parent)


@pytest.mark.parametrize("month", BAD_MONTHS)
def test_a_run_and_a_list_refuse_bad_months(field, session, clock, month):
    with pytest.raises(InvalidInput):
        services.run_month(session, clock, field.officer.actor, month)
    with pytest.raises(InvalidInput):
        services.list_statements(session, clock, field.officer, StatementFilter(month=month))


def test_bad_months_over_http_are_400(client, field, session):
    UserFactory(username="fin-bounds", role="finance")
    session.commit()
    officer, finance = api_login(client, field.officer.username), api_login(client, "fin-bounds")
    for month in BAD_MONTHS:
        assert client.post("/api/v1/payments/runs", json={"month": month}, headers=officer).status_code == 400, month
        assert client.get("/api/v1/payment-statements", params={"month": month}, headers=finance).status_code == 400
        for ledger in ("/api/v1/payments/ledger.csv", "/api/v1/payments/ledger.xlsx"):
            response = client.get(ledger, params={"month": month}, headers=finance)
            assert response.status_code == 400, (ledger, month)
            assert "\n" not in response.headers.get("content-disposition", "")
    run = client.post("/api/v1/payments/runs", json={"month": "2026-10"}, headers=officer)
    assert run.status_code == 201, run.text
    csv = client.get("/api/v1/payments/ledger.csv", params={"month": "2026-10"}, headers=finance)
    assert csv.status_code == 200 and csv.headers["content-disposition"] == "attachment; filename=ledger-2026-10.csv"

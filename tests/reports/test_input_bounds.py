"""Report months and years: a clear 400 for any value, a working report at the boundaries (issue 11 §3)."""

import pytest

from procure.kernel.errors import InvalidInput
from procure.reports import services
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, tmp_path):
    return build(session, clock, tmp_path)


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2026-13", "2026-11\n", "+2026-11", "２０２６-１１"])
def test_report_months(field, session, clock, month):
    with pytest.raises(InvalidInput):
        services.kaoping(session, clock, month)
    with pytest.raises(InvalidInput):
        services.contractor_report(session, clock, month)


def test_a_month_early_in_2000_has_a_shorter_window(field, session, clock):
    """The 12 months back from 2000-03 would reach 1999, which no month may name: the window starts at 2000-01."""
    rows = services.contractor_report(session, clock, "2000-03")
    assert [m for m, _ in rows[0].trend] == ["2000-01", "2000-02", "2000-03"]
    assert len(services.contractor_report(session, clock, "2100-12")[0].trend) == 12


@pytest.mark.parametrize("year", [1999, 2101, 0, -1, 10000, 2**63])
def test_budget_years(field, session, clock, year):
    with pytest.raises(InvalidInput) as info:
        services.budget_vs_spend(session, clock, year)
    assert info.value.errors[0]["field"] == "year"


def test_budget_boundary_years(field, session, clock):
    assert services.budget_vs_spend(session, clock, 2000) is not None
    assert services.budget_vs_spend(session, clock, 2100) is not None


def test_report_pages_answer_400(client, field, session, page_login):
    from tests.factories import UserFactory

    UserFactory(username="report-officer", role="officer")
    session.commit()
    page_login(client, "report-officer")
    for month in ("9999-12", "0001-01", "2026-11\n"):
        for path in ("/reports/kaoping", "/reports/kaoping.xlsx"):
            response = client.get(path, params={"month": month})
            assert response.status_code == 400, (path, month, response.status_code)
    for year in ("1999", "2101", str(2**63)):
        assert client.get("/reports/budget", params={"year": year}).status_code == 400
    assert client.get("/reports/kaoping", params={"month": "2000-01"}).status_code == 200
    xlsx = client.get("/reports/kaoping.xlsx", params={"month": "2100-12"})
    assert xlsx.status_code == 200 and "kaoping-2100-12.xlsx" in xlsx.headers["content-disposition"]

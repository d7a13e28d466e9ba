"""Numbers and dates of a tender draft: a clear 400 naming the field, never a 500 (issue 11 §3).

Money is NUMERIC(14,2), points Fixed(5,2), shares Fixed(4,2); a deadline lies in 2000–2100."""

from datetime import timedelta
from decimal import Decimal

import pytest

from procure.kernel.errors import InvalidInput
from procure.tendering import services as tenders
from tests.conftest import csrf_token
from tests.factories import JurisdictionFactory, SiteFactory
from tests.tendering import test_pages
from tests.tendering.world import build_world, tender_payload


@pytest.fixture()
def site_ids(session):
    street = JurisdictionFactory(code="330110002", name="仓前街道")
    ids = [SiteFactory(jurisdiction=street, kind="park", name=f"边界公园{i}").id for i in range(2)]
    session.commit()
    return ids


def payload(site_ids, clock, **overrides):  # type: ignore[no-untyped-def]
    return tender_payload(site_ids, clock() + timedelta(days=30), **overrides)


def lot(ids, **overrides):  # type: ignore[no-untyped-def]
    return [{"title": "仓前片区", "site_ids": ids, "ceiling_price": "1000000.00", "term_months": 12,
             "bid_bond": "20000.00"} | overrides]


def refused_fields(raw) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info:
        tenders.parse_tender(raw)
    return [e["field"] for e in info.value.errors]


@pytest.mark.parametrize(("field", "value"), [
    ("price_points", "1e30"), ("price_points", "1000"), ("price_points", "0.001"), ("price_points", "NaN"),
    ("price_points", "-1"), ("sme_deduction", "100"), ("sme_deduction", "0.123"), ("sme_deduction", "Infinity"),
    ("abnormal_threshold", "100"), ("abnormal_threshold", "sNaN"), ("abnormal_threshold", "0.001"),
])
def test_tender_numbers_out_of_their_columns(site_ids, clock, field, value):
    assert refused_fields(payload(site_ids, clock, **{field: value})) == [field]


@pytest.mark.parametrize(("field", "value"), [
    ("price_points", "999.99"), ("sme_deduction", "99.99"), ("abnormal_threshold", "99.99"),
])
def test_the_largest_values_that_fit_are_drafts(site_ids, clock, field, value):
    """They fit the column; whether they can be published is the publication rules' business."""
    assert getattr(tenders.parse_tender(payload(site_ids, clock, **{field: value})), field) == Decimal(value)


@pytest.mark.parametrize("points", ["1e30", "1000", "0.001", "NaN"])
def test_criterion_points(site_ids, clock, points):
    raw = payload(site_ids, clock, criteria=[{"code": "T1", "name": "方案", "max_points": points}])
    assert refused_fields(raw) == ["criteria[1].max_points"]


@pytest.mark.parametrize(("field", "value"), [
    ("ceiling_price", "1e30"), ("ceiling_price", "1e999999999"), ("ceiling_price", "1000000000000"),
    ("ceiling_price", "0.001"), ("ceiling_price", "-1"), ("bid_bond", "1e30"), ("bid_bond", "0.005"),
    ("term_months", 2**31), ("term_months", 2**63), ("term_months", 121), ("term_months", "0"), ("term_months", "1.5"),
    ("term_months", "abc"), ("site_ids", [2**31]), ("site_ids", [0]), ("site_ids", ["x"]), ("site_ids", "12"),
    ("site_ids", 5),
])
def test_lot_fields(site_ids, clock, field, value):
    raw = payload(site_ids, clock, lots=lot(site_ids, **{field: value}))
    assert refused_fields(raw) == [f"lots[1].{field}"]


def test_lot_boundaries_that_fit(site_ids, clock):
    data = tenders.parse_tender(payload(site_ids, clock, lots=lot(
        site_ids, ceiling_price="999,999,999,999.99", bid_bond="999999999999.99", term_months="120")))
    assert data.lots[0].ceiling_price == Decimal("999999999999.99") and data.lots[0].term_months == 120
    assert tenders.parse_tender(payload(site_ids, clock, lots=lot(site_ids, term_months=1))).lots[0].term_months == 1
    assert tenders.parse_tender(payload(site_ids, clock, lots=lot(site_ids, term_months=None))).lots[0].term_months == 0


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59-12:00", "1999-12-31T23:59", "2101-01-01T00:00"])
def test_deadline_years(site_ids, clock, value):
    with pytest.raises(InvalidInput) as info:
        tenders.parse_tender(payload(site_ids, clock, bid_deadline=value))
    assert info.value.errors == [{"field": "bid_deadline", "message": "The year must be between {low} and {high}.",
                                  "params": {"low": "2000", "high": "2100"}}]


def test_deadline_boundaries_and_garbage(site_ids, clock):
    assert tenders.parse_tender(payload(site_ids, clock, bid_deadline="2100-12-31T23:59-12:00")).bid_deadline.year == 2100
    assert tenders.parse_tender(payload(site_ids, clock, bid_deadline="2000-01-01T00:00+14:00")).bid_deadline.year == 2000
    for garbage in ("tomorrow", "2026-13-01T00:00", "2026-12-31T25:00"):
        assert refused_fields(payload(site_ids, clock, bid_deadline=garbage)) == ["bid_deadline"]


@pytest.mark.parametrize(("field", "value"), [("lots", 5), ("lots", "abc"), ("criteria", 5), ("criteria", "T1")])
def test_lists_that_are_not_lists(site_ids, clock, field, value):
    assert refused_fields(payload(site_ids, clock, **{field: value})) == [field]


def test_api_draft_refuses_with_400_and_stores_the_boundary(client, as_role, site_ids, clock):
    officer = as_role("officer")
    bad = payload(site_ids, clock, lots=lot(site_ids, ceiling_price="1e30"))
    response = client.post("/api/v1/tenders", json=bad, headers=officer)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["lots[1].ceiling_price"]
    good = payload(site_ids, clock, price_points="999.99", sme_deduction="99.99",
                   lots=lot(site_ids, ceiling_price="999999999999.99", bid_bond="999999999999.99", term_months=120))
    created = client.post("/api/v1/tenders", json=good, headers=officer)
    assert created.status_code == 201, created.text
    tender_id = created.json()["id"]
    # PATCH takes any JSON object: the same checks run in the service.
    for changes in ({"price_points": "1e30"}, {"sme_deduction": "0.001"}, {"lots": 5}, {"criteria": 7},
                    {"lots": lot(site_ids, term_months=2**31)}, {"lots": lot(site_ids, site_ids=[2**31])},
                    {"bid_deadline": "0001-01-01T00:00"}, {"bid_deadline": "9999-12-31T23:59-12:00"}):
        patched = client.patch(f"/api/v1/tenders/{tender_id}", json=changes, headers=officer)
        assert patched.status_code == 400, (changes, patched.text)
    ok = client.patch(f"/api/v1/tenders/{tender_id}", json={"price_points": "30"}, headers=officer)
    assert ok.status_code == 200, ok.text


def test_the_api_names_a_wrong_type_as_the_form_does(client, as_role, site_ids, clock):
    """Litestar decodes the body into TenderIn; its error is said like kernel.inputs says it."""
    officer = as_role("officer") | {"Accept-Language": "zh-CN"}
    bad = payload(site_ids, clock, lots=lot(site_ids, ceiling_price="abc"))
    response = client.post("/api/v1/tenders", json=bad, headers=officer)
    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [("lots[1].ceiling_price", "不是有效的数字。")]


def test_a_draft_without_a_term_can_still_be_edited(client, as_role, site_ids, clock):
    """No term yet is a draft's gap (stored as 0): the next PATCH merges it back as "not chosen"."""
    officer = as_role("officer")
    created = client.post("/api/v1/tenders", json=payload(site_ids, clock, lots=[
        {"title": "仓前片区", "site_ids": site_ids, "ceiling_price": "1000000.00"}]), headers=officer)
    assert created.status_code == 201, created.text
    patched = client.patch(f"/api/v1/tenders/{created.json()['id']}", json={"title": "仓前片区养护（修订）"},
                           headers=officer)
    assert patched.status_code == 200, patched.text


def test_an_amendment_with_lots_not_a_list(session, clock, tmp_path):
    world = build_world(session, clock, tmp_path)
    tender = world.published_tender(days=30)
    for changes in ({"lots": 5}, {"lots": "x"}, {"price_points": "1e30"}, {"bid_deadline": "9999-12-31T23:59-12:00"},
                    {"bid_deadline": None}, {"bid_deadline": ""}):
        with pytest.raises(InvalidInput):
            tenders.amend(session, clock, world.officer.actor, tender.id, "更正", changes)
        session.rollback()
    amended = tenders.amend(session, clock, world.officer.actor, tender.id, "更正", {"description": "更正：联系电话"})
    assert amended.version == 1


sites = test_pages.sites  # the page tests' fixtures
officials = test_pages.officials


def test_page_form_with_huge_numbers_is_a_400(client, sites, clock, page_login):
    token = csrf_token(page_login(client, "page-officer"))
    for overrides in ({"price_points": "1e30"}, {"c1_points": "0.001"}, {"l1_ceiling_price": "1e30"},
                      {"l1_term_months": "99999999999"}, {"bid_deadline": "0001-01-01T00:00"}):
        response = client.post("/tenders/new", data=test_pages.form(sites, clock, **overrides) | {"_csrf_token": token},
                               follow_redirects=False)
        assert response.status_code == 400, overrides

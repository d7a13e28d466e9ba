"""Contract terms and variations as typed: a clear 400 naming the field, never a 500 (issue 11 §3).

retention_rate is Fixed(5,4), sampling_share Fixed(4,2), areas Fixed(12,2), money NUMERIC(14,2);
months and defects liability are 0–120 and a start date lies in 2000–2100."""

from datetime import date
from decimal import Decimal

import pytest

from procure.contracts import services as contracts
from procure.kernel.errors import InvalidInput
from tests.conftest import csrf_token
from tests.factories import ContractFactory
from tests.inspection.world import build


@pytest.fixture()
def draft(session):
    contract = ContractFactory(state="draft")
    session.commit()
    return contract


@pytest.fixture()
def field(session, clock, tmp_path):
    return build(session, clock, tmp_path)


def terms_refused(session, clock, officer, contract, changes) -> list[dict]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info:
        contracts.update_terms(session, clock, officer.actor, contract.id, changes)
    session.rollback()
    return info.value.errors


@pytest.mark.parametrize(("name", "value"), [
    ("defects_liability_months", "abc"), ("defects_liability_months", 2**31), ("defects_liability_months", 2**63),
    ("defects_liability_months", 121), ("defects_liability_months", -1), ("defects_liability_months", "1.5"),
    ("months", 2**31), ("months", 0), ("months", "x"),
    ("retention_rate", "0.00001"), ("retention_rate", "1"), ("retention_rate", "1e30"), ("retention_rate", "NaN"),
    ("sampling_share", "0.555"), ("sampling_share", "1.01"), ("sampling_share", "Infinity"),
    ("performance_bond", "1e30"), ("performance_bond", "0.001"),
    ("start_date", "9999-12-01"), ("start_date", "0001-01-01"), ("start_date", "1999-12-31"), ("start_date", "x"),
])
def test_terms_out_of_bounds(field, session, clock, draft, name, value):
    errors = terms_refused(session, clock, field.officer, draft, {name: value})
    assert [e["field"] for e in errors] == [name]


@pytest.mark.parametrize(("rules", "where"), [
    ({"overdue_case": "1e30"}, "penalty_rules.overdue_case"), ({"complaint": "0.001"}, "penalty_rules.complaint"),
    ({"complaint": "NaN"}, "penalty_rules.complaint"), ({"overdue_case": "-1"}, "penalty_rules.overdue_case"),
    ({"media_city": "1.5"}, "penalty_rules.media_city"), ({"media_county": "0.00001"}, "penalty_rules.media_county"),
    ({"media_county": None}, "penalty_rules.media_county"), ("200", "penalty_rules"), ([1], "penalty_rules"),
])
def test_penalty_rules_fit_and_can_be_applied(field, session, clock, draft, rules, where):
    errors = terms_refused(session, clock, field.officer, draft, {"penalty_rules": rules})
    assert [e["field"] for e in errors] == [where]


@pytest.mark.parametrize("table", [
    {"kind": "bands", "bands": [{"min": "NaN", "k": "1"}]},
    {"kind": "bands", "bands": [{"min": "0", "k": "sNaN"}]},
    {"kind": "linear", "threshold": "90", "rate": "1e999999", "minimum": "0.5"},
    {"kind": "linear", "threshold": "90", "rate": "0.02", "minimum": "0.5", "failing_below": "NaN"},
    {"kind": "linear", "threshold": "90", "rate": "0.02", "minimum": "0.5", "failing_below": "1e30"},
    {"kind": "bands", "bands": 5},
])
def test_payment_tables_with_values_that_cannot_be_compared(field, session, clock, draft, table):
    assert [e["field"] for e in terms_refused(session, clock, field.officer, draft, {"payment_table": table})] == [
        "payment_table"]


def test_the_boundary_terms_are_kept(field, session, clock, draft):
    updated = contracts.update_terms(session, clock, field.officer.actor, draft.id, {
        "defects_liability_months": 120, "months": "120", "retention_rate": "0.0300", "sampling_share": "1",
        "start_date": "2100-12-01", "performance_bond": "0",
        "penalty_rules": {"overdue_case": "999999999999.99", "complaint": "0", "media_county": "1",
                          "media_city": "0.0001"},
        "payment_table": {"kind": "linear", "threshold": "90", "rate": "1", "minimum": "0.5", "failing_below": "70"}})
    session.expire_all()
    assert (updated.defects_liability_months, updated.months, updated.start_date) == (120, 120, date(2100, 12, 1))
    assert updated.sampling_share == Decimal("1.00") and updated.ends_on == date(2110, 11, 30)
    updated = contracts.update_terms(session, clock, field.officer.actor, draft.id, {
        "defects_liability_months": "0", "start_date": "2000-01-01", "months": 1})
    assert (updated.defects_liability_months, updated.start_date) == (0, date(2000, 1, 1))


def test_api_patch_refuses_with_400(client, as_role, draft):
    officer = as_role("officer")
    for changes in ({"defects_liability_months": "abc"}, {"defects_liability_months": 2**31},
                    {"retention_rate": "0.00001"}, {"sampling_share": "0.555"}, {"start_date": "9999-12-01"},
                    {"penalty_rules": {"overdue_case": "1e30"}}):
        response = client.patch(f"/api/v1/contracts/{draft.id}", json=changes, headers=officer)
        assert response.status_code == 400, (changes, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [next(iter(changes))] or "penalty_rules" in changes
    for name in ("defects_liability_months", "performance_bond", "start_date", "payment_table"):
        # PATCH: a field left out keeps its value; null is not a value (a form's empty field is "left out")
        response = client.patch(f"/api/v1/contracts/{draft.id}", json={name: None}, headers=officer)
        assert response.status_code == 400 and [e["field"] for e in response.json()["errors"]] == [name], response.text
    unknown = client.patch(f"/api/v1/contracts/{draft.id}", json={"amount": "1"}, headers=officer)
    assert unknown.status_code == 400 and [e["field"] for e in unknown.json()["errors"]] == ["amount"], unknown.text
    ok = client.patch(f"/api/v1/contracts/{draft.id}", json={"defects_liability_months": 24}, headers=officer)
    assert ok.status_code == 200 and ok.json()["defects_liability_months"] == 24


def variation(field, **overrides):  # type: ignore[no-untyped-def]
    return {"kind": "change_area", "site_id": field.sites[0].id, "effective_date": "2026-06-01",
            "monthly_fee_delta": "100", "area_m2": "12000.50", "reason": "面积复核"} | overrides


@pytest.mark.parametrize(("name", "value"), [
    ("monthly_fee_delta", "1e30"), ("monthly_fee_delta", "-1e30"), ("monthly_fee_delta", "1000000000000"),
    ("monthly_fee_delta", "NaN"), ("site_id", 2**31), ("site_id", 2**63), ("site_id", "²"), ("site_id", 0),
    ("effective_date", "9999-12-31"), ("effective_date", "0001-01-01"),
])
def test_variation_fields(field, session, clock, name, value):
    with pytest.raises(InvalidInput) as info:
        contracts.add_variation(session, clock, field.officer.actor, field.contract.id, variation(field, **{name: value}))
    assert [e["field"] for e in info.value.errors] == [name]


@pytest.mark.parametrize("area", ["1e30", "1e999999999", "10000000000", "0.001", "NaN", "-5"])
def test_change_area_out_of_the_column(field, session, clock, area):
    with pytest.raises(InvalidInput) as info:
        contracts.add_variation(session, clock, field.officer.actor, field.contract.id, variation(field, area_m2=area))
    assert [e["field"] for e in info.value.errors] == ["area_m2"]


def test_a_variation_cannot_lower_the_fee_below_zero(field, session, clock):
    """A negative delta larger than the fee would store an added value NUMERIC(14,2) cannot hold."""
    with pytest.raises(InvalidInput) as info:
        contracts.add_variation(session, clock, field.officer.actor, field.contract.id,
                                variation(field, monthly_fee_delta="-999999999999.99"))
    assert info.value.message == "A variation cannot lower the monthly fee by more than the fee itself ({fee})."
    assert info.value.params["fee"] == "100,000.00"


def test_the_largest_area_is_stored(field, session, clock):
    done = contracts.add_variation(session, clock, field.officer.actor, field.contract.id,
                                   variation(field, area_m2="9999999999.99", monthly_fee_delta="-100000"))
    session.expire_all()
    assert done.area_after == Decimal("9999999999.99") and done.monthly_fee_delta == Decimal("-100000.00")


def test_api_variation_with_a_huge_delta_is_a_400(client, as_role, field):
    officer = as_role("officer")
    response = client.post(f"/api/v1/contracts/{field.contract.id}/variations", headers=officer,
                           json=variation(field, monthly_fee_delta="1e30"))
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["monthly_fee_delta"]


def test_the_page_forms_take_the_same_typed_input(client, page_login, field, session, clock):
    """The contract page's variation and terms forms go through VariationIn/TermsIn: a wrong value
    shows the form again naming the field; typed numbers may carry thousands separators."""
    page = page_login(client, field.officer.username)
    token = csrf_token(page)
    contract_id = field.contract.id
    refused = page.post(f"/contracts/{contract_id}/variations", follow_redirects=False, data=variation(
        field, monthly_fee_delta="一百", _csrf_token=token))
    assert refused.status_code == 400 and "月费变动: " in refused.text, refused.text[:2000]  # monthly_fee_delta, by its label
    done = page.post(f"/contracts/{contract_id}/variations", follow_redirects=False, data=variation(
        field, monthly_fee_delta="1,000.50", area_m2="12,000.50", _csrf_token=token))
    assert done.status_code in (302, 303), done.text[:2000]
    session.expire_all()
    made = contracts.get(session, clock, contract_id).variations[-1]
    assert (made.monthly_fee_delta, made.area_after) == (Decimal("1000.50"), Decimal("12000.50"))


def test_the_terms_form_leaves_empty_fields_alone(client, page_login, field, session, clock, draft):
    page = page_login(client, field.officer.username)
    token = csrf_token(page)
    months = draft.months
    refused = page.post(f"/contracts/{draft.id}/terms", follow_redirects=False,
                        data={"months": "十二", "_csrf_token": token})
    assert refused.status_code == 400 and "期限（月）: " in refused.text  # months, by its label
    done = page.post(f"/contracts/{draft.id}/terms", follow_redirects=False,
                     data={"months": "", "performance_bond": "1,000", "start_date": "", "_csrf_token": token})
    assert done.status_code in (302, 303), done.text[:2000]
    session.expire_all()
    kept = contracts.get(session, clock, draft.id)
    assert (kept.months, kept.performance_bond) == (months, Decimal("1000.00"))

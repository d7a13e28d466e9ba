"""A member's points as typed: finite, two decimals, within Fixed(5,2), before any comparison (issue 11 §3)."""

from decimal import Decimal

import pytest

from procure.kernel.errors import InvalidInput
from procure.evaluation import services as evaluation
from procure.evaluation.rules import points_problem
from tests.conftest import api_login
from tests.evaluation.world import full_committee, opened_lot


@pytest.fixture()
def scoring(session, clock, tmp_path):  # type: ignore[no-untyped-def]
    world = opened_lot(session, clock, tmp_path)
    members = full_committee(world, session, clock)
    lot, bid = world.lot, world.bids[0]
    for member in members:  # the committee's majority finds the bid compliant once every member has a view
        evaluation.record_compliance(session, clock, member, lot.id, bid.id, True, "")
    return world, members, lot, bid


@pytest.mark.parametrize(("raw", "message"), [
    ("NaN", "Not a number."), ("sNaN", "Not a number."), ("-NaN", "Not a number."), ("Infinity", "Not a number."),
    ("-Infinity", "Not a number."), (float("nan"), "Not a number."), ("abc", "Not a number."), ("", "Not a number."),
    ([1], "Not a number."), ("1e30", "Must be less than {upper}."), ("1e999999999", "Must be less than {upper}."),
    ("1000", "Must be less than {upper}."), ("0.001", "At most two decimals."),
    ("1e-999999999", "At most two decimals."), ("40.01", "Points must be between 0 and {max}."),
    ("-0.01", "Points must be between 0 and {max}."),
])
def test_bad_points_are_refused_and_name_the_criterion(scoring, session, clock, raw, message):
    world, members, lot, bid = scoring
    with pytest.raises(InvalidInput) as info:
        evaluation.record_scores(session, clock, members[0], lot.id, bid.id, {"T1": raw, "T2": "20"})
    assert [(e["field"], e["message"]) for e in info.value.errors] == [("T1", message)]


def test_the_boundary_points_are_saved(scoring, session, clock):
    world, members, lot, bid = scoring
    saved = evaluation.record_scores(session, clock, members[0], lot.id, bid.id, {"T1": "40", "T2": 0})
    assert {s.criterion_code: s.points for s in saved} == {"T1": Decimal("40.00"), "T2": Decimal("0.00")}
    saved = evaluation.record_scores(session, clock, members[0], lot.id, bid.id, {"T1": 39.99, "T2": "0.01"})
    assert {s.criterion_code: s.points for s in saved} == {"T1": Decimal("39.99"), "T2": Decimal("0.01")}


def test_points_problem_does_not_compare_nan():
    assert points_problem(Decimal("NaN"), Decimal(40)) == "Not a number."
    assert points_problem(Decimal("sNaN"), Decimal(40)) == "Not a number."
    assert points_problem(Decimal("40"), Decimal(40)) is None


def test_api_scores_with_nan_is_a_400(client, scoring):
    world, members, lot, bid = scoring
    headers = api_login(client, members[0].username)
    for points in ({"T1": "NaN"}, {"T1": "sNaN"}, {"T1": "1e30"}, {"T1": "0.001"}):
        response = client.post(f"/api/v1/lots/{lot.id}/scores", json={"bid_id": bid.id, "points": points},
                               headers=headers)
        assert response.status_code == 400, (points, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["T1"]
    ok = client.post(f"/api/v1/lots/{lot.id}/scores", json={"bid_id": bid.id, "points": {"T1": "40"}}, headers=headers)
    assert ok.status_code in (200, 201), ok.text

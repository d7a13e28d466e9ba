"""The declaration, the replacement draw, the committee's compliance result and the refusal to
finalise, over the API and on the pages (issue 11 §6)."""

import pytest

from procure.evaluation import services as evaluation
from tests.conftest import api_login, csrf_token
from tests.evaluation.world import opened_lot


@pytest.fixture()
def world(session, clock, tmp_path):
    world = opened_lot(session, clock, tmp_path)
    members = world.experts[:5]
    evaluation.form_committee(session, clock, world.officer.actor, world.lot.id, members=[m.id for m in members])
    return world


def test_the_api_path_of_a_withdrawal_a_replacement_and_the_majority(client, world):
    lot, bids = world.lot, world.bids
    experts = world.experts
    first = api_login(client, experts[0].username)
    url = f"/api/v1/lots/{lot.id}"
    for body, field in (({}, "no_conflict"), ({"no_conflict": False}, "relation"),
                        ({"no_conflict": False, "relation": "  "}, "relation"),
                        ({"no_conflict": True, "relation": "前雇主"}, "relation")):
        answer = client.post(f"{url}/declaration", json=body, headers=first)
        assert answer.status_code == 400, (body, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    answer = client.post(f"{url}/declaration", json={"no_conflict": False, "relation": "前雇主"}, headers=first)
    assert answer.status_code == 200 and answer.json() == {"lot_id": lot.id, "declared": False, "left_committee": True}
    officer = api_login(client, world.officer.username)
    state = client.get(f"{url}/evaluation", headers=officer).json()
    assert state["committee_short"] is True and (state["members_present"], state["experts_present"]) == (4, 4)
    assert state["missing"]["withdrawn"] == [experts[0].display_name]
    refused = client.post(f"{url}/evaluation/finalize", headers=officer)
    assert refused.status_code == 409 and "4" in refused.json()["detail"]
    assert [e["field"] for e in refused.json()["errors"]] == ["members", "members"]
    assert client.post(f"{url}/committee/replacement", json={"seed": 42},
                       headers=api_login(client, experts[1].username)).status_code == 403
    drawn = client.post(f"{url}/committee/replacement", json={"seed": 42}, headers=officer)
    assert drawn.status_code == 201, drawn.text
    committee = drawn.json()
    assert (committee["present"], committee["experts"], committee["short"]) == (5, 5, False)
    withdrawn = next(m for m in committee["members"] if m["user_id"] == experts[0].id)
    assert withdrawn["withdrawn"] is True and withdrawn["conflict"] == "前雇主"
    newcomer = committee["members"][-1]
    assert newcomer["draw_seed"] == 42 and newcomer["user_id"] in {e.id for e in experts[5:]}
    assert client.post(f"{url}/committee/replacement", headers=officer).status_code == 409  # complete again
    # Each present member's own view; the committee's result once all five have one.
    seated = [e for e in experts if e.id in {m["user_id"] for m in committee["members"] if not m["withdrawn"]}]
    answers = []
    for expert in seated:
        headers = api_login(client, expert.username)
        assert client.post(f"{url}/declaration", json={"no_conflict": True}, headers=headers).status_code == 200
        answers.append(client.post(f"{url}/compliance", json={"bid_id": bids[0].id, "compliant": expert != seated[0],
                                                               "reason": "缺少营业执照" if expert == seated[0] else ""},
                                   headers=headers).json())
    assert [a["committee_result"] for a in answers] == [None, None, None, None, True]
    assert [a["views"] for a in answers] == [1, 2, 3, 4, 5] and {a["present"] for a in answers} == {5}
    assert answers[0]["compliant"] is False and answers[0]["reason"] == "缺少营业执照"


def test_the_declaration_page_needs_a_choice(client, page_login, world, session):
    lot = world.lot
    expert = world.experts[0]
    token = csrf_token(page_login(client, expert.username))
    form = client.get(f"/lots/{lot.id}/evaluate").text
    assert 'id="no-conflict"' in form and 'id="has-conflict"' in form
    for data in ({}, {"declaration": "conflict"}, {"declaration": "conflict", "relation": " "},
                 {"declaration": "no_conflict", "relation": "前雇主"}, {"relation": "前雇主"}):
        answer = client.post(f"/lots/{lot.id}/evaluate/declare", data={"_csrf_token": token, **data},
                             follow_redirects=False)
        assert answer.status_code == 400 and 'id="page-error"' in answer.text, data
    session.expire_all()
    assert all(m.declared_at is None and m.withdrawn_at is None for m in evaluation.committee_of(session, lot.id).members)
    answer = client.post(f"/lots/{lot.id}/evaluate/declare",
                         data={"_csrf_token": token, "declaration": "conflict", "relation": "曾任投标人技术顾问"},
                         follow_redirects=False)
    assert answer.status_code in (302, 303)
    shown = client.get(f"/lots/{lot.id}/evaluate").text
    assert 'id="withdrawn"' in shown and "曾任投标人技术顾问" in shown and 'id="bids"' not in shown


def test_the_officer_sees_the_committee_short_and_draws_a_replacement(client, page_login, world, session, clock):
    lot = world.lot
    evaluation.declare(session, clock, world.experts[0], lot.id, False, "前雇主")
    token = csrf_token(page_login(client, world.officer.username))
    overview = client.get(f"/lots/{lot.id}/evaluation").text
    assert 'id="committee-short"' in overview and f'action="/lots/{lot.id}/evaluation/replacement"' in overview
    bad = client.post(f"/lots/{lot.id}/evaluation/replacement", data={"_csrf_token": token, "seed": "四十二"},
                      follow_redirects=False)
    assert bad.status_code == 400 and "seed" in bad.text
    assert client.post(f"/lots/{lot.id}/evaluation/replacement", data={"seed": "42"},
                       follow_redirects=False).status_code == 403  # no CSRF token
    done = client.post(f"/lots/{lot.id}/evaluation/replacement", data={"_csrf_token": token, "seed": "42"},
                       follow_redirects=False)
    assert done.status_code in (302, 303) and done.headers["location"] == f"/lots/{lot.id}/evaluation"
    overview = client.get(f"/lots/{lot.id}/evaluation").text
    assert 'id="committee-short"' not in overview and "42" in overview
    again = client.post(f"/lots/{lot.id}/evaluation/replacement", data={"_csrf_token": token},
                        follow_redirects=False)
    assert again.status_code == 409 and 'id="page-error"' in again.text


def test_a_member_sees_their_view_and_the_committees_count(client, page_login, world, session, clock):
    lot, bids = world.lot, world.bids
    members = world.experts[:5]
    for m in members:
        evaluation.declare(session, clock, m, lot.id, True)
    evaluation.record_compliance(session, clock, members[1], lot.id, bids[0].id, True, "")
    token = csrf_token(page_login(client, members[0].username))
    answer = client.post(f"/lots/{lot.id}/evaluate/compliance",
                         data={"_csrf_token": token, "bid_id": str(bids[0].id), "compliant": "no", "reason": "资质不符"},
                         follow_redirects=False)
    assert answer.status_code in (302, 303)
    shown = client.get(f"/lots/{lot.id}/evaluate").text
    row = shown[shown.index(f'id="bid-{bids[0].id}"'):]
    row = row[:row.index("</tr>")]
    assert "资质不符" in row and "2" in row[row.index("committee-result"):]

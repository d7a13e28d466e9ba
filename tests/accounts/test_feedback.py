"""After an action, the page it leads to says once what was done (issue 14): in the reader's
language, from a signed cookie no other site can forge; registration ends on a page that says
what happens next."""

from __future__ import annotations

from tests.conftest import csrf_token
from tests.factories import ContractorFactory, UserFactory


def test_an_action_is_confirmed_once_in_the_readers_language(client, page_login, session):
    company = ContractorFactory(state="pending")
    officer = UserFactory(role="officer")
    session.commit()
    page_login(client, officer.username)
    answer = client.post(f"/contractors/{company.id}/decide", follow_redirects=False,
                         data={"decision": "approve", "confirm_uscc": "on", "_csrf_token": csrf_token(client, "/contractors")})
    assert answer.status_code in (302, 303) and answer.headers["location"] == "/contractors"
    shown = client.get("/contractors")
    assert '<p class="ok done" role="status" id="done">✓ 已通过：该单位现在可以投标。</p>' in shown.text
    assert 'id="done"' not in client.get("/contractors").text  # said once


def test_a_forged_or_altered_message_is_not_shown(client, page_login, session):
    officer = UserFactory(role="officer")
    session.commit()
    page_login(client, officer.username)
    client.cookies.set("procure_done", "VGhlIHRlbmRlciBpcyBwdWJsaXNoZWQu.000000000000000000000000")
    assert 'id="done"' not in client.get("/contractors").text
    client.cookies.set("procure_done", "not base64!.abc")
    assert client.get("/contractors").status_code == 200


def test_registration_ends_on_a_page_that_says_what_happens_next(client):
    form = {"username": "lvcheng", "password": "a-long-enough-password", "company_name": "杭州绿城养护有限公司",
            "uscc": "91330110MA2H3K5P1X", "contact_name": "王五", "contact_phone": "13800000000",
            "contact_email": "x@example.cn", "address": "杭州", "uscc_confirm": "on",
            "_csrf_token": csrf_token(client, "/register")}
    answer = client.post("/register", data=form, follow_redirects=False)
    assert answer.status_code in (302, 303), answer.text[:500]
    client.cookies.set("procure_lang", "en")
    page = client.get(answer.headers["location"])
    assert page.status_code == 200 and "Registration submitted" in page.text and "awaiting the bureau" in page.text

from tests.conftest import csrf_token
from tests.factories import JurisdictionFactory, SiteFactory, UserFactory


def attempt_login(client, username, password="password-123", next_url="/"):
    """The login form's answer itself (these tests are about it); to be logged in, use ``page_login``."""
    return client.post("/login", data={"username": username, "password": password, "next": next_url,
                                       "_csrf_token": csrf_token(client)}, follow_redirects=False)


def test_login_page_is_chinese_by_default_and_switches_to_english(client):
    assert "登录" in client.get("/login").text
    switched = client.get("/lang/en", headers={"referer": "http://testserver.local/login"}, follow_redirects=False)
    assert switched.headers["location"] == "/login"
    client.cookies.set("procure_lang", "en")
    assert "Log in" in client.get("/login").text


def test_each_role_lands_on_its_home(client, session):
    street = JurisdictionFactory(name="仓前街道")
    SiteFactory(jurisdiction=street, name="待移交公园", not_handed_over=True)
    for role in ("officer", "contractor", "evaluator", "inspector", "finance", "admin"):
        UserFactory(username=f"home-{role}", role=role, jurisdiction=street if role == "inspector" else None)
    session.commit()
    expectations = {"officer": "待移交公园", "inspector": "仓前街道", "finance": "待您审批的支付单",
                    "admin": "审计日志", "contractor": "养护单位", "evaluator": "评标专家"}
    for role, text in expectations.items():
        client.cookies.clear()
        response = attempt_login(client, f"home-{role}")
        assert response.status_code in (302, 303) and response.headers["location"] == "/"
        home = client.get("/")
        assert home.status_code == 200 and text in home.text, role


def test_wrong_password_shows_a_clear_message_and_no_session(client, session):
    UserFactory(username="page-user")
    session.commit()
    response = attempt_login(client, "page-user", "wrong")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "procure_session" not in response.cookies


def test_the_wait_is_told_on_the_login_page(client, session):
    UserFactory(username="locked-page")
    session.commit()
    for _ in range(5):
        attempt_login(client, "locked-page", "wrong")
    response = attempt_login(client, "locked-page", "wrong")
    assert response.status_code == 429 and "秒后再试" in response.text


def test_logging_out_revokes_the_cookie_itself(client, session, page_login):
    """A copy of the session cookie (another tab, a stolen copy) stops working at logout."""
    UserFactory(username="copier")
    session.commit()
    page_login(client, "copier")
    copied = client.cookies.get("procure_session")
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/")}, follow_redirects=False)
    client.cookies.set("procure_session", copied)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_logout_ends_the_session(client, session, page_login):
    UserFactory(username="bye")
    session.commit()
    page_login(client, "bye")
    assert client.get("/", follow_redirects=False).status_code == 200
    token = csrf_token(client, "/")
    client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_post_without_csrf_token_is_refused(client, session):
    UserFactory(username="csrf")
    session.commit()
    client.get("/login")
    response = client.post("/login", data={"username": "csrf", "password": "password-123"}, follow_redirects=False)
    assert response.status_code == 403


def test_pages_redirect_to_login_and_back(client, session):
    UserFactory(username="deep")
    session.commit()
    response = client.get("/sites?kind=park", follow_redirects=False)
    assert response.headers["location"] == "/login?next=/sites%3Fkind%3Dpark"
    assert attempt_login(client, "deep", next_url="/sites?kind=park").headers["location"] == "/sites?kind=park"


def test_next_cannot_send_the_user_elsewhere(client, session):
    UserFactory(username="phish")
    session.commit()
    assert attempt_login(client, "phish", next_url="//evil.example/x").headers["location"] == "/"
    client.cookies.clear()
    assert attempt_login(client, "phish", next_url="https://evil.example/").headers["location"] == "/"


def test_admin_manages_users_on_pages(client, session, page_login):
    UserFactory(username="root", role="admin")
    target = UserFactory(username="worker", role="inspector")
    JurisdictionFactory(code="330110002", name="仓前街道")
    session.commit()
    page_login(client, "root")
    token = csrf_token(client, "/admin/users")
    created = client.post("/admin/users", data={"username": "new-fin", "password": "finance-2026", "role": "finance",
                                                  "display_name": "新财务", "jurisdiction_code": "",
                                                  "_csrf_token": token}, follow_redirects=False)
    assert created.status_code in (302, 303)
    assert "新财务" in client.get("/admin/users").text
    bad = client.post("/admin/users", data={"username": "x", "password": "short", "role": "finance",
                                            "_csrf_token": token})
    assert bad.status_code == 400 and "8" in bad.text
    edited = client.post(f"/admin/users/{target.id}", data={"role": "officer", "display_name": "调岗",
                                                            "jurisdiction_code": "330110002", "_csrf_token": token},
                         follow_redirects=False)
    assert edited.status_code in (302, 303)
    session.refresh(target)
    assert target.role == "officer" and target.jurisdiction.code == "330110002" and target.active is False


def test_audit_page_verifies_the_chain(client, session, page_login):
    UserFactory(username="auditor", role="admin")
    session.commit()
    page_login(client, "auditor")
    page = client.get("/admin/audit?verify=true")
    assert page.status_code == 200 and "完好" in page.text

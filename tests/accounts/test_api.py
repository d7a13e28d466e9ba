
from tests.conftest import api_login
from tests.factories import UserFactory


def test_token_me_and_role(client, session):
    UserFactory(username="li", role="finance", display_name="李财务")
    session.commit()
    response = client.post("/api/v1/auth/token", json={"username": "li", "password": "password-123"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["role"] == "finance"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "li" and me.json()["role"] == "finance"


def test_wrong_password_is_401_with_a_message(client, session):
    UserFactory(username="zhao")
    session.commit()
    response = client.post("/api/v1/auth/token", json={"username": "zhao", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["detail"] == "用户名或密码错误。"
    english = client.post("/api/v1/auth/token", json={"username": "zhao", "password": "nope"},
                          headers={"Accept-Language": "en"})
    assert english.json()["detail"] == "Wrong username or password."


def test_expired_token_is_401_and_says_so(client, session, clock):
    UserFactory(username="old")
    session.commit()
    headers = api_login(client, "old")
    clock.advance(hours=9)
    response = client.get("/api/v1/auth/me", headers=headers | {"Accept-Language": "en"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_no_token_and_garbage_token(client):
    assert client.get("/api/v1/sites").status_code == 401
    response = client.get("/api/v1/sites", headers={"Authorization": "Bearer abc.def"})
    assert response.status_code == 401 and response.json()["detail"]


def test_session_cookie_is_not_accepted_by_the_api(client, session):
    """Pages use the cookie; the API only bearer tokens — so the API needs no CSRF defence."""
    UserFactory(username="cookie")
    session.commit()
    token = client.post("/api/v1/auth/token", json={"username": "cookie", "password": "password-123"}).json()
    client.cookies.set("procure_session", token["access_token"])
    assert client.get("/api/v1/auth/me").status_code == 401


def test_contractor_calling_an_officer_endpoint_gets_403_json(client, as_role):
    headers = as_role("contractor")
    response = client.post("/api/v1/sites", json={}, headers=headers)
    assert response.status_code == 403
    assert response.json()["status_code"] == 403 and response.json()["detail"]
    assert client.get("/api/v1/sites", headers=headers).status_code == 403


def test_only_admins_create_users(client, as_role, session):
    officer = as_role("officer")
    payload = {"username": "new.inspector", "password": "inspect-2026", "role": "inspector"}
    assert client.post("/api/v1/users", json=payload, headers=officer).status_code == 403
    admin = as_role("admin")
    created = client.post("/api/v1/users", json=payload, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["id"] and created.json()["role"] == "inspector"
    assert api_login(client, "new.inspector", "inspect-2026")
    duplicate = client.post("/api/v1/users", json=payload, headers=admin)
    assert duplicate.status_code == 409


def test_admin_deactivates_a_user_and_their_token_stops_working(client, as_role, session):
    target = UserFactory(username="leaving", role="inspector")
    session.commit()
    their_headers = api_login(client, "leaving")
    admin = as_role("admin")
    response = client.patch(f"/api/v1/users/{target.id}", json={"active": False}, headers=admin)
    assert response.status_code == 200 and response.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=their_headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "leaving", "password": "password-123"}).status_code == 401


def test_throttling_through_the_api(client, session, clock):
    UserFactory(username="guess")
    session.commit()
    codes = [client.post("/api/v1/auth/token", json={"username": "guess", "password": "x"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]
    waiting = client.post("/api/v1/auth/token", json={"username": "guess", "password": "password-123"})
    assert waiting.status_code == 429 and waiting.headers["retry-after"] == "1"
    clock.advance(seconds=1)
    assert client.post("/api/v1/auth/token", json={"username": "guess", "password": "password-123"}).status_code == 200


def test_logging_out_ends_the_token(client, session):
    UserFactory(username="leaver")
    session.commit()
    token = client.post("/api/v1/auth/token", json={"username": "leaver", "password": "password-123"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_invalid_json_is_400_not_500(client):
    response = client.post("/api/v1/auth/token", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert client.post("/api/v1/auth/token", json={"username": "a"}).status_code == 400


def test_openapi_schema_lists_the_api(client):
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/sites" in schema["paths"] and "/api/v1/auth/token" in schema["paths"]
    assert "/login" not in schema["paths"]


def test_token_lifetime_is_eight_hours(client, session, clock):
    UserFactory(username="day")
    session.commit()
    headers = api_login(client, "day")
    clock.advance(hours=7, minutes=59)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.advance(minutes=1)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_username_with_a_nul_byte_is_just_a_wrong_login(client):
    response = client.post("/api/v1/auth/token", json={"username": "a\x00b", "password": "whatever-it-is"})
    assert response.status_code == 401

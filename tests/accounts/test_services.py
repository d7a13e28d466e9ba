import pytest

from procure.accounts import services
from procure.audit.services import SYSTEM
from procure.kernel.errors import Conflict, InvalidInput, NotAuthenticated, TooManyAttempts
from tests.factories import PASSWORD, JurisdictionFactory, UserFactory


def test_failed_logins_slow_the_guesser_not_the_account_holder(session, clock):
    """Growing waits per (address, account) after five failures; the holder from another
    address is not locked out (anyone could otherwise lock finance out)."""
    user = UserFactory(username="wang")
    session.commit()
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            services.authenticate(session, clock, "wang", "wrong", "10.0.0.9")
    with pytest.raises(TooManyAttempts) as info:  # even the right password waits its turn
        services.authenticate(session, clock, "wang", PASSWORD, "10.0.0.9")
    assert info.value.status_code == 429 and info.value.params["seconds"] == 1
    assert services.authenticate(session, clock, "wang", PASSWORD, "10.0.0.1").id == user.id
    clock.advance(seconds=1)
    assert services.authenticate(session, clock, "wang", PASSWORD, "10.0.0.9").id == user.id


def test_the_wait_grows_with_each_further_failure(session, clock):
    UserFactory(username="li")
    session.commit()
    waits = []
    for _ in range(11):
        try:
            services.authenticate(session, clock, "li", "wrong", "10.0.0.9")
        except TooManyAttempts as exc:
            waits.append(exc.params["seconds"])
            clock.advance(seconds=exc.params["seconds"])
        except NotAuthenticated:
            pass
    assert waits == [1, 2, 4]


def test_an_unknown_user_is_throttled_exactly_like_a_real_one(session, clock):
    UserFactory(username="real")
    session.commit()
    answers = {}
    for name in ("real", "ghost"):
        for _ in range(5):
            with pytest.raises(NotAuthenticated):
                services.authenticate(session, clock, name, "wrong", "10.0.0.7")
        with pytest.raises(TooManyAttempts) as info:
            services.authenticate(session, clock, name, "wrong", "10.0.0.7")
        answers[name] = (info.value.message, info.value.params)
    assert answers["real"] == answers["ghost"]


def test_unknown_user_and_inactive_user_get_the_same_answer(session, clock):
    UserFactory(username="gone", active=False)
    session.commit()
    for name in ("gone", "nobody"):
        with pytest.raises(NotAuthenticated) as info:
            services.authenticate(session, clock, name, PASSWORD)
        assert info.value.message == "Wrong username or password."


def test_create_user_validates_everything(session, clock):
    with pytest.raises(InvalidInput) as info:
        services.create_user(session, clock, SYSTEM, username="bad name", password="short", role="officer")
    assert {e["field"] for e in info.value.errors} == {"username", "password"}
    with pytest.raises(InvalidInput):
        services.create_user(session, clock, SYSTEM, username="x1", password="long-enough-pw", role="king")
    with pytest.raises(InvalidInput):
        services.create_user(session, clock, SYSTEM, username="x2", password="long-enough-pw", role="officer",
                             jurisdiction_code="000")


def test_usernames_are_unique_regardless_of_case(session, clock):
    UserFactory(username="Officer7")
    session.commit()
    with pytest.raises(Conflict):
        services.create_user(session, clock, SYSTEM, username="officer7", password="long-enough-pw", role="officer")


def test_deactivation_ends_existing_tokens(session, clock):
    admin = UserFactory(admin=True)
    user = UserFactory(inspector=True, jurisdiction=JurisdictionFactory())
    session.commit()
    token = services.issue_token(session, clock, user, "api", 3600)
    session.commit()
    assert services.user_for_token(session, clock, token, "api").role == "inspector"
    services.update_user(session, clock, services.CurrentUser.of(admin).actor, user.id, {"active": False})
    with pytest.raises(NotAuthenticated):
        services.user_for_token(session, clock, token, "api")


def test_a_password_change_and_a_logout_end_logins(session, clock):
    admin = UserFactory(admin=True)
    user = UserFactory(username="zhou")
    session.commit()
    first, second = (services.issue_token(session, clock, user, "session", 3600) for _ in range(2))
    session.commit()
    services.log_out(session, clock, first)
    with pytest.raises(NotAuthenticated):
        services.user_for_token(session, clock, first, "session")
    assert services.user_for_token(session, clock, second, "session").id == user.id
    services.update_user(session, clock, services.CurrentUser.of(admin).actor, user.id, {"password": "a-new-pass-2026"})
    with pytest.raises(NotAuthenticated):
        services.user_for_token(session, clock, second, "session")


def test_a_token_is_stored_only_as_its_digest(session, clock):
    from sqlalchemy import text

    user = UserFactory()
    session.commit()
    token = services.issue_token(session, clock, user, "api", 3600)
    session.commit()
    stored = session.execute(text("SELECT token_hash FROM login_session")).scalars().all()
    assert token not in stored and len(stored[-1]) == 64


def test_admin_cannot_deactivate_themselves(session, clock):
    admin = UserFactory(admin=True)
    session.commit()
    with pytest.raises(InvalidInput):
        services.update_user(session, clock, services.CurrentUser.of(admin).actor, admin.id, {"active": False})

import pytest

from procure.accounts import services
from procure.audit.services import SYSTEM
from procure.errors import AccountLocked, Conflict, InvalidInput, NotAuthenticated
from tests.factories import PASSWORD, JurisdictionFactory, UserFactory


def test_login_lockout_after_five_failures_and_release_after_15_minutes(session, clock):
    user = UserFactory(username="wang")
    session.commit()
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            services.authenticate(session, clock, "wang", "wrong")
    with pytest.raises(AccountLocked):
        services.authenticate(session, clock, "wang", "wrong")
    # Locked: even the right password is refused.
    with pytest.raises(AccountLocked):
        services.authenticate(session, clock, "wang", PASSWORD)
    clock.advance(minutes=15)
    assert services.authenticate(session, clock, "wang", PASSWORD).id == user.id
    assert user.failed_logins == 0 and user.locked_until is None


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
        services.create_user(session, clock, SYSTEM, username="x1", password="long-enough", role="king")
    with pytest.raises(InvalidInput):
        services.create_user(session, clock, SYSTEM, username="x2", password="long-enough", role="officer",
                             jurisdiction_code="000")


def test_usernames_are_unique_regardless_of_case(session, clock):
    UserFactory(username="Officer7")
    session.commit()
    with pytest.raises(Conflict):
        services.create_user(session, clock, SYSTEM, username="officer7", password="long-enough", role="officer")


def test_deactivation_ends_existing_tokens(session, clock):
    admin = UserFactory(admin=True)
    user = UserFactory(inspector=True, jurisdiction=JurisdictionFactory())
    session.commit()
    token = services.issue_token("s", clock, user, "api", 3600)
    assert services.user_for_token(session, "s", clock, token, "api").role == "inspector"
    services.update_user(session, clock, services.CurrentUser.of(admin).actor, user.id, {"active": False})
    with pytest.raises(NotAuthenticated):
        services.user_for_token(session, "s", clock, token, "api")


def test_admin_cannot_deactivate_themselves(session, clock):
    admin = UserFactory(admin=True)
    session.commit()
    with pytest.raises(InvalidInput):
        services.update_user(session, clock, services.CurrentUser.of(admin).actor, admin.id, {"active": False})

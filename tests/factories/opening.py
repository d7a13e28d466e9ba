"""Opening officials (开标人) for factory tenders, with private keys the tests hold.

Three officials per published tender, k = 2, as ``tendering.services.publish`` would fix them:
their P-256 keys are made once per test process (``OFFICIAL_KEYS``), so an opening in a test is
what it is in production: two officials decrypt their own shares and present them
(``procure.bidding.clients.present_with_key``).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from procure.accounts.services import CurrentUser
from procure.bidding import sealing
from procure.tendering.models import OpeningHolder, Tender
from tests.factories.accounts import UserFactory

#: The officials' private keys, one per seat (the same three keys on every factory tender).
OFFICIAL_KEYS: list[ec.EllipticCurvePrivateKey] = [sealing.new_opening_key() for _ in range(3)]
THRESHOLD = 2
#: user id → private key, for every official a factory seated.
PRIVATE_KEYS: dict[int, ec.EllipticCurvePrivateKey] = {}


def seat_officials(tender: Tender, keys: list[ec.EllipticCurvePrivateKey] | None = None, threshold: int = THRESHOLD) -> None:
    keys = keys or OFFICIAL_KEYS
    tender.opening_threshold = threshold
    for position, private in enumerate(keys, start=1):
        user = UserFactory(role="officer", display_name=f"开标人{position}")
        raw = sealing.public_point(private.public_key())
        PRIVATE_KEYS[user.id] = private
        tender.holders.append(OpeningHolder(user_id=user.id, position=position, public_key=sealing.b64(raw),
                                            fingerprint=sealing.fingerprint(raw), display_name=user.display_name))


def officials(tender: Tender) -> list[tuple[CurrentUser, ec.EllipticCurvePrivateKey]]:
    """The tender's officials as logged-in users, each with their private key."""
    from procure.accounts.models import User  # the session is the factory's, bound per test
    from tests.factories.accounts import UserFactory as _Users

    session = _Users._meta.sqlalchemy_session
    return [(CurrentUser.of(session.get_one(User, h.user_id)), PRIVATE_KEYS[h.user_id]) for h in tender.holders]

"""A small audit chain, and the ways someone with only the database could tamper with it.

Each tampering works on a SQLAlchemy ``Connection`` with plain SQL (Core), as an intruder or a
careless DBA would, and returns the id of the entry ``verify`` must name (None: rows are gone).
The same functions serve the service tests (the test's own transaction) and the CLI tests (a
scratch database, committed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from procure.accounts import services as accounts
from procure.audit import services as audit
from procure.audit.models import AuditEntry
from procure.audit.rules import GENESIS, KEYED, LEGACY, canonical, entry_mac, legacy_hash
from procure.audit.services import SYSTEM, Actor
from procure.kernel.clock import Clock

TABLE = AuditEntry.__table__
WRONG_KEY = b"a key that is not the audit key at all"
#: A tender id no tender has: entries about it stay sealed.
SEALED_TENDER = 424242


@dataclass(frozen=True)
class Chain:
    ids: list[int]
    #: ids of the user accounts the entries name (actor_id)
    officer_id: int
    other_id: int
    sealed_id: int


def build_chain(session: Session, clock: Clock) -> Chain:
    """Two users (their creation is audited too), then entries by one of them, one about a sealed bid."""
    officer = accounts.create_user(session, clock, SYSTEM, username="audit-officer", password="officer-pass-1",
                                   role="officer")
    other = accounts.create_user(session, clock, SYSTEM, username="audit-other", password="other-pass-12",
                                 role="officer")
    actor = Actor(officer.id, officer.username)
    for i in range(4):
        audit.record(session, clock, actor, "site.update", "site", i, {"name": f"旧{i}"}, {"name": f"新{i}"})
    sealed = audit.record(session, clock, actor, "bid.submit", "bid", 7, None, {"lot": 1},
                          sealed_tender_id=SEALED_TENDER)
    audit.record(session, clock, actor, "site.update", "site", 9, None, {"area_m2": "1200.00"})
    session.commit()
    ids = list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    return Chain(ids, officer.id, other.id, sealed.id)


def rows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(TABLE).order_by(TABLE.c.id)).mappings()]


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "at", "actor_id", "actor_name", "action", "entity", "entity_id", "before",
                                "after", "sealed_tender_id")}


def _append(conn: Connection, make_hash: Callable[[str, dict[str, Any]], str], scheme: str = KEYED) -> int:
    last = rows(conn)[-1]
    new = {"id": last["id"] + 1, "at": last["at"] + timedelta(minutes=1), "actor_id": None, "actor_name": "system",
           "action": "payment.approve", "entity": "payment_statement", "entity_id": "1", "before": None,
           "after": {"amount": "999999.00"}, "sealed_tender_id": None}
    conn.execute(TABLE.insert().values(**new, prev_hash=last["hash"], hash=make_hash(last["hash"], new), scheme=scheme))
    return new["id"]


def _plain(prev: str, f: dict[str, Any]) -> str:
    return legacy_hash(prev, at=f["at"], actor_name=f["actor_name"], action=f["action"], entity=f["entity"],
                       entity_id=f["entity_id"], before=f["before"], after=f["after"])


def _reseal_from(conn: Connection, key: bytes, first_id: int) -> None:
    """Recompute every MAC from ``first_id`` on, linking each row to the one before: what a rewrite of
    history after an edit looks like (with the right key only the bureau's own key holder can)."""
    prev = GENESIS
    for row in rows(conn):
        if row["id"] >= first_id:
            mac = entry_mac(key, prev, **_fields(row))
            conn.execute(update(TABLE).where(TABLE.c.id == row["id"]).values(prev_hash=prev, hash=mac))
            prev = mac
        else:
            prev = row["hash"]


# --- the tamperings -----------------------------------------------------------------------------


def edit_middle(conn: Connection, chain: Chain) -> int:
    victim = chain.ids[len(chain.ids) // 2]
    conn.execute(update(TABLE).where(TABLE.c.id == victim).values(after={"name": "改过的"}))
    return victim


def delete_middle(conn: Connection, chain: Chain) -> int:
    victim = chain.ids[len(chain.ids) // 2]
    conn.execute(delete(TABLE).where(TABLE.c.id == victim))
    return chain.ids[len(chain.ids) // 2 + 1]


def delete_last(conn: Connection, chain: Chain) -> None:
    conn.execute(delete(TABLE).where(TABLE.c.id >= chain.ids[-2]))


def delete_all(conn: Connection, chain: Chain) -> None:
    conn.execute(delete(TABLE))


def append_plain_sha256(conn: Connection, chain: Chain) -> int:
    """A row hashed the old way, correctly: SHA-256 needs no key."""
    return _append(conn, _plain, scheme=LEGACY)


def append_plain_sha256_as_keyed(conn: Connection, chain: Chain) -> int:
    """A correctly computed SHA-256 of the whole canonical row, labelled as a keyed row."""
    return _append(conn, lambda prev, f: hashlib.sha256(canonical([prev, *f.values()]).encode()).hexdigest())


def append_wrong_key(conn: Connection, chain: Chain) -> int:
    return _append(conn, lambda prev, f: entry_mac(WRONG_KEY, prev, **f))


def rehash_after_edit_wrong_key(conn: Connection, chain: Chain) -> int:
    victim = edit_middle(conn, chain)
    _reseal_from(conn, WRONG_KEY, victim)
    return victim


def change_actor_id(conn: Connection, chain: Chain) -> int:
    victim = chain.ids[-1]
    conn.execute(update(TABLE).where(TABLE.c.id == victim).values(actor_id=chain.other_id))
    return victim


def clear_sealed_tender_id(conn: Connection, chain: Chain) -> int:
    """Unhiding an entry about a sealed bid before its opening."""
    conn.execute(update(TABLE).where(TABLE.c.id == chain.sealed_id).values(sealed_tender_id=None))
    return chain.sealed_id


def set_sealed_tender_id(conn: Connection, chain: Chain) -> int:
    """Hiding an entry from every audit view by marking it sealed."""
    victim = chain.ids[-1]
    conn.execute(update(TABLE).where(TABLE.c.id == victim).values(sealed_tender_id=SEALED_TENDER))
    return victim


def reseal_after_edit_with_the_key(key: bytes) -> Callable[[Connection, Chain], int]:
    """The key holder edits a row and rebuilds the chain: MACs verify; only an anchor shows it."""

    def tamper(conn: Connection, chain: Chain) -> int:
        victim = edit_middle(conn, chain)
        _reseal_from(conn, key, victim)
        return chain.ids[-1]  # the anchored (last) row is the one found with another MAC

    return tamper


#: name → (tampering, words the reason must contain, whether it shows without an anchor)
CASES: dict[str, tuple[Callable[[Connection, Chain], int | None], str, bool]] = {
    "edit a middle row": (edit_middle, "does not match its MAC", True),
    "delete a middle row": (delete_middle, "prev_hash does not match", True),
    "delete the last rows": (delete_last, "deleted from its end", False),
    "delete every row": (delete_all, "deleted from its end", False),
    "append a plain SHA-256 row": (append_plain_sha256, "unkeyed SHA-256 row after keyed rows", True),
    "append a SHA-256 row labelled keyed": (append_plain_sha256_as_keyed, "does not match its MAC", True),
    "append a row MAC'd with a wrong key": (append_wrong_key, "does not match its MAC", True),
    "re-hash every row after an edit, wrong key": (rehash_after_edit_wrong_key, "does not match its MAC", True),
    "change actor_id": (change_actor_id, "does not match its MAC", True),
    "clear sealed_tender_id": (clear_sealed_tender_id, "does not match its MAC", True),
    "set sealed_tender_id": (set_sealed_tender_id, "does not match its MAC", True),
}

"""Writing and verifying the audit trail. Callers record inside their own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from procure.audit.models import AuditEntry
from procure.audit.rules import GENESIS, ChainLink, ChainVerdict, canonical, entry_hash, verify_chain
from procure.clock import Clock
from procure.pagination import Page, PageRequest


@dataclass(frozen=True)
class Actor:
    """Who did it: a user, or the system itself (clock-driven changes, the demo loader)."""

    id: int | None
    name: str


SYSTEM = Actor(None, "system")

# Two writers must never chain onto the same previous row. PostgreSQL: a transaction-scoped
# advisory lock serialises appends; SQLite has a single writer per database anyway.
_AUDIT_LOCK_KEY = 0x50524F43  # "PROC"


def record(session: Session, clock: Clock, actor: Actor, action: str, entity: str, entity_id: Any,
           before: dict | None = None, after: dict | None = None) -> AuditEntry:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    session.flush()
    prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    at = clock()
    before, after = _jsonable(before), _jsonable(after)
    entry = AuditEntry(
        at=at, actor_id=actor.id, actor_name=actor.name, action=action, entity=entity,
        entity_id=str(entity_id), before=before, after=after, prev_hash=prev,
        hash=entry_hash(prev, at=at, actor_name=actor.name, action=action, entity=entity,
                        entity_id=str(entity_id), before=before, after=after),
    )
    session.add(entry)
    session.flush()
    return entry


def _jsonable(value: dict | None) -> dict | None:
    """Round-trip through the canonical JSON form so what is hashed is exactly what is stored."""
    return None if value is None else json.loads(canonical(value))


def _links(session: Session, batch: int = 1000) -> Iterator[ChainLink]:
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield ChainLink(row.id, row.at, row.actor_name, row.action, row.entity, row.entity_id,
                            row.before, row.after, row.prev_hash, row.hash)
        last_id = rows[-1].id
        session.expunge_all()


def verify(session: Session) -> ChainVerdict:
    return verify_chain(_links(session))


def _unsealed() -> Any:
    """Entries about sealed bids stay hidden until their tender is opened (招标投标法 第22条)."""
    from procure.tendering.models import Tender

    opened = select(Tender.id).where(Tender.opened_at.is_not(None))
    return AuditEntry.sealed_tender_id.is_(None) | AuditEntry.sealed_tender_id.in_(opened)


def visible_entries() -> Any:
    """The condition for entries anyone may see (see ``_unsealed``)."""
    return _unsealed()


def count(session: Session) -> int:
    """Visible entries (what the audit pages show)."""
    return session.scalar(select(func.count()).select_from(AuditEntry).where(_unsealed())) or 0


def entries_for(session: Session, entity: str, entity_id: Any, limit: int = 50) -> list[AuditEntry]:
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id), _unsealed())
        .order_by(AuditEntry.id.desc()).limit(limit)
    ))


def list_entries(session: Session, paging: PageRequest) -> Page[AuditEntry]:
    """Newest first."""
    rows = list(session.scalars(select(AuditEntry).where(_unsealed()).order_by(AuditEntry.id.desc())
                                .offset(paging.offset).limit(paging.per_page)))
    return Page(rows, count(session), paging)


def record_many(session: Session, clock: Clock, actor: Actor,
                rows: list[tuple[str, str, Any, dict | None, dict | None]]) -> None:
    """Append several entries in one go — one look-up of the chain's end, one insert — for batch
    work such as a month's payment run (no query per row)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    session.flush()
    prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    at = clock()
    entries = []
    for action, entity, entity_id, before, after in rows:
        before, after = _jsonable(before), _jsonable(after)
        digest = entry_hash(prev, at=at, actor_name=actor.name, action=action, entity=entity, entity_id=str(entity_id),
                            before=before, after=after)
        entries.append({"at": at, "actor_id": actor.id, "actor_name": actor.name, "action": action, "entity": entity,
                        "entity_id": str(entity_id), "before": before, "after": after, "prev_hash": prev,
                        "hash": digest})
        prev = digest
    session.execute(AuditEntry.__table__.insert(), entries)

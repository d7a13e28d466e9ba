"""Writing and verifying the audit trail. Callers record inside their own transaction.

The MAC key comes with the session (``session.info[procure.kernel.db.AUDIT_KEY]``, set by ``Database``
from the settings), so no caller of ``record`` ever handles it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, event, func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session, object_session

from procure.audit.models import AuditEntry
from procure.audit.rules import (
    GENESIS, KEYED, Anchor, ChainHead, ChainLink, ChainVerdict, action_text, canonical, entity_text, entry_mac, link_mac,
    verify_chain,
)
from procure.kernel.clock import BUREAU_TZ, Clock, day_start
from procure.kernel.i18n import gettext
from procure.kernel.errors import NotFound
from procure.kernel.db import AUDIT_KEY
from procure.kernel.hooks import Port
from procure.kernel.pagination import Page, PageRequest


@dataclass(frozen=True)
class Actor:
    """Who did it: a user, or the system itself (clock-driven changes, the demo loader)."""

    id: int | None
    name: str


SYSTEM = Actor(None, "system")

# Two writers must never chain onto the same previous row. PostgreSQL: a transaction-scoped
# advisory lock serialises appends; SQLite has a single writer per database anyway.
_AUDIT_LOCK_KEY = 0x50524F43  # "PROC"


class AuditRowsAreAppendOnly(RuntimeError):
    """Code tried to change an audit row after it was written."""


def audit_key(session: Session) -> bytes:
    key = session.info.get(AUDIT_KEY)
    if not key:
        raise RuntimeError("this session has no audit key: build sessions with procure.kernel.db.Database")
    return key


def _chain_end(session: Session, new_rows: int) -> tuple[str, list[int]]:
    """Take the append lock; return the chain's last MAC and the ids the new rows will have.

    The id is part of the MAC, so it is chosen before the insert: PostgreSQL draws it from the
    column's sequence; on SQLite it is what the database itself would pick (the largest + 1)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY})
    session.flush()
    last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    if session.get_bind().dialect.name == "postgresql":
        ids = sorted(session.scalars(text("SELECT nextval(pg_get_serial_sequence('audit_entry', 'id')) "
                                          "FROM generate_series(1, :n)"), {"n": new_rows}))
    else:
        start = (last.id if last else 0) + 1
        ids = list(range(start, start + new_rows))
    return (last.hash if last else GENESIS), ids


def record(session: Session, clock: Clock, actor: Actor, action: str, entity: str, entity_id: int | str,
           before: dict | None = None, after: dict | None = None, *, sealed_tender_id: int | None = None) -> AuditEntry:
    key = audit_key(session)
    prev, (entry_id,) = _chain_end(session, 1)
    at = clock()
    before, after = _jsonable(before), _jsonable(after)
    entry = AuditEntry(
        id=entry_id, at=at, actor_id=actor.id, actor_name=actor.name, action=action, entity=entity,
        entity_id=str(entity_id), before=before, after=after, sealed_tender_id=sealed_tender_id, prev_hash=prev,
        scheme=KEYED,
        hash=entry_mac(key, prev, id=entry_id, at=at, actor_id=actor.id, actor_name=actor.name, action=action,
                       entity=entity, entity_id=str(entity_id), before=before, after=after,
                       sealed_tender_id=sealed_tender_id),
    )
    session.add(entry)
    session.flush()
    return entry


@event.listens_for(AuditEntry, "before_update")
def _only_sealing_the_newest_row(_mapper: Mapper[Any], connection: Connection, entry: AuditEntry) -> None:
    """Audit rows are never changed — with one exception: bidding marks the entry it has just
    written as sealed (``sealed_tender_id``). That column is MAC'd, so the MAC is made again; this
    is safe only while no row chains onto it yet, i.e. for the chain's newest row, not yet sealed."""
    state = inspect(entry)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if not changed:  # marked dirty but nothing differs: no UPDATE is issued
        return
    if changed != {"sealed_tender_id"}:
        raise AuditRowsAreAppendOnly(f"audit entry {entry.id}: {', '.join(sorted(changed))} may not change")
    stored = connection.execute(select(AuditEntry.sealed_tender_id, select(func.max(AuditEntry.id)).scalar_subquery())
                                .where(AuditEntry.id == entry.id)).one()
    if stored[0] is not None or stored[1] != entry.id:
        raise AuditRowsAreAppendOnly(f"audit entry {entry.id} can only be marked sealed while it is the newest, "
                                     "unsealed entry")
    session = object_session(entry)
    assert session is not None
    entry.hash = link_mac(audit_key(session), _link(entry))


def _jsonable(value: dict | None) -> dict | None:
    """Round-trip through the canonical JSON form so what is hashed is exactly what is stored."""
    return None if value is None else json.loads(canonical(value))


def _link(row: AuditEntry) -> ChainLink:
    return ChainLink(row.id, row.at, row.actor_id, row.actor_name, row.action, row.entity, row.entity_id,
                     row.before, row.after, row.sealed_tender_id, row.prev_hash, row.hash, row.scheme)


def _links(session: Session, batch: int = 1000) -> Iterator[ChainLink]:
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield _link(row)
        last_id = rows[-1].id
        session.expunge_all()


def verify(session: Session, anchors: Sequence[Anchor] = ()) -> ChainVerdict:
    """Check every row's link and MAC, and that the chain still holds each earlier head (anchor)."""
    return verify_chain(_links(session), audit_key(session), anchors)


def head(session: Session) -> ChainHead:
    """The whole chain's head: how many rows, the newest one's MAC and time. It counts the entries
    about sealed bids too, so it is for the bureau's own records, never published (see public_head)."""
    rows = select(func.count()).select_from(AuditEntry).scalar_subquery()  # in the same statement: one snapshot
    last = session.execute(select(AuditEntry.hash, AuditEntry.at, rows).order_by(AuditEntry.id.desc()).limit(1)).first()
    return ChainHead(last[2], last.hash, last.at) if last else ChainHead(0, GENESIS, None)


def public_head(session: Session) -> ChainHead:
    """The head anyone may see and mirror: the newest entry that is visible (``visible_entries``).

    Not the newest entry, nor a count: either would change when a bid is sent and so betray it
    before the opening (招标投标法 第22条). This one changes only when a visible entry is written —
    which ``Last-Modified`` already tells — and still anchors every row before it, sealed or not."""
    last = session.execute(select(AuditEntry.hash, AuditEntry.at).where(_unsealed())
                           .order_by(AuditEntry.id.desc()).limit(1)).first()
    return ChainHead(None, last.hash, last.at) if last else ChainHead(None, GENESIS, None)


def write_head_file(directory: Path, day: date, head: ChainHead) -> bool:
    """Publish ``head`` as ``<directory>/<day>.json`` — once: a day's file is never replaced, so
    whoever mirrors the folder holds what the bureau said that day. False if it existed already."""
    target = directory / f"{day.isoformat()}.json"
    if target.exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".head-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"date": day.isoformat(), **head.as_json()}, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        os.chmod(temporary, 0o644)
        try:
            os.link(temporary, target)  # fails if another worker wrote the day's file first
        except FileExistsError:
            return False
    finally:
        os.unlink(temporary)
    return True


#: The ids of tenders whose bids have been opened, as a SQL subquery (tendering provides it: the
#: audit log is earlier in the dependency order than the tenders it records).
opened_tenders: Port[[], Select[int]] = Port("audit.opened_tenders")


def _unsealed() -> ColumnElement[bool]:
    """Entries about sealed bids stay hidden until their tender is opened (招标投标法 第22条)."""
    return AuditEntry.sealed_tender_id.is_(None) | AuditEntry.sealed_tender_id.in_(opened_tenders())


def visible_entries() -> ColumnElement[bool]:
    """The condition for entries anyone may see (see ``_unsealed``)."""
    return _unsealed()


def count(session: Session) -> int:
    """Visible entries (what the audit pages show)."""
    return session.scalar(select(func.count()).select_from(AuditEntry).where(_unsealed())) or 0


def entries_for(session: Session, entity: str, entity_id: int | str, limit: int = 50) -> list[AuditEntry]:
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id), _unsealed())
        .order_by(AuditEntry.id.desc()).limit(limit)
    ))


@dataclass(frozen=True)
class AuditFilter:
    """What the audit viewer narrows to: an object (kind, and id), who, what, and local days."""

    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None  # login or display name, as recorded; a part of it matches
    action: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive

    def conditions(self) -> list[ColumnElement[bool]]:
        where = [_unsealed()]
        if self.entity:
            where.append(AuditEntry.entity == self.entity)
        if self.entity_id:
            where.append(AuditEntry.entity_id == self.entity_id)
        if self.actor:
            like = "%" + self.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(AuditEntry.actor_name.ilike(like, escape="\\"))
        if self.action:
            where.append(AuditEntry.action == self.action)
        if self.since:
            where.append(AuditEntry.at >= day_start(self.since))
        if self.until:
            where.append(AuditEntry.at < day_start(self.until + timedelta(days=1)))
        return where

    def query(self) -> str:
        """The filter as a query string (the pager's and the export's links keep it)."""
        values = {"entity": self.entity, "entity_id": self.entity_id, "actor": self.actor, "action": self.action,
                  "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None}
        return urlencode({k: v for k, v in values.items() if v})


def list_entries(session: Session, paging: PageRequest, where: AuditFilter = AuditFilter()) -> Page[AuditEntry]:
    """Newest first."""
    conditions = where.conditions()
    rows = list(session.scalars(select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
                                .offset(paging.offset).limit(paging.per_page)))
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    return Page(rows, total, paging)


#: The export's ceiling: a year of a district's work is far below it; a bigger one is narrowed first.
EXPORT_LIMIT = 50_000


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula is quoted with '."""
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                                   sort_keys=True, default=str)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(session: Session, where: AuditFilter, locale: str) -> bytes:
    """The filtered trail, oldest first as the chain runs, with its MACs (so a copy can be checked
    against ``procure audit verify``), headed and named in the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([gettext(locale, h) for h in ("#", "Time", "Who", "Action", "What", "Object", "Object id",
                                                  "Before", "After", "MAC")])
    query = (select(AuditEntry).where(*where.conditions()).order_by(AuditEntry.id).limit(EXPORT_LIMIT)
             .execution_options(yield_per=1000))
    for e in session.scalars(query):
        writer.writerow([e.id, e.at.astimezone(BUREAU_TZ).isoformat(timespec="seconds"), _cell(e.actor_name), e.action,
                         gettext(locale, action_text(e.action)), gettext(locale, entity_text(e.entity)),
                         _cell(e.entity_id), _cell(e.before), _cell(e.after), e.hash])
    return out.getvalue().encode("utf-8-sig")  # Excel in a Chinese locale reads UTF-8 with a BOM


def entry(session: Session, entry_id: int) -> AuditEntry:
    found = session.scalar(select(AuditEntry).where(AuditEntry.id == entry_id, _unsealed()))
    if found is None:
        raise NotFound("Audit entry {id} does not exist.", id=entry_id)
    return found


def actions(session: Session) -> list[str]:
    """The actions recorded so far (the viewer's choice of "what")."""
    return sorted(session.scalars(select(AuditEntry.action).where(_unsealed()).distinct()))


def entities(session: Session) -> list[str]:
    # Visible entries only: a "bid" choice appearing would itself tell that sealed bids arrived.
    return sorted(session.scalars(select(AuditEntry.entity).where(_unsealed()).distinct()))


def record_many(session: Session, clock: Clock, actor: Actor,
                rows: list[tuple[str, str, Any, dict | None, dict | None]]) -> None:
    """Append several entries in one go — one look-up of the chain's end, one insert — for batch
    work such as a month's payment run (no query per row)."""
    if not rows:
        return
    key = audit_key(session)
    prev, ids = _chain_end(session, len(rows))
    at = clock()
    entries = []
    for entry_id, (action, entity, entity_id, before, after) in zip(ids, rows, strict=True):
        before, after = _jsonable(before), _jsonable(after)
        mac = entry_mac(key, prev, id=entry_id, at=at, actor_id=actor.id, actor_name=actor.name, action=action,
                        entity=entity, entity_id=str(entity_id), before=before, after=after, sealed_tender_id=None)
        entries.append({"id": entry_id, "at": at, "actor_id": actor.id, "actor_name": actor.name, "action": action,
                        "entity": entity, "entity_id": str(entity_id), "before": before, "after": after,
                        "sealed_tender_id": None, "prev_hash": prev, "hash": mac, "scheme": KEYED})
        prev = mac
    session.execute(insert(AuditEntry), entries)


def trail_page(session: Session, paging: PageRequest, *, walk: bool, where: AuditFilter = AuditFilter()) -> dict[str, Any]:
    """The audit page: a page of entries (filtered), the choices of its filters and, when asked,
    the verdict of walking the whole chain."""
    return {"result": list_entries(session, paging, where), "verdict": verify(session) if walk else None,
            "where": where, "actions": actions(session), "entities": entities(session)}

"""The audit chain: pure functions over plain values.

Every row carries a MAC — HMAC-SHA256 under the audit key, which lives outside the database —
over the previous row's MAC and *all* of the row's columns. Without the key nobody can append a
row, edit one or rebuild the chain after an edit without ``verify_chain`` naming the row. What a
MAC alone cannot show is rows missing from the end (or a chain rebuilt by whoever holds the key):
for that, heads of the chain are published (``ChainHead``) and checked later as anchors.

Rows written before migration 0009 keep their plain SHA-256 (scheme ``sha256``): they verify
under that rule, and the first keyed row MACs the last of them, so they cannot be rewritten
either once a keyed row follows (see the migration for why they were not re-sealed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from procure.kernel.i18n import N_

GENESIS = "0" * 64
#: ``audit_entry.scheme``: how ``hash`` was computed.
LEGACY = "sha256"
KEYED = "hmac-sha256"
#: Part of every MAC'd payload, so a MAC can never be mistaken for another use of the same key.
_DOMAIN = "procure.audit_entry.v1"


@dataclass(frozen=True)
class ChainLink:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: object  # the JSON views the row stores
    after: object
    sealed_tender_id: int | None
    prev_hash: str
    hash: str
    scheme: str = KEYED


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _utc(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat()


def entry_mac(key: bytes, prev_hash: str, *, id: int, at: datetime, actor_id: int | None, actor_name: str,
              action: str, entity: str, entity_id: str, before: object, after: object, sealed_tender_id: int | None) -> str:
    """HMAC-SHA256 under ``key`` over the previous MAC and every column of the row, canonically."""
    payload = canonical([_DOMAIN, prev_hash, id, _utc(at), actor_id, actor_name, action, entity, entity_id,
                         before, after, sealed_tender_id])
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def legacy_hash(prev_hash: str, *, at: datetime, actor_name: str, action: str, entity: str,
                entity_id: str, before: object, after: object) -> str:
    """The rule of rows written before migration 0009: SHA-256 with no key, and neither the id,
    ``actor_id`` nor ``sealed_tender_id`` in it. Only ever verified, never written."""
    payload = canonical([prev_hash, _utc(at), actor_name, action, entity, entity_id, before, after])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def link_mac(key: bytes, link: ChainLink) -> str:
    return entry_mac(key, link.prev_hash, id=link.id, at=link.at, actor_id=link.actor_id, actor_name=link.actor_name,
                     action=link.action, entity=link.entity, entity_id=link.entity_id, before=link.before,
                     after=link.after, sealed_tender_id=link.sealed_tender_id)


# --- heads and anchors --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainHead:
    """Where the chain stood: its ``count``-th row has MAC ``mac`` and was written ``at``.

    A published head (``public``) is the newest entry anyone may see and has no count: counting
    rows would count the sealed bids among them (招标投标法 第22条)."""

    count: int | None
    mac: str
    at: datetime | None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"mac": self.mac, "at": _utc(self.at) if self.at else None}
        if self.count is not None:
            body = {"count": self.count, **body, "anchor": f"{self.count}:{self.mac}"}
        return body


@dataclass(frozen=True)
class Anchor:
    """A head recorded earlier. With a ``count`` the row at that position must carry ``mac``;
    without one (a published head) some row must; ``at`` only helps name the row that went."""

    mac: str
    count: int | None = None
    at: datetime | None = None


class BadAnchor(ValueError):
    """An anchor that is not ``COUNT:MAC``, ``MAC`` or a head's JSON."""


def _mac_text(raw: object) -> str:
    mac = str(raw).strip().lower()
    if len(mac) != 64 or any(c not in "0123456789abcdef" for c in mac):
        raise BadAnchor(f"{raw!r} is not a MAC (64 hexadecimal digits)")
    return mac


def _count(raw: Any, mac: str) -> int:  # Any JSON value or text: int() refuses the rest
    try:
        count = int(raw)
    except (TypeError, ValueError):
        raise BadAnchor(f"{raw!r} is not a number of entries") from None
    if count < 0 or (count == 0 and mac != GENESIS):
        raise BadAnchor(f"{count} is not a position in the chain")
    return count


def parse_anchor(text: str) -> Anchor:
    """``COUNT:MAC`` (a head with its count, as ``procure audit head`` prints it) or ``MAC``."""
    count, sep, mac = text.strip().rpartition(":")
    if not sep:
        return Anchor(_mac_text(mac))
    mac = _mac_text(mac)
    return Anchor(mac, _count(count, mac))


def anchor_from_json(body: object) -> Anchor:
    """A head as ``ChainHead.as_json`` wrote it (the API, the daily files, ``procure audit head``)."""
    if not isinstance(body, dict) or "mac" not in body:
        raise BadAnchor("a head is a JSON object with a \"mac\"")
    mac = _mac_text(body["mac"])
    at = None
    if body.get("at"):
        try:
            at = datetime.fromisoformat(str(body["at"]))
        except ValueError:
            raise BadAnchor(f"{body['at']!r} is not a time") from None
        if at.tzinfo is None:
            raise BadAnchor(f"{body['at']!r} has no time zone")
    return Anchor(mac, _count(body["count"], mac) if body.get("count") is not None else None, at)


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainVerdict:
    checked: int
    #: The first row found wrong; None when the chain is intact — or when what is wrong is that
    #: rows are missing from its end (the reason then names the last row that is left).
    first_broken_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return not self.reason


def verify_chain(links: Iterable[ChainLink], key: bytes, anchors: Sequence[Anchor] = ()) -> ChainVerdict:
    """Walk rows in id order; report the first row whose link or MAC does not match, then any
    anchor the chain no longer reaches or no longer holds."""
    by_position = {a.count: a for a in anchors if a.count}
    wanted = [a for a in anchors if a.count is None and a.mac != GENESIS]
    found: set[str] = set()
    #: per published anchor, the last row written by its time (the row whose loss it would show)
    by_then: dict[str, ChainLink] = {}
    prev, checked, keyed, last = GENESIS, 0, False, None
    for link in links:
        if link.prev_hash != prev:
            return ChainVerdict(checked, link.id, "prev_hash does not match the previous row "
                                                  "(a row was removed, inserted or reordered)")
        if link.scheme == KEYED:
            keyed = True
            if not hmac.compare_digest(link_mac(key, link), link.hash):
                return ChainVerdict(checked, link.id, "content does not match its MAC (the row was edited, or "
                                                      "written without the audit key)")
        elif link.scheme == LEGACY:
            if keyed:
                return ChainVerdict(checked, link.id, "an unkeyed SHA-256 row after keyed rows (every row "
                                                      "written since the upgrade carries a MAC)")
            expected = legacy_hash(prev, at=link.at, actor_name=link.actor_name, action=link.action,
                                   entity=link.entity, entity_id=link.entity_id, before=link.before, after=link.after)
            if expected != link.hash:
                return ChainVerdict(checked, link.id, "content does not match its hash (the row was edited)")
        else:
            return ChainVerdict(checked, link.id, f"unknown scheme {link.scheme!r}")
        anchor = by_position.get(checked + 1)
        if anchor is not None and anchor.mac != link.hash:
            return ChainVerdict(checked, link.id, f"entry number {anchor.count} is not the anchored one (MAC "
                                                  f"{anchor.mac[:16]}…): the chain was rewritten up to here")
        found.add(link.hash)
        for a in wanted:
            if a.at is not None and link.at <= a.at:
                by_then[a.mac] = link
        prev, last = link.hash, link
        checked += 1
    ends = f"it ends at entry {last.id}" if last else "it is empty"
    for count in sorted(by_position):
        if count > checked:
            return ChainVerdict(checked, None, f"the anchor counts {count} entries but the chain has {checked} "
                                               f"({ends}): entries were deleted from its end")
    for a in wanted:
        if a.mac not in found:
            then = by_then.get(a.mac)
            when = f" of {_utc(a.at)}" if a.at else ""
            named = (f"; entry {then.id} is the last one written by then: it or an entry before it was "
                     f"rewritten, or the entries after it were deleted" if then else "")
            return ChainVerdict(checked, None,
                                f"the published head{when} (MAC {a.mac[:16]}…) is not in the chain ({ends}){named}")
    return ChainVerdict(checked)


# --- how the viewer names what happened ------------------------------------------------------
# Actions are written by every domain as "<object>.<verb>"; the audit page names them in the
# reader's language. An action missing here is shown as written (and test_i18n lists it).

ENTITY_TEXT = {
    "award": N_("Award"), "bid": N_("Bid"), "case": N_("Case"), "citizen_report": N_("Citizen report"),
    "contract": N_("Contract"), "contractor": N_("Company"), "enquiry": N_("Enquiry"),
    "inspection": N_("Inspection"), "inspection_template": N_("Inspection standard"),
    "jurisdiction": N_("Jurisdiction"), "lot": N_("Lot"), "opening_key": N_("Opening key"),
    "payment_statement": N_("Payment statement"), "site": N_("Site"), "tender": N_("Tender"),
    "unit_rate": N_("Unit rate"), "user": N_("User"), "committee": N_("Committee"), "expert": N_("Expert"),
}

ACTION_TEXT = {
    "award.answer": N_("Objection answered"), "award.notice": N_("Award notice issued"),
    "award.object": N_("Objection lodged"), "award.propose": N_("Award proposed"),
    "bid.submit": N_("Bid submitted"), "bid.withdraw": N_("Bid withdrawn"),
    "case.open": N_("Case opened"), "case.respond": N_("Case answered"), "case.close": N_("Case closed"),
    "case.reopen": N_("Case reopened"), "case.void": N_("Case voided"),
    "committee.declare": N_("Committee member's declaration"), "committee.form": N_("Committee formed"),
    "committee.replace": N_("Committee member replaced"), "committee.withdraw": N_("Committee member withdrew"),
    "contract.create": N_("Contract drawn up"), "contract.sign": N_("Contract signed"),
    "contract.state": N_("Contract state changed"), "contract.terms": N_("Contract terms changed"),
    "contract.variation": N_("Contract variation"), "contract.signed": N_("Contract signed"),
    "contract.active": N_("Contract in force"), "contract.completed": N_("Contract completed"),
    "contract.suspended": N_("Contract suspended"), "contract.terminated": N_("Contract terminated"),
    "contract.draft": N_("Contract back to draft"),
    "contractor.approve": N_("Company approved"), "contractor.document": N_("Company document added"),
    "contractor.register": N_("Company registered"), "contractor.reject": N_("Company rejected"),
    "enquiry.answer": N_("Enquiry answered"), "enquiry.ask": N_("Enquiry asked"),
    "evaluation.abnormal": N_("Abnormally low price decided"), "evaluation.compliance": N_("Compliance checked"),
    "evaluation.finalize": N_("Evaluation finalised"), "evaluation.score": N_("Scores saved"),
    "evaluation.sheet": N_("Score sheet submitted"), "expert.relation": N_("Expert's relation declared"),
    "inspection.plan": N_("Sampling plan drawn"), "inspection.submit": N_("Inspection submitted"),
    "jurisdiction.create": N_("Jurisdiction added"), "opening.present": N_("Opening shares presented"),
    "opening_key.register": N_("Opening key registered"), "penalty.media": N_("Media exposure penalty"),
    "report.verify": N_("Citizen report verified"), "site.create": N_("Site added"), "site.import": N_("Sites imported"),
    "site.update": N_("Site changed"), "template.version": N_("Inspection standard revised"),
    "tender.amend": N_("Tender amended"), "tender.cancel": N_("Tender cancelled"), "tender.close": N_("Tender closed"),
    "tender.create": N_("Tender drafted"), "tender.open": N_("Bids opened"), "tender.publish": N_("Tender published"),
    "tender.settle": N_("Tender settled"), "tender.update": N_("Tender draft changed"),
    "statement.compute": N_("Statements computed"), "report.file": N_("Citizen report filed"),
    "statement.computed": N_("Statement computed"), "statement.submitted": N_("Statement submitted"),
    "statement.returned": N_("Statement returned"), "statement.approved": N_("Statement approved"),
    "statement.paid": N_("Payment recorded"), "unit_rate.set": N_("Unit rate set"),
    "user.create": N_("User added"), "user.update": N_("User changed"),
}


def action_text(action: str) -> str:
    """The msgid naming an action (the action as written when none is known)."""
    return ACTION_TEXT.get(action, action)


def entity_text(entity: str) -> str:
    return ENTITY_TEXT.get(entity, entity)


def changes(before: dict | None, after: dict | None) -> list[tuple[str, Any, Any]]:
    """An entry's before → after, key by key, in the order the keys were written (keys unchanged
    in value are left out; a key only one side has shows "—" on the other)."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k) or k not in before]

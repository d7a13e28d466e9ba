"""The audit hash chain: pure functions over plain values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainLink:
    id: int
    at: datetime
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, *, at: datetime, actor_name: str, action: str, entity: str,
               entity_id: str, before: Any, after: Any) -> str:
    """SHA-256 over the previous hash and this row's content, in a fixed canonical form."""
    at_utc = at.astimezone(timezone.utc).isoformat()
    payload = canonical([prev_hash, at_utc, actor_name, action, entity, entity_id, before, after])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainVerdict:
    checked: int
    first_broken_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain(links: Iterable[ChainLink]) -> ChainVerdict:
    """Walk rows in id order; the first row whose link or content does not match is reported."""
    prev = GENESIS
    checked = 0
    for link in links:
        if link.prev_hash != prev:
            return ChainVerdict(checked, link.id, "prev_hash does not match the previous row (a row was removed or reordered)")
        expected = entry_hash(prev, at=link.at, actor_name=link.actor_name, action=link.action,
                              entity=link.entity, entity_id=link.entity_id, before=link.before, after=link.after)
        if expected != link.hash:
            return ChainVerdict(checked, link.id, "content does not match its hash (the row was edited)")
        prev = link.hash
        checked += 1
    return ChainVerdict(checked)

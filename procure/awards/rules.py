"""Award rules (DESIGN §4.4). Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

#: 招标投标法实施条例 第54条: the winning candidates are publicised for at least three days.
PUBLICITY = timedelta(days=3)
CANDIDATES = 3


class AwardState(StrEnum):
    PUBLICITY = "publicity"    # 公示中
    SUSPENDED = "suspended"    # an objection awaits its answer
    NOTIFIED = "notified"      # 中标通知书 issued


def publicity_ends(proposed_at: datetime) -> datetime:
    return proposed_at + PUBLICITY


def can_object(state: str, now: datetime, ends: datetime) -> bool:
    return state in (AwardState.PUBLICITY, AwardState.SUSPENDED) and now < ends


def can_notify(state: str, now: datetime, ends: datetime, open_objections: int) -> str | None:
    """None if the notice may be issued, else why not (a msgid)."""
    if state == AwardState.NOTIFIED:
        return "The award notice has already been issued."
    if open_objections:
        return "An objection is unanswered: the award is suspended until it is answered."
    if now < ends:
        return "The publicity period runs until {ends}; the notice can be issued after it."
    return None

"""Rectification cases (整改案卷, DESIGN §4.6): deadlines, timers, 数字城管 rates. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from procure.kernel.money import round2


class CaseState(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"
    VOID = "void"


#: A case in these states is over: nothing more can be done with it, not even voiding it.
FINISHED_STATES = frozenset({CaseState.CLOSED, CaseState.VOID})


class CaseSource(StrEnum):
    INSPECTION = "inspection"
    CITIZEN = "citizen"   # an Open311 report an inspector verified
    LIAISON = "liaison"


class Timer(StrEnum):
    GREEN = "green"     # ≤ 80% of the time limit used
    YELLOW = "yellow"   # ≤ 100%
    RED = "red"         # overdue


class TimerLabel(StrEnum):
    """What the case list shows: the timer colours, and "done" for a case no longer open."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    DONE = "done"


class CaseAction(StrEnum):
    OPEN = "open"
    RESPOND = "respond"
    CLOSE = "close"
    REOPEN = "reopen"
    VOID = "void"


def deadline(opened_at: datetime, limit_hours: int) -> datetime:
    return opened_at + timedelta(hours=limit_hours)


def timer(opened_at: datetime, due: datetime, now: datetime) -> Timer:
    used, limit = now - opened_at, due - opened_at  # timedeltas compare exactly; floats would not
    if used * 5 <= limit * 4:
        return Timer.GREEN
    if used <= limit:
        return Timer.YELLOW
    return Timer.RED


def is_overdue(state: str, due: datetime, first_responded_at: datetime | None, now: datetime) -> bool:
    """Responded after its deadline, or still unanswered past it."""
    if state == CaseState.VOID:
        return False
    if first_responded_at is not None:
        return first_responded_at > due
    return now > due


@dataclass(frozen=True)
class CaseFacts:
    deadline: datetime
    state: str
    first_responded_at: datetime | None
    reopened: int


@dataclass(frozen=True)
class Rates:
    due: int
    on_time: int
    closed: int
    responded: int
    reworked: int

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.due)

    @property
    def closure_rate(self) -> Decimal | None:
        return percent(self.closed, self.due)

    @property
    def rework_rate(self) -> Decimal | None:
        return percent(self.reworked, self.responded)


def percent(part: int, whole: int) -> Decimal | None:
    """part ÷ whole in per cent, rounded half-up to 2 places; None when there is nothing to divide by."""
    return None if whole == 0 else round2(Decimal(part) * 100 / whole)


def rates(cases: Iterable[CaseFacts]) -> Rates:
    """数字城管 indicators over the cases due in a period (void cases do not count):
    on-time handling = responded on time / due; closure = closed / due; rework = reopened / responded."""
    due = [c for c in cases if c.state != CaseState.VOID]
    responded = [(c, c.first_responded_at) for c in due if c.first_responded_at is not None]
    return Rates(
        due=len(due),
        on_time=sum(1 for c, at in responded if at <= c.deadline),
        closed=sum(1 for c in due if c.state == CaseState.CLOSED),
        responded=len(responded),
        reworked=sum(1 for c, _ in responded if c.reopened > 0),
    )

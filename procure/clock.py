"""The one source of "now" (DESIGN §4: all "now" comes from one injectable clock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

#: The bureau's zone: deadlines, months and due dates are counted in it.
BUREAU_TZ = ZoneInfo("Asia/Shanghai")


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def local_date(moment: datetime) -> date:
    """The calendar date in Shanghai of an aware moment."""
    return moment.astimezone(BUREAU_TZ).date()


def day_start(day: date) -> datetime:
    """Midnight in Shanghai at the start of a calendar day (months and deadlines are local)."""
    return datetime(day.year, day.month, day.day, tzinfo=BUREAU_TZ)


class FrozenClock:
    """A clock for tests and demos: fixed until moved."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now = self.now + timedelta(**kwargs)
        return self.now

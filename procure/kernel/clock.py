"""The one source of "now" (DESIGN §4: all "now" comes from one injectable clock)."""

from __future__ import annotations

from collections.abc import Callable
import calendar
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from procure.kernel import bounds
from procure.kernel.errors import InvalidInput

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


# --- the bureau's calendar: months and typed dates --------------------------------------


def month_of(moment: datetime) -> str:
    return moment.astimezone(BUREAU_TZ).strftime("%Y-%m")


def last_complete_month(moment: datetime) -> str:
    """The last month that has ended: what month pickers start on (this month has barely begun,
    its reports and statements are empty or partial)."""
    first = local_date(moment).replace(day=1)
    return month_of(day_start(first - timedelta(days=1)))


def month_span(month: str) -> tuple[datetime, datetime]:
    """The moments a month starts and the next one starts, in Shanghai: [start, end)."""
    first, last = month_bounds(month)
    return day_start(first), day_start(last + timedelta(days=1))


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of ``month``, written exactly YYYY-MM (ASCII digits, nothing else: a
    month is stored in String(7) and put into file names) in the years 2000–2100."""
    if not isinstance(month, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", month):
        raise InvalidInput("A month is written YYYY-MM, e.g. 2026-11.",
                           errors=[{"field": "month", "message": "A month is written YYYY-MM, e.g. 2026-11."}])
    year, mon = int(month[:4]), int(month[5:])
    if not 1 <= mon <= 12:
        raise InvalidInput("A month is written YYYY-MM, e.g. 2026-11.",
                           errors=[{"field": "month", "message": "A month is written YYYY-MM, e.g. 2026-11."}])
    if not bounds.MIN_YEAR <= year <= bounds.MAX_YEAR:
        raise InvalidInput("The year must be between {low} and {high}.", low=bounds.MIN_YEAR, high=bounds.MAX_YEAR,
                           errors=[{"field": "month", "message": "The year must be between {low} and {high}.",
                                    "params": {"low": bounds.MIN_YEAR, "high": bounds.MAX_YEAR}}])
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def parse_date(text: object) -> date | None:
    if text is None or str(text).strip() == "":
        return None
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    raw = str(text).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()  # accepts 2024-3-5
    except ValueError:
        raise ValueError("not a date") from None

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

from procure.cases.rules import CaseFacts, deadline, is_overdue, rates, timer

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def test_deadline_and_timer_colours():
    due = deadline(T0, 10)
    assert due == T0 + timedelta(hours=10)
    assert timer(T0, due, T0 + timedelta(hours=8)) == "green"       # exactly 80%
    assert timer(T0, due, T0 + timedelta(hours=8, seconds=1)) == "yellow"
    assert timer(T0, due, due) == "yellow"                            # exactly 100%
    assert timer(T0, due, due + timedelta(seconds=1)) == "red"


def test_overdue():
    due = deadline(T0, 24)
    assert not is_overdue("open", due, None, due)
    assert is_overdue("open", due, None, due + timedelta(seconds=1))
    assert not is_overdue("closed", due, due, due + timedelta(days=9))
    assert is_overdue("closed", due, due + timedelta(minutes=1), due + timedelta(days=9))
    assert not is_overdue("void", due, None, due + timedelta(days=9))


def test_rates():
    due = deadline(T0, 24)
    cases = [
        CaseFacts(due, "closed", due - timedelta(hours=1), 0),     # on time, closed
        CaseFacts(due, "closed", due + timedelta(hours=1), 1),     # late, reworked, closed
        CaseFacts(due, "responded", due - timedelta(hours=2), 0),  # on time, awaiting check
        CaseFacts(due, "open", None, 0),                           # never answered
        CaseFacts(due, "void", None, 0),                           # does not count
    ]
    r = rates(cases)
    assert (r.due, r.on_time, r.closed, r.responded, r.reworked) == (4, 2, 2, 3, 1)
    assert (r.on_time_rate, r.closure_rate, r.rework_rate) == (D("50.00"), D("50.00"), D("33.33"))
    assert rates([]).on_time_rate is None

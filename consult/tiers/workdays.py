"""Working-day arithmetic (pure: no Flask, no database).

China's official calendar: Monday to Friday are working days, except public holidays; some
weekend days are make-up working days (调休). The exceptions are data (``CalendarDay`` rows kept by
district officers), passed in here as two sets of dates.

A limit of *n* working days starting at a moment ends at the close of the *n*-th working day
after the day of that moment (the day itself is not counted, as in 自受理之日起 n 个工作日内).
"""

from __future__ import annotations

from collections.abc import Set
from datetime import date, datetime, time, timedelta

from consult.core.timeutil import SHANGHAI

#: the last moment of a working day; a step due "within n working days" is due then
CLOSE_OF_DAY = time(23, 59, 59)


def is_working_day(day: date, holidays: Set[date], workdays: Set[date]) -> bool:
    """Weekdays work unless they are holidays; weekends rest unless they are 调休 workdays."""
    if day in holidays:
        return False
    if day in workdays:
        return True
    return day.weekday() < 5


def nth_working_day_after(day: date, n: int, holidays: Set[date], workdays: Set[date]) -> date:
    """The n-th working day after ``day`` (n ≥ 1); ``day`` itself never counts."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current = day
    found = 0
    while found < n:
        current += timedelta(days=1)
        if is_working_day(current, holidays, workdays):
            found += 1
    return current


def working_deadline(start: datetime, days: int, holidays: Set[date], workdays: Set[date]) -> datetime:
    """When a limit of ``days`` working days, starting at ``start``, runs out (aware, UTC-safe):
    the close of the n-th working day after ``start``'s day in Asia/Shanghai."""
    local_day = start.astimezone(SHANGHAI).date()
    due_day = nth_working_day_after(local_day, days, holidays, workdays)
    return datetime.combine(due_day, CLOSE_OF_DAY, tzinfo=SHANGHAI)


def hours_deadline(start: datetime, hours: int) -> datetime:
    """Urgent limits are in clock hours (e.g. an urgent matter is triaged within 48 hours)."""
    return start + timedelta(hours=hours)


def working_days_between(start: date, end: date, holidays: Set[date], workdays: Set[date]) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``):
    the measure of handling time in the public rates."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays, workdays):
            count += 1
    return count

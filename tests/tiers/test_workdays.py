"""Deadline arithmetic across weekends, holidays and 调休 days (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult.core.timeutil import SHANGHAI
from consult.tiers.workdays import (
    hours_deadline,
    is_working_day,
    nth_working_day_after,
    working_days_between,
    working_deadline,
)

# National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked (调休).
NATIONAL_DAY_2025 = frozenset(date(2025, 10, d) for d in range(1, 9))
MAKE_UP_2025 = frozenset({date(2025, 9, 28), date(2025, 10, 11)})


def test_plain_week():
    assert is_working_day(date(2026, 11, 23), set(), set())  # a Monday
    assert not is_working_day(date(2026, 11, 28), set(), set())  # a Saturday
    # Friday + 1 working day → Monday
    assert nth_working_day_after(date(2026, 11, 27), 1, set(), set()) == date(2026, 11, 30)


def test_national_day_2025_with_make_up_saturday():
    # Submitted on Tuesday 30 September at 16:00 in Shanghai; triage within 5 working days:
    # 9 Oct (1), 10 Oct (2), Saturday 11 Oct worked (3), 13 Oct (4), 14 Oct (5).
    start = datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI)
    due = working_deadline(start, 5, NATIONAL_DAY_2025, MAKE_UP_2025)
    assert due == datetime(2025, 10, 14, 23, 59, 59, tzinfo=SHANGHAI)
    assert is_working_day(date(2025, 9, 28), NATIONAL_DAY_2025, MAKE_UP_2025)  # a Sunday, worked


def test_the_day_is_the_shanghai_day_not_the_utc_day():
    # 17:30 UTC on Friday is already 01:30 on Saturday in Shanghai.
    start = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    due = working_deadline(start, 1, set(), set())
    assert due.date() == date(2026, 11, 30)  # Monday after the Saturday, not the Friday's next day


def test_urgent_limits_are_clock_hours():
    start = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # Friday
    assert hours_deadline(start, 48) == start + timedelta(hours=48)  # the weekend counts


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        nth_working_day_after(date(2026, 1, 1), 0, set(), set())


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@given(
    start=days,
    n=st.integers(1, 40),
    holidays=st.frozensets(days, max_size=30),
    workdays=st.frozensets(days, max_size=10),
)
def test_the_nth_working_day_is_a_working_day_with_n_working_days_up_to_it(start, n, holidays, workdays):
    workdays = workdays - holidays
    due = nth_working_day_after(start, n, holidays, workdays)
    assert due > start
    assert is_working_day(due, holidays, workdays)
    assert working_days_between(start, due, holidays, workdays) == n
    assert nth_working_day_after(start, n + 1, holidays, workdays) > due  # monotonic in n


@given(start=days, later=st.integers(0, 20))
def test_a_later_start_never_gives_an_earlier_deadline(start, later):
    a = nth_working_day_after(start, 5, NATIONAL_DAY_2025, MAKE_UP_2025)
    b = nth_working_day_after(start + timedelta(days=later), 5, NATIONAL_DAY_2025, MAKE_UP_2025)
    assert b >= a

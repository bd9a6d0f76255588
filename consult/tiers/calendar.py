"""The working-day calendar service: reads a district's exceptions, computes deadlines, and
imports the official calendar from CSV (`flask calendar import FILE.csv`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from consult.core.audit import audit
from consult.extensions import db
from consult.regions.models import Region
from consult.tiers import workdays
from consult.tiers.models import CalendarDay, DayKind

#: how the CSV may spell the kind of a day
KIND_WORDS = {
    "holiday": DayKind.HOLIDAY, "休": DayKind.HOLIDAY, "假": DayKind.HOLIDAY, "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY, "班": DayKind.WORKDAY, "调休": DayKind.WORKDAY, "上班": DayKind.WORKDAY,
}


@dataclass(frozen=True)
class Exceptions:
    holidays: frozenset[date]
    workdays: frozenset[date]


def exceptions(district: Region, start: date, end: date) -> Exceptions:
    """The district's holidays and make-up working days between two dates (one query)."""
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind).where(
            CalendarDay.district_id == district.id, CalendarDay.day >= start, CalendarDay.day <= end
        )
    ).all()
    return Exceptions(
        holidays=frozenset(d for d, k in rows if k == DayKind.HOLIDAY.value),
        workdays=frozenset(d for d, k in rows if k == DayKind.WORKDAY.value),
    )


def deadline(district: Region, start: datetime, days: int) -> datetime:
    """When ``days`` working days from ``start`` run out in this district's calendar."""
    # Long holidays in China last at most about 8 days, so 3× the span plus two weeks always
    # holds the n-th working day.
    first = start.date() - timedelta(days=1)
    ex = exceptions(district, first, first + timedelta(days=days * 3 + 14))
    return workdays.working_deadline(start, days, ex.holidays, ex.workdays)


class CalendarImportError(ValueError):
    """The file was refused; ``line`` is where (1-based, header included), if known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse_csv(text: str) -> list[tuple[date, DayKind, str]]:
    """Rows of ``date,kind,name`` (a header row is optional). Every row is checked before
    anything is written; the first bad one refuses the whole file."""
    rows: list[tuple[date, DayKind, str]] = []
    seen: dict[date, int] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, record in enumerate(reader, start=1):
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in {"date", "日期"}:
            continue
        if len(cells) < 2:
            raise CalendarImportError(_("Each line needs a date and a kind (holiday or workday)."), number)
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise CalendarImportError(
                _("“%(value)s” is not a date like 2026-10-01.", value=cells[0][:20]), number
            ) from None
        kind = KIND_WORDS.get(cells[1].lower())
        if kind is None:
            raise CalendarImportError(
                _("“%(value)s” is not a kind of day: use holiday or workday.", value=cells[1][:20]),
                number,
            )
        if day in seen:
            raise CalendarImportError(
                _("%(day)s appears twice (also on line %(other)d).", day=day.isoformat(), other=seen[day]),
                number,
            )
        seen[day] = number
        name = cells[2][:40] if len(cells) > 2 else ""
        rows.append((day, kind, name.replace("\x00", "")))
    if not rows:
        raise CalendarImportError(_("The file holds no days."))
    return rows


def import_days(district: Region, rows: list[tuple[date, DayKind, str]], *, by=None) -> tuple[int, int]:
    """Add or update the given days of a district's calendar. Returns (added, updated)."""
    existing = {
        row.day: row
        for row in db.session.scalars(
            select(CalendarDay).where(
                CalendarDay.district_id == district.id,
                CalendarDay.day.in_([day for day, _k, _n in rows]),
            )
        )
    }
    added = updated = 0
    for day, kind, name in rows:
        row = existing.get(day)
        if row is None:
            db.session.add(CalendarDay(district_id=district.id, day=day, kind=kind.value, name=name))
            added += 1
        elif (row.kind, row.name) != (kind.value, name):
            row.kind, row.name = kind.value, name
            updated += 1
    audit("calendar.import", actor=by, obj=district, added=added, updated=updated)
    return added, updated


def remove_day(row: CalendarDay, *, by) -> None:
    """Take an exception out of the calendar (the day follows the ordinary week again)."""
    audit("calendar.remove", actor=by, obj=row, day=row.day.isoformat(), kind=row.kind)
    db.session.delete(row)


def days_of_year(district: Region, year: int) -> list[CalendarDay]:
    return list(
        db.session.scalars(
            select(CalendarDay)
            .where(
                CalendarDay.district_id == district.id,
                CalendarDay.day >= date(year, 1, 1),
                CalendarDay.day <= date(year, 12, 31),
            )
            .order_by(CalendarDay.day)
        )
    )

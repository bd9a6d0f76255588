"""The calendar as data: CSV import (all or nothing), deadlines from a district's calendar."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from consult.core.timeutil import SHANGHAI
from consult.extensions import db
from consult.tiers.calendar import CalendarImportError, deadline, import_days, parse_csv
from consult.tiers.models import CalendarDay

NATIONAL_DAY_2025 = "\ufeffdate,kind,name\n" + "".join(
    f"2025-10-0{d},holiday,国庆节\n" for d in range(1, 9)
) + "2025-09-28,班,国庆节调休\n2025-10-11,workday,国庆节调休\n"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(CalendarDay))


def test_import_then_deadline(world):
    rows = parse_csv(NATIONAL_DAY_2025)
    assert import_days(world.district, rows) == (10, 0)
    db.session.commit()
    start = datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI)
    assert deadline(world.community_a1.parent.parent, start, 5) == datetime(
        2025, 10, 14, 23, 59, 59, tzinfo=SHANGHAI
    )
    # Re-importing the same file changes nothing; a changed name is an update.
    assert import_days(world.district, rows) == (0, 0)
    assert import_days(world.district, parse_csv("2025-10-01,holiday,国庆节（第一天）")) == (0, 1)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("2025-13-01,holiday,x", 1),
        ("2025-10-01,vacation,x", 1),
        ("2025-10-01,holiday\n2025-10-01,workday", 2),
        ("2025-10-01", 1),
        ("", None),
    ],
)
def test_bad_files_are_refused_whole(world, text, line):
    with pytest.raises(CalendarImportError) as exc:
        parse_csv("2025-10-02,holiday,ok\n" + text if line else text)
    assert exc.value.line == (line + 1 if line else None)
    assert _count() == 0


def test_cli_import(app, world, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "2025.csv"
    good.write_text(NATIONAL_DAY_2025, encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "10" in result.output
    db.session.expire_all()
    assert _count() == 10
    assert db.session.scalar(select(CalendarDay.kind).where(CalendarDay.day == date(2025, 9, 28))) == "workday"

    bad = tmp_path / "bad.csv"
    bad.write_text("2025-12-25,holiday,x\n2025-02-30,holiday,x\n", encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(bad)])
    assert result.exit_code != 0 and "2" in result.output  # names the line
    db.session.expire_all()
    assert _count() == 10  # nothing of the bad file was written

    result = runner.invoke(args=["calendar", "import", str(good), "--district", "999999"])
    assert result.exit_code != 0

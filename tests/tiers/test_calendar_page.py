"""The calendar page: district officers add, remove and import days; bad files are named."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from consult.extensions import db
from consult.tiers.models import CalendarDay
from tests.factories import login


def _days(world):
    return {
        (row.day, row.kind)
        for row in db.session.scalars(select(CalendarDay).where(CalendarDay.district_id == world.district.id))
    }


def test_add_list_remove(world, client):
    login(client, world.district_officer)
    base = f"/districts/{world.district.id}/calendar"
    response = client.post(f"{base}/days", data={"day": "2026-10-01", "kind": "holiday", "name": "国庆节"})
    assert response.status_code == 303
    client.post(f"{base}/days", data={"day": "2026-09-27", "kind": "workday", "name": "国庆节调休"})
    page = client.get(f"{base}?year=2026").get_data(as_text=True)
    assert "2026-10-01" in page and "国庆节调休" in page
    db.session.expire_all()
    assert _days(world) == {(date(2026, 10, 1), "holiday"), (date(2026, 9, 27), "workday")}
    row_id = db.session.scalar(select(CalendarDay.id).where(CalendarDay.day == date(2026, 10, 1)))
    assert client.post(f"{base}/{row_id}/delete").status_code == 303
    db.session.expire_all()
    assert _days(world) == {(date(2026, 9, 27), "workday")}


def test_bad_day_and_bad_file_are_refused_with_the_reason(world, client):
    login(client, world.district_officer)
    base = f"/districts/{world.district.id}/calendar"
    response = client.post(f"{base}/days", data={"day": "2026-02-30", "kind": "holiday"})
    assert response.status_code == 422 and 'id="day-error"' in response.get_data(as_text=True)
    bad = io.BytesIO("2026-10-01,holiday,国庆节\n2026-10-02,vacation,x\n".encode())
    response = client.post(f"{base}/import", data={"file": (bad, "2026.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "line 2" in html and "vacation" in html
    assert client.post(f"{base}/import", data={}).status_code == 422  # no file
    db.session.expire_all()
    assert _days(world) == set()  # nothing of the bad file was written


def test_import_a_file(world, client):
    login(client, world.district_officer)
    good = io.BytesIO("date,kind,name\n2026-10-01,休,国庆节\n2026-10-10,班,国庆节调休\n".encode())
    response = client.post(f"/districts/{world.district.id}/calendar/import",
                           data={"file": (good, "2026.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.expire_all()
    assert _days(world) == {(date(2026, 10, 1), "holiday"), (date(2026, 10, 10), "workday")}


def test_only_district_officers_and_only_their_district_days(world, client):
    base = f"/districts/{world.district.id}/calendar"
    for who in ("staff", "street_officer", "admin"):
        login(client, getattr(world, who))
        assert client.get(base).status_code == 403
        assert client.post(f"{base}/days", data={"day": "2026-10-01", "kind": "holiday"}).status_code == 403
    login(client, world.district_officer)
    assert client.post(f"{base}/424242/delete").status_code == 404

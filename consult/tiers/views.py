"""The district's rules: tier thresholds, support threshold and time limits (district officers)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.core.ids import MAX_ID
from consult.core.money import InvalidAmount, format_yuan, parse_yuan
from consult.core.permissions import Perm, require
from consult.core.timeutil import local, utcnow
from consult.extensions import db
from consult.regions.models import Region, RegionKind
from consult.regions.services import SETTING_BOUNDS, SettingsError, settings_for, update_settings
from consult.tiers import calendar as calendar_service
from consult.tiers.forms import DayForm, ImportForm, SettingsForm
from consult.tiers.models import CalendarDay, DayKind

bp = Blueprint("tiers", __name__)


def _district(district_id: int) -> Region:
    region = db.session.get(Region, district_id) if 0 < district_id <= MAX_ID else None
    if region is None or region.kind != RegionKind.DISTRICT.value:
        abort(404)
    return region


@bp.route("/districts/<int:district_id>/settings", methods=["GET", "POST"])
@login_required
def settings(district_id: int):
    """District officers set the tier thresholds, the support threshold and the time limits."""
    district = _district(district_id)
    require(current_user, Perm.DISTRICT_SETTINGS, district)
    current = settings_for(district)
    form = SettingsForm()
    if not form.is_submitted():
        form.tier1_max.data = format_yuan(current.tier1_max_fen, symbol=False)
        form.tier2_max.data = format_yuan(current.tier2_max_fen, symbol=False)
        for name in SETTING_BOUNDS:
            getattr(form, name).data = getattr(current, name)
    status = 200
    if form.is_submitted():
        status = 422
        valid = form.validate()  # first: validate() resets every field's errors
        amounts = {}
        for field in (form.tier1_max, form.tier2_max):
            try:
                amounts[field.name] = parse_yuan(field.data)
            except InvalidAmount:
                field.errors = [*field.errors, _("Enter an amount in yuan, like 20000 or 20,000.00.")]
                valid = False
        if valid:
            try:
                update_settings(
                    current,
                    by=current_user,
                    tier1_max_fen=amounts["tier1_max"],
                    tier2_max_fen=amounts["tier2_max"],
                    **{name: getattr(form, name).data for name in SETTING_BOUNDS},
                )
            except SettingsError as exc:
                db.session.rollback()
                target = getattr(form, exc.field, form.tier1_max)
                target.errors = [*target.errors, str(exc)]
            else:
                db.session.commit()
                flash(_("The district's rules are saved."), "success")
                return redirect(url_for("tiers.settings", district_id=district.id), 303)
    return render_template("tiers/settings.html", form=form, district=district), status


def _calendar_page(district: Region, year: int, *, day_form=None, import_form=None, status=200):
    return (
        render_template(
            "tiers/calendar.html",
            district=district,
            year=year,
            days=calendar_service.days_of_year(district, year),
            day_form=day_form or DayForm(formdata=None),
            import_form=import_form or ImportForm(formdata=None),
        ),
        status,
    )


def _year() -> int:
    year = request.args.get("year", type=int)
    return year if year and 2000 <= year <= 2100 else local(utcnow()).year


@bp.get("/districts/<int:district_id>/calendar")
@login_required
def calendar(district_id: int):
    """The district's working-day calendar: holidays and 调休 working days, by year."""
    district = _district(district_id)
    require(current_user, Perm.DISTRICT_SETTINGS, district)
    return _calendar_page(district, _year())


@bp.post("/districts/<int:district_id>/calendar/days")
@login_required
def add_day(district_id: int):
    district = _district(district_id)
    require(current_user, Perm.DISTRICT_SETTINGS, district)
    form = DayForm()
    if not form.validate():
        return _calendar_page(district, _year(), day_form=form, status=422)
    name = (form.name.data or "").replace("\x00", "").strip()
    calendar_service.import_days(district, [(form.day.data, DayKind(form.kind.data), name)], by=current_user)
    db.session.commit()
    flash(_("%(day)s is in the calendar.", day=form.day.data.isoformat()), "success")
    return redirect(url_for("tiers.calendar", district_id=district.id, year=form.day.data.year), 303)


@bp.post("/districts/<int:district_id>/calendar/<int:day_id>/delete")
@login_required
def remove_day(district_id: int, day_id: int):
    district = _district(district_id)
    require(current_user, Perm.DISTRICT_SETTINGS, district)
    row = db.session.get(CalendarDay, day_id) if 0 < day_id <= MAX_ID else None
    if row is None or row.district_id != district.id:
        abort(404)
    year = row.day.year
    calendar_service.remove_day(row, by=current_user)
    db.session.commit()
    flash(_("The day is taken out of the calendar."), "success")
    return redirect(url_for("tiers.calendar", district_id=district.id, year=year), 303)


@bp.post("/districts/<int:district_id>/calendar/import")
@login_required
def import_calendar(district_id: int):
    district = _district(district_id)
    require(current_user, Perm.DISTRICT_SETTINGS, district)
    form = ImportForm()
    upload = request.files.get("file")
    data = upload.read(1024 * 1024 + 1) if upload else b""
    message = None
    if not data:
        message = _("Choose a CSV file.")
    elif len(data) > 1024 * 1024:
        message = _("The file is too large.")
    else:
        try:
            rows = calendar_service.parse_csv(data.decode("utf-8"))
        except UnicodeDecodeError:
            message = _("The file is not UTF-8 text.")
        except calendar_service.CalendarImportError as exc:
            message = _("line %(n)d: ", n=exc.line) + str(exc) if exc.line else str(exc)
    if message:
        form.file.errors = [message]
        return _calendar_page(district, _year(), import_form=form, status=422)
    added, updated = calendar_service.import_days(district, rows, by=current_user)
    db.session.commit()
    flash(_("%(district)s: %(added)d days added, %(updated)d updated.", district=district.name,
            added=added, updated=updated), "success")
    return redirect(url_for("tiers.calendar", district_id=district.id), 303)

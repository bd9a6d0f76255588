"""The district's rules: tier thresholds, support threshold and time limits (district officers)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.core.ids import MAX_ID
from consult.core.money import InvalidAmount, format_yuan, parse_yuan
from consult.core.permissions import Perm, require
from consult.extensions import db
from consult.regions.models import Region, RegionKind
from consult.regions.services import SETTING_BOUNDS, SettingsError, settings_for, update_settings
from consult.tiers.forms import SettingsForm

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

"""Forms of the district's rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from consult.regions.services import SETTING_BOUNDS


def _whole(label, name: str, hint=None) -> IntegerField:
    low, high = SETTING_BOUNDS[name]
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Enter a whole number.")),
            NumberRange(low, high, _l("Enter a whole number from %(min)s to %(max)s.")),
        ],
        description=hint or "",
    )


class SettingsForm(FlaskForm):
    tier1_max = StringField(
        _l("Tier 1 up to (yuan)"),
        validators=[InputRequired(_l("Enter an amount in yuan."))],
        description=_l("Matters estimated at or below this are settled by the community."),
    )
    tier2_max = StringField(
        _l("Tier 2 up to (yuan)"),
        validators=[InputRequired(_l("Enter an amount in yuan."))],
        description=_l("Above tier 1 and at or below this, the street helps; above it, the district."),
    )
    support_threshold = _whole(
        _l("Support threshold"), "support_threshold",
        _l("Supports that make triage mandatory and put a proposal on the next agenda."),
    )
    triage_days = _whole(_l("Triage within (working days)"), "triage_days")
    urgent_triage_hours = _whole(_l("Urgent triage within (hours)"), "urgent_triage_hours")
    escalation_days = _whole(_l("Answer an escalation within (working days)"), "escalation_days")
    report_days = _whole(_l("A department reports within (working days)"), "report_days")
    submit = SubmitField(_l("Save the rules"))

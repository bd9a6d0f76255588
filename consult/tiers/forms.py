"""Forms of the district's rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

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


class DayForm(FlaskForm):
    """One exception to the ordinary week: a holiday on a weekday, or a weekend day worked."""

    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date like 2026-10-01."))])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("holiday", _l("Holiday (a day off)")),
            SelectChoice("workday", _l("Make-up working day (调休)")),
        ],
    )
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=40)])
    submit = SubmitField(_l("Add to the calendar"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file: date,kind,name on each line"))
    submit = SubmitField(_l("Import"))

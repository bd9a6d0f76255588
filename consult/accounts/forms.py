"""Forms of the account pages: registration, login, verification codes, staff and admin tools.

Choices that depend on the database (communities, buildings, regions) are filled in by the view;
the helpers at the bottom build them in tree order, grouped for ``<optgroup>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from consult.accounts.models import Role
from consult.core.ids import MAX_ID
from consult.regions.models import Region, RegionKind

ROLE_LABELS = {
    Role.REPRESENTATIVE: _l("Residents' representative"),  # 居民代表 / 楼栋长
    Role.STAFF: _l("Community staff"),  # 社区工作者
    Role.STREET_OFFICER: _l("Street officer"),  # 街道
    Role.DISTRICT_OFFICER: _l("District officer"),  # 区
    Role.EXPERT: _l("Expert"),  # 专家
    Role.SUPERVISOR: _l("Supervisory committee"),  # 居务监督委员会
    Role.ADMIN: _l("System administrator"),  # 系统管理员
}

KIND_LABELS = {
    RegionKind.DISTRICT: _l("District"),  # 区
    RegionKind.STREET: _l("Street or township"),  # 街道 / 乡镇
    RegionKind.COMMUNITY: _l("Community or village"),  # 社区 / 村
    RegionKind.GROUP: _l("Building or resident group"),  # 楼栋 / 居民小组
}


def role_label(code: str) -> str:
    try:
        return str(ROLE_LABELS[Role(code)])
    except ValueError:
        return code


def kind_label(code: str) -> str:
    try:
        return str(KIND_LABELS[RegionKind(code)])
    except ValueError:
        return code


#: ids are 32-bit on every backend; a bigger number would make PostgreSQL fail, not just miss


def optional_int(value) -> int | None:
    """Coerce a select's value; the empty placeholder means "none chosen"."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError("out of range")
    return number


def _strip(value):
    """Strip whitespace and NUL characters (PostgreSQL refuses them, even in a lookup)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def building_field() -> SelectField:
    """The optional building / resident group of a community (registration, codes)."""
    return SelectField(
        _l("Building or resident group (optional)"),
        coerce=optional_int,
        validators=[Optional()],
        invalid_choice_message=_l("Choose a building from the list, or none."),
        invalid_value_message=_l("Choose a building from the list, or none."),
    )


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        # DataRequired, not InputRequired: it sees the stripped value, so blanks are refused too
        validators=[DataRequired(_l("Enter your name.")), Length(max=40)],
        filters=[_strip],
        render_kw={"autocomplete": "name"},
    )
    phone = TelField(
        _l("Mobile number"),
        validators=[InputRequired(_l("Enter your mobile number.")), Length(max=20)],
        filters=[_strip],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Choose a password.")), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    community_id = SelectField(
        _l("Your community"),
        coerce=optional_int,
        validators=[InputRequired(_l("Choose your community."))],
        invalid_choice_message=_l("Choose your community from the list."),
        invalid_value_message=_l("Choose your community from the list."),
    )
    building_id = building_field()
    unit = StringField(
        _l("Unit and room (optional)"),
        validators=[Optional(), Length(max=40)],
        filters=[_strip],
    )
    consent = BooleanField(
        _l("I have read the privacy notice and agree that my data is used as it describes."),
        validators=[DataRequired(_l("Please read and accept the privacy notice."))],
    )
    submit = SubmitField(_l("Register"))


class LoginForm(FlaskForm):
    phone = TelField(
        _l("Mobile number"),
        validators=[InputRequired(_l("Enter your mobile number.")), Length(max=20)],
        filters=[_strip],
        render_kw={"autocomplete": "username", "inputmode": "tel"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class RedeemCodeForm(FlaskForm):
    code = StringField(
        _l("Verification code"),
        validators=[InputRequired(_l("Enter the code printed on your slip.")), Length(max=20)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Verify my residence"))


class StaffSearchForm(FlaskForm):
    """GET search on the staff page (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Name or mobile number"), validators=[Optional(), Length(max=40)], filters=[_strip]
    )
    show = SelectField(
        _l("Show"),
        choices=[
            SelectChoice("pending", _l("Awaiting verification")),
            SelectChoice("all", _l("All residents")),
        ],
        default="pending",
        validators=[Optional()],
    )


class IssueCodesForm(FlaskForm):
    community_id = SelectField(
        _l("Community"),
        coerce=optional_int,
        validators=[InputRequired(_l("Choose a community."))],
        invalid_choice_message=_l("Choose a community of your area from the list."),
        invalid_value_message=_l("Choose a community of your area from the list."),
    )
    building_id = building_field()
    count = IntegerField(
        _l("Number of codes"),
        default=20,
        validators=[
            InputRequired(_l("Enter how many codes to print.")),
            NumberRange(1, 200, _l("Enter a number from 1 to 200.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 200},
    )
    valid_days = IntegerField(
        _l("Valid for (days)"),
        default=60,
        validators=[
            InputRequired(_l("Enter how many days the codes stay valid.")),
            NumberRange(1, 366, _l("Enter a number from 1 to 366.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 366},
    )
    submit = SubmitField(_l("Print codes"))


class FindUserForm(FlaskForm):
    phone = TelField(
        _l("Mobile number"),
        validators=[InputRequired(_l("Enter a mobile number.")), Length(max=20)],
        filters=[_strip],
        render_kw={"inputmode": "tel"},
    )
    submit = SubmitField(_l("Find"))


class GrantRoleForm(FlaskForm):
    user_id = HiddenField(validators=[InputRequired()])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        validators=[InputRequired()],
        invalid_choice_message=_l("Choose a role from the list."),
    )
    region_id = SelectField(
        _l("On the region"),
        coerce=optional_int,
        validators=[InputRequired(_l("Choose a region."))],
        invalid_choice_message=_l("Choose a region from the list."),
        invalid_value_message=_l("Choose a region from the list."),
    )
    submit = SubmitField(_l("Grant role"))


class RegionForm(FlaskForm):
    parent_id = SelectField(
        _l("Add under"),
        coerce=optional_int,
        validators=[Optional()],
        invalid_choice_message=_l("Choose a region from the list."),
        invalid_value_message=_l("Choose a region from the list."),
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter a name.")), Length(max=80)],
        filters=[_strip],
    )
    is_village = BooleanField(
        _l("A village (村) — only when adding a community; villages follow the rural procedures")
    )
    submit = SubmitField(_l("Add"))


# Choices --------------------------------------------------------------------------------------
def community_choices(communities: Iterable[Region], placeholder: str) -> list[SelectChoice]:
    """Communities grouped by their street (streets must be loaded)."""
    choices = [SelectChoice("", placeholder)]
    for c in communities:
        street = c.parent.name if c.parent is not None else ""
        choices.append(SelectChoice(c.id, c.name, optgroup=street or None))
    return choices


def building_choices(
    buildings: Iterable[Region], names: dict[int, str], placeholder: str
) -> list[SelectChoice]:
    """Buildings grouped by community; ``names`` maps community ids to names."""
    choices = [SelectChoice("", placeholder)]
    for b in buildings:
        choices.append(SelectChoice(b.id, b.name, optgroup=names.get(b.parent_id)))
    return choices


def region_choices(nodes: Iterable[Region], placeholder: str | None = None) -> list[SelectChoice]:
    """Every node of the tree, indented by depth (nodes in path order)."""
    choices = [SelectChoice("", placeholder)] if placeholder is not None else []
    for node in nodes:
        depth = len(node.ancestor_ids) - 1
        label = "\u3000" * depth + f"{node.name} · {kind_label(node.kind)}"
        choices.append(SelectChoice(node.id, label))
    return choices

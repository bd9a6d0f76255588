"""Forms of the matter pages. Each validates what it can alone; rules that need the database
or the actor (permissions, lifecycle, tiers) stay with the views and services."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from consult.core.ids import MAX_ID
from consult.core.money import InvalidAmount, format_yuan, parse_yuan
from consult.matters import services
from consult.matters.categories import CATEGORIES
from consult.matters.labels import STATE_LABELS

REASON_MAX = 2000
#: the largest id an integer column holds; anything above cannot exist


def clean(value):
    """Strip whitespace and NUL characters (PostgreSQL refuses them) from submitted text."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def optional_int(value) -> int | None:
    """Coerce a select's value; the empty choice ("all", "choose…") is None."""
    if value in (None, ""):
        return None
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError("out of range")
    return number


def category_choices(empty_label) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [
        SelectChoice(code, label) for code, label in CATEGORIES.items()
    ]


class FilterForm(FlaskForm):
    """The GET form above the list. Invalid values are reported and ignored, never fatal."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), [Optional(), Length(max=100)], filters=[clean])
    community = SelectField(_l("Community"), coerce=optional_int)
    category = SelectField(
        _l("Category"), choices=category_choices(_l("All categories")), default=""
    )
    state = SelectField(
        _l("State"),
        choices=[SelectChoice("", _l("All states"))]
        + [SelectChoice(state.value, label) for state, label in STATE_LABELS.items()],
        default="",
    )
    tier = SelectField(
        _l("Tier"),
        coerce=optional_int,
        choices=[SelectChoice("", _l("All tiers"))]
        + [SelectChoice(str(t), _l("Tier %(t)d", t=t)) for t in (1, 2, 3)],
    )
    sort = SelectField(
        _l("Order"),
        choices=[
            SelectChoice("new", _l("Newest first")),
            SelectChoice("support", _l("Most supported first")),
        ],
        default="new",
    )
    mine = BooleanField(_l("Only my proposals"))
    flagged = BooleanField(_l("Only those over the support threshold"))


class ProposeForm(FlaskForm):
    """Propose a 民生小实事 — or enter one for a neighbour who is not online (assisted entry)."""

    title = StringField(
        _l("Title"),
        [
            DataRequired(_l("A title is required.")),
            Length(max=services.TITLE_MAX, message=_l("At most %(max)d characters.")),
        ],
        filters=[clean],
    )
    description = TextAreaField(
        _l("What is the problem, and what should be done?"),
        [
            DataRequired(_l("A description is required.")),
            Length(max=services.DESCRIPTION_MAX, message=_l("At most %(max)d characters.")),
        ],
        filters=[clean],
    )
    category = SelectField(
        _l("Category"),
        [DataRequired(_l("Choose a category from the list."))],
        choices=category_choices(_l("Choose a category")),
        invalid_choice_message=_l("Choose a category from the list."),
    )
    community_id = SelectField(
        _l("Community"),
        [DataRequired(_l("Choose a community."))],
        coerce=optional_int,
        invalid_value_message=_l("Choose a community from the list."),
        invalid_choice_message=_l("Choose a community from the list."),
    )
    location = StringField(
        _l("Where exactly (building, street, place)"),
        [Length(max=services.LOCATION_MAX, message=_l("At most %(max)d characters."))],
        filters=[clean],
    )
    estimated_cost = StringField(_l("Estimated cost in yuan (optional)"), filters=[clean])
    photos = MultipleFileField(_l("Photos (optional)"))
    assisted = BooleanField(_l("I am entering this for a neighbour who is not online"))
    on_behalf_name = StringField(
        _l("The neighbour's name"),
        [Length(max=services.ON_BEHALF_NAME_MAX, message=_l("At most %(max)d characters."))],
        filters=[clean],
    )
    on_behalf_phone = StringField(
        _l("The neighbour's phone number (optional)"),
        [
            Optional(),
            Regexp(r"^[0-9+\- ]{5,20}$", message=_l("Enter a phone number of digits only.")),
        ],
        filters=[clean],
    )
    seen_similar = BooleanField(_l("I have looked at the similar proposals and mine is different"))

    #: the cost in fen once validated (None when not given)
    cost_fen: int | None = None

    def validate_estimated_cost(self, field) -> None:
        self.cost_fen = None
        text = field.data or ""
        if not text:
            return
        bare = re.sub(r"[,，¥￥元\s]", "", text)
        if bare.startswith("-"):
            raise ValidationError(_l("The cost cannot be negative."))
        if re.fullmatch(r"\d+\.\d{3,}", bare):
            raise ValidationError(_l("Give the cost in yuan with at most two decimals."))
        if re.fullmatch(r"\d{13,}(\.\d*)?", bare):
            raise ValidationError(_too_costly())
        try:
            fen = parse_yuan(text)
        except InvalidAmount:
            raise ValidationError(
                _l("Enter the cost as a number of yuan, for example 12000 or 12000.50.")
            ) from None
        if fen is not None and fen > services.MAX_COST_FEN:
            raise ValidationError(_too_costly())
        self.cost_fen = fen

    def validate_on_behalf_name(self, field) -> None:
        if self.assisted.data and not field.data:
            raise ValidationError(_l("Give the name of the neighbour you are entering this for."))


def _too_costly():
    return _l("The estimated cost can be at most %(max)s.", max=format_yuan(services.MAX_COST_FEN))


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        [
            DataRequired(_l("Write something first.")),
            Length(max=services.MAX_COMMENT, message=_l("At most %(max)d characters.")),
        ],
        filters=[clean],
    )


def _reason(label, required: bool, message=None):
    checks = [DataRequired(message)] if required else [Optional()]
    checks.append(Length(max=REASON_MAX, message=_l("At most %(max)d characters.")))
    return TextAreaField(label, checks, filters=[clean])


class HideCommentForm(FlaskForm):
    reason = _reason(
        _l("Public reason for hiding"),
        True,
        _l("Give the public reason for hiding this comment."),
    )


class WithdrawForm(FlaskForm):
    reason = _reason(_l("Why are you withdrawing it? (optional, shown publicly)"), False)
    confirm = HiddenField()


def _tier_field(label):
    # The service gives the clear message for a tier out of range, so choices are not enforced.
    return SelectField(
        label,
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a tier."))],
        invalid_value_message=_l("Choose a tier."),
    )


class AcceptForm(FlaskForm):
    tier = _tier_field(_l("Tier"))
    reason = _reason(_l("Reason (required when raising the tier above the routed one)"), False)


class RejectForm(FlaskForm):
    reason = _reason(
        _l("Public reason for not accepting"), True, _l("Give the public reason for rejecting.")
    )


class MergeForm(FlaskForm):
    into = StringField(
        _l("Merge into matter number"),
        [DataRequired(_l("Give the number of the matter to merge into."))],
        filters=[clean],
    )
    reason = _reason(_l("Reason (optional, shown publicly)"), False)

    into_id: int | None = None

    def validate_into(self, field) -> None:
        text = (field.data or "").lstrip("#＃").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID):
            raise ValidationError(_l("Give a matter number such as 42 or #42."))
        self.into_id = int(text)


class RaiseTierForm(FlaskForm):
    tier = _tier_field(_l("New tier"))
    reason = _reason(
        _l("Reason for raising the tier (public)"), True, _l("Give a reason for raising the tier.")
    )

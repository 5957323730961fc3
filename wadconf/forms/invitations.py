"""Invitations and delegate categories.

The rules (e-mail, mobile, seats, duplicates) live in the services, which name the field a
refusal concerns; these forms only bound the input and carry the CSRF token.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp


def locale_choices():
    """Languages an invitee can receive messages in."""
    return [("zh_Hans", _l("Chinese")), ("en", _l("English")), ("both", _l("Chinese and English"))]


class InvitationForm(FlaskForm):
    """An invitation to a person or a delegation. The expiry is read in the event's zone."""

    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name (English or pinyin)"), validators=[Optional(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=300)])
    category = SelectField(_l("Delegate category"), choices=[])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=40)])
    locale = SelectField(_l("Language of messages"), choices=locale_choices, default="zh_Hans")
    seats = IntegerField(
        _l("Seats"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=500, message=_l("Between 1 and 500."))],
    )
    expires_at = DateTimeLocalField(_l("Expires"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    note = TextAreaField(
        _l("Note (only organisers see it)"), validators=[Optional(), Length(max=2000)]
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class CategoryForm(FlaskForm):
    """A delegate category's names, badge colour and approval rule."""

    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=100)])
    colour = StringField(
        _l("Badge colour"),
        default="#0b4f8a",
        validators=[
            InputRequired(),
            Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour such as #0b4f8a.")),
        ],
    )
    requires_approval = BooleanField(_l("Registrations need approval"))
    highlight_arrivals = BooleanField(_l("Call out arrivals on the check-in dashboard"))


class NewCategoryForm(CategoryForm):
    """A category added to an event: also its code."""

    code = StringField(
        _l("Code (used in imports)"),
        validators=[
            InputRequired(),
            Length(max=40),
            Regexp(
                r"^[a-z][a-z0-9_]{1,39}$",
                message=_l("Lower-case letters, digits and underscores, e.g. guest."),
            ),
        ],
    )

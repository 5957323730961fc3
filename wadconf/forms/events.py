"""Events."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wadconf.services.events import MAX_CAPACITY

_ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
)


class EventForm(FlaskForm):
    """An edition of the conference. Registration times are read in the event's zone."""

    slug = StringField(
        _l("Short name (used in addresses)"), validators=[DataRequired(), Length(max=40)]
    )
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    theme_zh = StringField(_l("Theme (Chinese)"), validators=[Optional(), Length(max=300)])
    theme_en = StringField(_l("Theme (English)"), validators=[Optional(), Length(max=300)])
    intl_theme_zh = StringField(
        _l("International theme (Chinese)"), validators=[Optional(), Length(max=300)]
    )
    intl_theme_en = StringField(
        _l("International theme (English)"), validators=[Optional(), Length(max=300)]
    )
    organiser_zh = StringField(_l("Organiser (Chinese)"), validators=[Optional(), Length(max=300)])
    organiser_en = StringField(_l("Organiser (English)"), validators=[Optional(), Length(max=300)])
    venue_zh = StringField(_l("Venue (Chinese)"), validators=[Optional(), Length(max=300)])
    venue_en = StringField(_l("Venue (English)"), validators=[Optional(), Length(max=300)])
    description_zh = TextAreaField(
        _l("Description (Chinese)"), validators=[Optional(), Length(max=5000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=5000)]
    )
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    timezone = SelectField(
        _l("Time zone"), choices=[(z, z) for z in _ZONES], default="Asia/Shanghai"
    )
    default_locale = SelectField(
        _l("Default language"), choices=[("zh_Hans", "中文"), ("en", "English")], default="zh_Hans"
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    is_published = BooleanField(_l("Shown on the public site"), default=True)
    # Registration settings.
    capacity = IntegerField(
        _l("Capacity (places)"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=MAX_CAPACITY,
                message=_l("Give a number of places from 0 to %(max)d.", max=MAX_CAPACITY),
            ),
        ],
    )
    requires_approval = BooleanField(_l("Registrations wait for an organiser's approval"))
    asks_gender = BooleanField(_l("The registration form asks for gender"))
    requires_id_document = BooleanField(
        _l("The registration form asks for an identity document (venue security)")
    )

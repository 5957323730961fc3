"""Staff accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from wadconf.models import Role


def role_choices():
    """Roles with their translated names."""
    return [
        (Role.ADMIN.value, _l("Administrator")),
        (Role.ORGANIZER.value, _l("Organiser")),
        (Role.CHECKIN.value, _l("Check-in staff")),
        # Normally created from the series pages with a body; listed so that editing such an
        # account keeps its role instead of silently offering the first choice.
        (Role.REPORTER.value, _l("Reporting body (series activities)")),
    ]


class UserCreateForm(FlaskForm):
    """A new staff account."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices)
    #: "" for every event, else an event id; the view fills the choices.
    event_id = SelectField(_l("Limited to event"), choices=[], validate_choice=False)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class UserEditForm(FlaskForm):
    """Role, name and whether the account may log in."""

    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices)
    #: "" for every event, else an event id; the view fills the choices.
    event_id = SelectField(_l("Limited to event"), choices=[], validate_choice=False)
    is_active = BooleanField(_l("Account enabled"))


class PasswordForm(FlaskForm):
    """A new password for an account."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

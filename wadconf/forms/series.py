"""Series activities: deadlines, reporting bodies, reporter accounts, plans and reports."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from wadconf.models.series import ActivityKind, BodyKind

_LOCAL = "%Y-%m-%dT%H:%M"


def body_kind_choices():
    """Kinds of reporting body with their translated names."""
    return [
        (BodyKind.PROVINCE.value, _l("Provincial market regulator")),
        (BodyKind.ASSOCIATION.value, _l("Association")),
        (BodyKind.CERTIFICATION_BODY.value, _l("Certification body")),
        (BodyKind.OTHER.value, _l("Other")),
    ]


def activity_kind_choices():
    """Kinds of activity with their translated names."""
    return [
        (ActivityKind.FORUM.value, _l("Forum")),
        (ActivityKind.OPEN_DAY.value, _l("Open day")),
        (ActivityKind.TRAINING.value, _l("Training")),
        (ActivityKind.PUBLICITY_CAMPAIGN.value, _l("Publicity campaign")),
        (ActivityKind.OTHER.value, _l("Other")),
    ]


class DeadlinesForm(FlaskForm):
    """When plans and reports are due, in the event's time zone."""

    plans_due_at = DateTimeLocalField(_l("Plans due"), format=_LOCAL, validators=[Optional()])
    reports_due_at = DateTimeLocalField(_l("Reports due"), format=_LOCAL, validators=[Optional()])


class BodyForm(FlaskForm):
    """A reporting body's names, kind and contact address."""

    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=body_kind_choices, default=BodyKind.OTHER.value)
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Length(max=254)])


class NewBodyForm(BodyForm):
    """A new reporting body."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class ReporterForm(FlaskForm):
    """A new login for a reporting body."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    locale = SelectField(
        _l("Language of the e-mail"),
        choices=[("both", _l("Chinese and English")), ("zh_Hans", "中文"), ("en", "English")],
        default="both",
    )


class ReopenForm(FlaskForm):
    """Reopen a plan or report after its deadline."""

    until = DateTimeLocalField(_l("Open until (optional)"), format=_LOCAL, validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class PlanForm(FlaskForm):
    """An activity plan."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    places = TextAreaField(_l("Places"), validators=[Optional(), Length(max=1000)])
    activity_kind = SelectField(
        _l("Kind of activity"), choices=activity_kind_choices, default=ActivityKind.OTHER.value
    )
    target_audience = StringField(_l("Target audience"), validators=[Optional(), Length(max=500)])
    expected_participants = IntegerField(
        _l("Expected participants"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    files = MultipleFileField(_l("Add attachments"))


class ReportForm(FlaskForm):
    """A report on the activities that took place."""

    summary = TextAreaField(_l("What took place"), validators=[DataRequired(), Length(max=20000)])
    participants = IntegerField(
        _l("Participants"), validators=[Optional(), NumberRange(min=0, max=100_000_000)]
    )
    media_links = TextAreaField(
        _l("Media coverage (one link per line)"), validators=[Optional(), Length(max=20000)]
    )
    files = MultipleFileField(_l("Add photos and documents"))


class WelcomeForm(FlaskForm):
    """The password a reporter chooses from the invitation link."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

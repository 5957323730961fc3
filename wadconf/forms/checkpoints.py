"""Checkpoint forms: an entrance, a session room, the signing hall."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from wadconf.models import AdmissionRule, CheckpointKind, ReentryPolicy
from wadconf.services.checkpoints import enrolled_rule_available


def kind_choices():
    """Kinds of checkpoint with their translated names."""
    return [
        (CheckpointKind.ENTRANCE.value, _l("Entrance")),
        (CheckpointKind.SESSION_ROOM.value, _l("Session room")),
        (CheckpointKind.SIGNING_HALL.value, _l("Signing hall")),
        (CheckpointKind.OTHER.value, _l("Other")),
    ]


def rule_choices():
    """Admission rules; ``enrolled`` only once sessions can be linked to checkpoints."""
    choices = [
        (AdmissionRule.ALL.value, _l("All confirmed delegates")),
        (AdmissionRule.CATEGORIES.value, _l("Confirmed delegates of the chosen categories")),
    ]
    if enrolled_rule_available():
        choices.append(
            (
                AdmissionRule.ENROLLED.value,
                _l("Delegates enrolled in the linked session (needs a linked session)"),
            )
        )
    return choices


def reentry_choices():
    """Re-entry policies with their translated names."""
    return [
        (ReentryPolicy.ONCE.value, _l("Entry once")),
        (ReentryPolicy.IN_OUT.value, _l("Entry and exit (re-entry allowed)")),
    ]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes instead of a multiple select: easier on a phone and for screen readers."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def optional_id(value):
    """A select's value as an id, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


class CheckpointForm(FlaskForm):
    """A checkpoint's names, rule, window and re-entry policy (the code is set once)."""

    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    rule = SelectField(_l("Who may pass"), choices=rule_choices)
    category_ids = MultiCheckboxField(_l("Categories (for the category rule)"), coerce=int)
    reentry = SelectField(_l("Re-entry"), choices=reentry_choices)
    opens_at = DateTimeLocalField(
        _l("Opens (event time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Closes (event time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    expected_count = IntegerField(
        _l("Expected people (empty: from registrations)"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    is_active = BooleanField(_l("Open for scanning"), default=True)
    #: Choices set by the view: the event's sessions and rooms, and "none".
    session_id = SelectField(_l("Linked session"), coerce=optional_id, choices=[])
    room_id = SelectField(_l("Room where it stands"), coerce=optional_id, choices=[])


class NewCheckpointForm(CheckpointForm):
    """A new checkpoint: also its code."""

    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(),
            Length(max=40),
            Regexp(
                r"^[a-z0-9][a-z0-9_-]{0,39}$",
                message=_l(
                    "Lower-case letters, digits, hyphens and underscores, e.g. main-entrance."
                ),
            ),
        ],
    )

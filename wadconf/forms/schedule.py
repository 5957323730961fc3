"""Schedule editor forms: rooms, tracks, sessions, and moving or copying a session.

Dates and times are entered in the event's zone; the views turn them into aware UTC.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    ColorField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from wadconf.models import ProgrammeKind

CODE_VALIDATORS = [
    InputRequired(),
    Length(max=40),
    Regexp(
        r"^[a-z0-9][a-z0-9_-]{0,39}$",
        message=_l("Lower-case letters, digits, hyphens and underscores, e.g. main-hall."),
    ),
]

#: One availability window a line: ``2025-06-05 08:00-12:00``.
WINDOW_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def kind_choices():
    """Kinds of session with their translated names."""
    return [(kind.value, kind_label(kind.value)) for kind in ProgrammeKind]


def kind_label(value: str):
    """The translated name of a session kind."""
    return {
        ProgrammeKind.PLENARY.value: _l("Plenary"),
        ProgrammeKind.RELEASE.value: _l("Release"),
        ProgrammeKind.SIGNING_CEREMONY.value: _l("Signing ceremony"),
        ProgrammeKind.THEMATIC_EXCHANGE.value: _l("Thematic exchange"),
        ProgrammeKind.BREAK.value: _l("Break"),
        ProgrammeKind.OTHER.value: _l("Other"),
    }.get(str(value), str(value))


def optional_id(value) -> int | None:
    """A select's value as a row id; the empty choice is ``None``."""
    if value in (None, "", "None"):
        return None
    return int(value)


def parse_windows(text: str) -> list[tuple[date, time, time]]:
    """Availability lines as (day, start, end) in the event's zone; ``ValueError`` names a line."""
    windows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        found = WINDOW_LINE.match(line)
        if found is None:
            raise ValueError(number)
        try:
            day = date.fromisoformat(found.group(1))
            start = datetime.strptime(found.group(2), "%H:%M").time()
            end = datetime.strptime(found.group(3), "%H:%M").time()
        except ValueError:
            raise ValueError(number) from None
        windows.append((day, start, end))
    return windows


class RoomForm(FlaskForm):
    """A room's code, names, seats, location, column order and availability."""

    code = StringField(_l("Code"), validators=CODE_VALIDATORS)
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    capacity = IntegerField(
        _l("Seats (empty: not limited)"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
    )
    location_zh = StringField(_l("Location (Chinese)"), validators=[Optional(), Length(max=300)])
    location_en = StringField(_l("Location (English)"), validators=[Optional(), Length(max=300)])
    position = IntegerField(
        _l("Column order"), default=0, validators=[Optional(), NumberRange(min=0, max=10_000)]
    )
    availability = TextAreaField(
        _l("Available (one window a line, event time, e.g. 2025-06-05 08:00-12:00)"),
        validators=[Optional(), Length(max=4000)],
    )

    def validate_availability(self, field) -> None:
        try:
            parse_windows(field.data or "")
        except ValueError as exc:
            raise ValidationError(
                _l("Line %(line)s is not of the form 2025-06-05 08:00-12:00.", line=exc.args[0])
            ) from None


class TrackForm(FlaskForm):
    """A track's code, names, colour and order."""

    code = StringField(_l("Code"), validators=CODE_VALIDATORS)
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    colour = ColorField(
        _l("Colour"),
        default="#0b4f8a",
        validators=[
            InputRequired(),
            Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Give the colour as #rrggbb.")),
        ],
    )
    position = IntegerField(
        _l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=10_000)]
    )


class _Placement(FlaskForm):
    """Day and times in the event's zone, a room, and the "yes, I mean it" checkbox."""

    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Starts (event time)"), validators=[InputRequired()])
    room_id = SelectField(_l("Room"), coerce=optional_id, validate_choice=True)
    confirm_clashes = BooleanField(_l("Save anyway: I have read the warnings"))


class SessionForm(_Placement):
    """Everything an organiser sets on a session."""

    title_zh = StringField(_l("Title (Chinese)"), validators=[Optional(), Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=300)])
    description_zh = TextAreaField(
        _l("Description (Chinese)"), validators=[Optional(), Length(max=10_000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=10_000)]
    )
    kind = SelectField(_l("Kind"), choices=kind_choices)
    track_id = SelectField(_l("Track"), coerce=optional_id, validate_choice=True)
    end = TimeField(_l("Ends (event time)"), validators=[InputRequired()])
    capacity = IntegerField(
        _l("Capacity (empty: the room's)"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
    )
    requires_enrolment = BooleanField(_l("Delegates must enrol"))
    position = IntegerField(
        _l("Order among sessions starting together"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10_000)],
    )


class MoveForm(_Placement):
    """Move, resize or re-room a session."""

    end = TimeField(_l("Ends (event time)"), validators=[InputRequired()])


class CopyForm(_Placement):
    """Where and when the copy of a session goes (it keeps the original's length)."""

"""Forms of session enrolment: the delegate's buttons, the registration form's choices, admin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from wadconf.i18n import bi, fmt_datetime
from wadconf.models import Event, Session
from wadconf.services import enrolments as service


class EnrolForm(FlaskForm):
    """The delegate's "enrol" / "join the waiting list" button."""

    #: Set by the "join the waiting list" button: the delegate agreed to wait when full.
    waitlist = HiddenField()


class EnrolmentActionForm(FlaskForm):
    """A button that changes something (cancel, leave the waiting list): only the CSRF token."""


class AddDelegateForm(FlaskForm):
    """An organiser enrols a delegate."""

    registration_id = SelectField(
        _l("Delegate"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose a delegate."))],
    )


class CapacityForm(FlaskForm):
    """An organiser changes the session's places."""

    capacity = IntegerField(
        _l("Places"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100000, message=_l("Give a number from 0 to 100000.")),
        ],
    )


def session_choice_label(session: Session, event: Event) -> str:
    """ "5 June 14:00 · Title · 3 places left" for the registration form's checkboxes."""
    when = fmt_datetime(session.starts_at, event.timezone, "short")
    free = service.free_places(session)
    if free is None:
        places = ""
    elif free == 0:
        places = str(_l("full: you will be on the waiting list"))
    else:
        places = str(_l("%(n)d places left", n=free))
    return " · ".join(part for part in (when, bi(session, "title"), places) if part)


def offer_sessions(form, event: Event) -> list[Session]:
    """Offer ``event``'s published sessions that require enrolment on the registration form;
    drop the field when there are none. Returns the sessions offered."""
    field = getattr(form, "sessions", None)
    if field is None:
        return []
    sessions = service.enrollable_sessions(event)
    if not sessions:
        del form.sessions
        return []
    field.choices = [(s.token, session_choice_label(s, event)) for s in sessions]
    return sessions


def chosen_sessions(form, offered: list[Session]) -> list[Session]:
    """The sessions ticked on the registration form (only among those offered)."""
    field = getattr(form, "sessions", None)
    if field is None or not field.data:
        return []
    chosen = set(field.data)
    return [s for s in offered if s.token in chosen]

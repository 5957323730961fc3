"""The delegate's enrolments, from the manage link: enrol, join or leave a waiting list, cancel.

Sessions are named by their public token, the delegate by the manage token; both are random.
The personal agenda itself is drawn on the manage page by the ``_agenda.html`` partial, which
calls the template global ``personal_agenda_for(registration)``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import format_time
from flask_babel import lazy_gettext as _l

from wadconf.extensions import db
from wadconf.forms.enrolment import EnrolForm, EnrolmentActionForm
from wadconf.i18n import bi
from wadconf.models import Registration, Session
from wadconf.services import DomainError
from wadconf.services import enrolments as service
from wadconf.views.registration import _registration, limited

bp = Blueprint("enrolment", __name__)


@bp.after_request
def _private(response):
    """These answers follow personal pages: nothing keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _session(registration: Registration, session_token: str) -> Session:
    """The delegate's event's session of that token, else 404."""
    session = service.session_by_token(registration.event, session_token)
    if session is None:
        abort(404)
    return session


def _back(token: str, session_token: str | None = None):
    anchor = f"session-{session_token}" if session_token else "agenda"
    return redirect(url_for("registration.manage", token=token, _anchor=anchor))


@bp.post("/r/<token>/sessions/<session_token>/enrol")
@limited
def enrol(token: str, session_token: str):
    """Take a place in the session, or (having agreed to wait) a place on its waiting list."""
    registration = _registration(token)
    session = _session(registration, session_token)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        enrolment = service.enrol(registration, session, waitlist_ok=form.waitlist.data == "1")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        position = service.waitlist_position(enrolment)
        db.session.commit()
        title = bi(session, "title")
        if position is None:
            flash(_l("You are enrolled in “%(title)s”.", title=title), "success")
        else:
            flash(
                _l(
                    "“%(title)s” is full: you are number %(n)d on its waiting list. You will get "
                    "an e-mail as soon as a place frees up for you.",
                    title=title,
                    n=position,
                ),
                "info",
            )
    return _back(token, session_token)


@bp.post("/r/<token>/sessions/<session_token>/cancel")
@limited
def cancel(token: str, session_token: str):
    """Give up the place, or leave the waiting list."""
    registration = _registration(token)
    session = _session(registration, session_token)
    if not EnrolmentActionForm().validate_on_submit():
        abort(400)
    enrolment = service.live_enrolment(registration, session)
    if enrolment is None:
        flash(_l("You are not enrolled in this session."), "error")
        return _back(token, session_token)
    was_waiting = enrolment.status == service.WAITLISTED
    try:
        service.cancel(enrolment)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        title = bi(session, "title")
        if was_waiting:
            flash(_l("You left the waiting list of “%(title)s”.", title=title), "success")
        else:
            flash(_l("Your place in “%(title)s” is cancelled.", title=title), "success")
    return _back(token, session_token)


@bp.app_template_global("personal_agenda_for")
def personal_agenda_for(registration: Registration) -> list[service.AgendaItem]:
    """The published sessions as ``registration`` sees them (see ``personal_agenda``)."""
    return service.personal_agenda(registration)


@bp.app_template_global("enrolment_form")
def enrolment_form() -> EnrolForm:
    """The (CSRF-only) form behind the agenda's buttons."""
    return EnrolForm()


@bp.app_template_filter("clock")
def clock(value: datetime, zone: str) -> str:
    """The time of day of ``value`` in ``zone``, short, for the locale (``14:00``, ``2:00 PM``)."""
    local = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return format_time(local, "short", rebase=False)


@bp.app_template_global("personal_ics_url")
def personal_ics_url(registration: Registration) -> str:
    """The delegate's calendar file (personal agenda as iCalendar)."""
    return url_for("agenda.personal_ics", token=registration.manage_token)

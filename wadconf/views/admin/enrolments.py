"""Admin pages: enrolment in sessions that require it (places, waiting lists, capacity).

Organisers and administrators only. Every change goes through
:mod:`wadconf.services.enrolments`, which locks the session, promotes from the waiting list
when places free up, and writes the audit log.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.forms.enrolment import AddDelegateForm, CapacityForm, EnrolmentActionForm
from wadconf.models import (
    ACTIVE_STATUSES,
    Enrolment,
    Event,
    Registration,
    Role,
    Session,
)
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import enrolments as service
from wadconf.views.admin import bp, event_or_404


def _session(event: Event, session_id: int) -> Session:
    """``event``'s session ``session_id``, else 404 (another event's id included)."""
    session = db.session.get(Session, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


def _back(event: Event, session: Session):
    return redirect(url_for("admin.session_enrolments", slug=event.slug, session_id=session.id))


def _candidates(event: Event, session: Session) -> list[tuple[int, str]]:
    """Live registrations of ``event`` without a live enrolment in ``session``, by name."""
    taken = select(Enrolment.registration_id).where(
        Enrolment.session_id == session.id, Enrolment.status.in_(service.LIVE)
    )
    rows = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status.in_(ACTIVE_STATUSES),
            Registration.personal_data_erased_at.is_(None),
            Registration.id.not_in(taken),
        )
        .order_by(Registration.name_en, Registration.name_zh, Registration.id)
    )
    return [
        (r.id, f"{r.display_name} · {r.organisation}" if r.organisation else r.display_name)
        for r in rows
    ]


@bp.get("/events/<slug>/enrolments/")
@roles_required(Role.ORGANIZER)
def enrolments(slug: str):
    """Sessions of the event that require enrolment, with places taken and waiting lists."""
    event = event_or_404(slug)
    sessions = db.session.scalars(
        select(Session)
        .where(Session.event_id == event.id, Session.requires_enrolment.is_(True))
        .order_by(Session.starts_at, Session.position, Session.id)
    ).all()
    published = service.published_tokens(event)
    rows = [
        {
            "session": s,
            "enrolled": service.enrolled_count(s),
            "waiting": service.waiting_count(s),
            "capacity": s.effective_capacity,
            "published": s.token in published,
        }
        for s in sessions
    ]
    return render_template("admin/enrolments/list.html", event=event, rows=rows)


@bp.get("/events/<slug>/sessions/<int:session_id>/enrolments")
@roles_required(Role.ORGANIZER)
def session_enrolments(slug: str, session_id: int):
    """A session's enrolled delegates and waiting list, with the organisers' actions."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    enrolled, waiting = service.session_enrolments(session)
    add_form = AddDelegateForm()
    add_form.registration_id.choices = [(0, _l("Choose…")), *_candidates(event, session)]
    capacity_form = CapacityForm(capacity=session.capacity)
    return render_template(
        "admin/enrolments/session.html",
        event=event,
        session=session,
        enrolled=enrolled,
        waiting=waiting,
        free=service.free_places(session),
        published=service.is_published(session),
        add_form=add_form,
        capacity_form=capacity_form,
        action_form=EnrolmentActionForm(),
    )


@bp.post("/events/<slug>/sessions/<int:session_id>/enrolments/add")
@roles_required(Role.ORGANIZER)
def session_enrolment_add(slug: str, session_id: int):
    """Enrol a delegate (a place if one is free, else the waiting list)."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = AddDelegateForm()
    form.registration_id.choices = _candidates(event, session)
    if not form.validate_on_submit():
        flash(_l("Choose a delegate who is not yet enrolled or waiting."), "error")
        return _back(event, session)
    registration = db.session.get(Registration, form.registration_id.data)
    try:
        enrolment = service.enrol(registration, session, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        waiting = enrolment.status == service.WAITLISTED
        db.session.commit()
        if waiting:
            flash(_l("The session is full: the delegate was put on the waiting list."), "info")
        else:
            flash(_l("The delegate is enrolled."), "success")
    return _back(event, session)


@bp.post("/events/<slug>/sessions/<int:session_id>/enrolments/cancel")
@roles_required(Role.ORGANIZER)
def session_enrolment_cancel(slug: str, session_id: int):
    """Cancel an enrolment or a place in line; the next person waiting is promoted."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    if not EnrolmentActionForm().validate_on_submit():
        abort(400)
    try:
        enrolment_id = int(request.form.get("enrolment_id", ""))
    except ValueError:
        enrolment_id = 0
    enrolment = service.get_enrolment(session, enrolment_id) if enrolment_id else None
    if enrolment is None:
        flash(_l("This enrolment does not exist."), "error")
        return _back(event, session)
    try:
        promoted = service.cancel(enrolment, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        names = ", ".join(e.registration.display_name for e in promoted)
        db.session.commit()
        flash(_l("The enrolment is cancelled."), "success")
        if names:
            flash(_l("Promoted from the waiting list: %(names)s.", names=names), "info")
    return _back(event, session)


@bp.post("/events/<slug>/sessions/<int:session_id>/enrolments/capacity")
@roles_required(Role.ORGANIZER)
def session_enrolment_capacity(slug: str, session_id: int):
    """Change the session's places; a higher number promotes from the waiting list."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = CapacityForm()
    if not form.validate_on_submit():
        for error in form.capacity.errors:
            flash(error, "error")
        return _back(event, session)
    try:
        promoted = service.set_capacity(session, form.capacity.data, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        names = ", ".join(e.registration.display_name for e in promoted)
        db.session.commit()
        flash(_l("The number of places was saved."), "success")
        if names:
            flash(_l("Promoted from the waiting list: %(names)s.", names=names), "info")
    return _back(event, session)

"""Admin pages: the organisers' schedule editor (grid and list), clash page, session forms.

A save that would make new clashes comes back with the warnings and a "Save anyway:
I have read the warnings" checkbox; only a save with it ticked passes
``confirm_clashes=True`` to the service. The grid's drag and drop posts JSON to the
same move endpoint as the small move form. Rooms and tracks: :mod:`.schedule_rooms`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from wadconf.extensions import db
from wadconf.forms.invitations import ActionForm
from wadconf.forms.schedule import CopyForm, MoveForm, SessionForm, kind_label
from wadconf.i18n import bi
from wadconf.models import Enrolment, EnrolmentStatus, Event, Role, Session
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import clashes as clash_rules
from wadconf.services import schedule as service
from wadconf.services.schedule_venue import list_rooms, list_tracks
from wadconf.views.admin import bp, event_or_404
from wadconf.views.admin.schedule_grid import build_grid, local

#: Which form field a service refusal belongs under.
ERROR_FIELDS = {
    "session_title_required": "title_zh",
    "session_time_naive": "start",
    "session_ends_before_start": "end",
    "capacity_invalid": "capacity",
    "room_not_in_event": "room_id",
    "track_not_in_event": "track_id",
    "part_not_in_event": "kind",
    "session_has_agreements": "kind",
}

#: The clash rules' names, for the clash page.
RULE_LABELS = {
    clash_rules.ROOM_DOUBLE_BOOKED: _l("Room double-booked"),
    clash_rules.PERSON_DOUBLE_BOOKED: _l("Person in two sessions at once"),
    clash_rules.OUTSIDE_EVENT_DAYS: _l("Outside the event's days"),
    clash_rules.OUTSIDE_ROOM_AVAILABILITY: _l("Outside the room's availability"),
    clash_rules.CAPACITY_ABOVE_ROOM: _l("Capacity above the room's"),
    clash_rules.ENROLMENTS_ABOVE_CAPACITY: _l("Enrolments above capacity"),
    clash_rules.ENROLMENT_OVERLAP: _l("Delegate enrolled in overlapping sessions"),
    clash_rules.SIGNATORY_NOT_CONFIRMED: _l("Signatory not confirmed"),
}


def _session(event: Event, session_id: int) -> Session:
    """``event``'s session ``session_id``, else 404 (another event's id included)."""
    session = db.session.get(Session, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


def _aware(event: Event, day: date, at: time) -> datetime:
    """A date and wall-clock time in the event's zone as an aware datetime."""
    return datetime.combine(day, at, tzinfo=event.zone)


def _room_choices(event: Event) -> list[tuple]:
    return [(None, _l("No room"))] + [(r.id, bi(r, "name") or r.code) for r in list_rooms(event)]


def _track_choices(event: Event) -> list[tuple]:
    return [(None, _l("No track"))] + [(t.id, bi(t, "name") or t.code) for t in list_tracks(event)]


def _place(form, event: Event, session: Session, *, start: datetime | None = None) -> None:
    """Fill a form's day, times and room from ``session`` (``start`` overrides its start)."""
    starts = local(start or session.starts_at, event)
    ends = starts + (session.ends_at - session.starts_at)
    form.day.data = starts.date()
    form.start.data = starts.time()
    if hasattr(form, "end"):
        form.end.data = ends.time()
    form.room_id.data = session.room_id


def _others(event: Event, warnings: list, session: Session | None) -> dict[int, Session]:
    """The saved sessions the warnings name, other than ``session``, for links.

    A new session's warnings name an id that was rolled back: it gets no link.
    """
    ids = {sid for clash in warnings for sid in clash.session_ids}
    if session is not None:
        ids.discard(session.id)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Session).where(Session.event_id == event.id, Session.id.in_(ids))
    )
    return {row.id: row for row in rows}


def _show_error(form, exc: DomainError) -> None:
    """Put the refusal under the field it concerns, else at the top of the page."""
    field = getattr(form, ERROR_FIELDS.get(exc.code, ""), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def _saved_message(warnings: list) -> str:
    if warnings:
        return _l("Saved with %(count)s clash warning(s): see the clash list.", count=len(warnings))
    return _l("Saved.")


def _editor_url(event: Event, session: Session | None = None, view: str | None = None) -> str:
    anchor = f"session-{session.id}" if session is not None else None
    return url_for("admin.schedule_editor", slug=event.slug, view=view, _anchor=anchor)


@bp.get("/events/<slug>/schedule/")
@roles_required(Role.ORGANIZER)
def schedule_editor(slug: str):
    """The programme per day: rooms as columns and time as rows, or a list (``?view=list``)."""
    event = event_or_404(slug)
    sessions = service.sessions_of(event)
    rooms = list_rooms(event)
    clashes = clash_rules.schedule_clashes(event)
    clashing = {sid for clash in clashes for sid in clash.session_ids}
    view = "list" if request.args.get("view") == "list" else "grid"
    days = build_grid(event, sessions, rooms, clashing)
    return render_template(
        "admin/schedule/editor.html",
        event=event,
        view=view,
        days=days,
        sessions=sessions,
        rooms=rooms,
        tracks=list_tracks(event),
        clashes=clashes,
        clashing=clashing,
        local=lambda value: local(value, event),
        kind_label=kind_label,
    )


@bp.get("/events/<slug>/schedule/clashes")
@roles_required(Role.ORGANIZER)
def schedule_clashes(slug: str):
    """Every clash of the event's programme on one page, with links to the sessions."""
    event = event_or_404(slug)
    clashes = clash_rules.schedule_clashes(event)
    ids = {sid for clash in clashes for sid in clash.session_ids}
    sessions = {s.id: s for s in service.sessions_of(event) if s.id in ids}
    anchors: dict[int, int] = {}
    for row, clash in enumerate(clashes):
        for sid in clash.session_ids:
            anchors.setdefault(sid, row)
    return render_template(
        "admin/schedule/clashes.html",
        event=event,
        clashes=clashes,
        sessions=sessions,
        rule_labels=RULE_LABELS,
        anchors=anchors,
        local=lambda value: local(value, event),
    )


def _session_data(form: SessionForm, event: Event, session: Session | None) -> service.SessionData:
    """The form's values; the programme part (not on the form) stays as it was."""
    return service.SessionData(
        part_id=session.part_id if session is not None else None,
        starts_at=_aware(event, form.day.data, form.start.data),
        ends_at=_aware(event, form.day.data, form.end.data),
        title_zh=form.title_zh.data or "",
        title_en=form.title_en.data or "",
        description_zh=form.description_zh.data or "",
        description_en=form.description_en.data or "",
        kind=form.kind.data,
        room_id=form.room_id.data,
        track_id=form.track_id.data,
        capacity=form.capacity.data,
        requires_enrolment=bool(form.requires_enrolment.data),
        position=form.position.data or 0,
    )


def _session_form(event: Event, session: Session | None):
    """Create (``session`` is ``None``) or edit a session, with the clash confirmation step."""
    form = SessionForm(obj=session)
    form.room_id.choices = _room_choices(event)
    form.track_id.choices = _track_choices(event)
    if not form.is_submitted():
        if session is not None:
            form.kind.data = session.kind.value
            _place(form, event, session)
        else:
            day = request.args.get("day", type=date.fromisoformat) or event.starts_on
            start = request.args.get("start", type=time.fromisoformat) or time(9, 0)
            form.day.data = day
            form.start.data = start
            form.end.data = (datetime.combine(day, start) + timedelta(hours=1)).time()
            form.room_id.data = request.args.get("room_id", type=int)
        form.confirm_clashes.data = False
    warnings = []
    if form.validate_on_submit():
        data = _session_data(form, event, session)
        confirm = bool(form.confirm_clashes.data)
        try:
            if session is None:
                result = service.create_session(
                    event, data, confirm_clashes=confirm, by=current_user
                )
            else:
                result = service.update_session(
                    session, data, confirm_clashes=confirm, by=current_user
                )
        except DomainError as exc:
            db.session.rollback()
            if exc.code == "clashes_need_confirmation":
                warnings = exc.params["warnings"]
                form.confirm_clashes.data = False
            else:
                _show_error(form, exc)
        else:
            db.session.commit()
            flash(_saved_message(result.warnings), "success")
            return redirect(_editor_url(event, result.session))
    current = clash_rules.session_clashes(event, session.id) if session else []
    return render_template(
        "admin/schedule/session_form.html",
        event=event,
        session=session,
        form=form,
        warnings=warnings,
        current=current,
        others=_others(event, warnings + current, session),
    )


@bp.route("/events/<slug>/schedule/sessions/new", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_session_new(slug: str):
    """Add a session (``?day=&start=&room_id=`` prefill it from the grid)."""
    event = event_or_404(slug)
    return _session_form(event, None)


@bp.route("/events/<slug>/schedule/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_session_edit(slug: str, session_id: int):
    """Change a session's titles, kind, track, room, times, capacity or enrolment rule."""
    event = event_or_404(slug)
    return _session_form(event, _session(event, session_id))


def _json_answer(result=None, exc: DomainError | None = None, form=None):
    """The move endpoint's JSON: 200 saved, 409 needs confirmation, 422 refused, 400 bad input."""
    if form is not None:
        return jsonify(ok=False, code="invalid", errors=form.errors), 400
    if exc is not None:
        warnings = [c.as_dict() for c in exc.params.get("warnings", [])]
        status = 409 if exc.code == "clashes_need_confirmation" else 422
        return jsonify(ok=False, code=exc.code, message=str(exc.message), warnings=warnings), status
    return jsonify(ok=True, warnings=[c.as_dict() for c in result.warnings])


@bp.route("/events/<slug>/schedule/sessions/<int:session_id>/move", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_session_move(slug: str, session_id: int):
    """Move, resize or re-room a session: the small form, or JSON from the grid's drag."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = MoveForm()
    form.room_id.choices = _room_choices(event)
    wants_json = request.is_json
    if not form.is_submitted():
        _place(form, event, session)
    warnings = []
    if form.validate_on_submit():
        confirm = bool(form.confirm_clashes.data)
        try:
            result = service.move_session(
                session,
                starts_at=_aware(event, form.day.data, form.start.data),
                ends_at=_aware(event, form.day.data, form.end.data),
                room_id=form.room_id.data,
                confirm_clashes=confirm,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            if wants_json:
                return _json_answer(exc=exc)
            if exc.code == "clashes_need_confirmation":
                warnings = exc.params["warnings"]
                form.confirm_clashes.data = False
            else:
                _show_error(form, exc)
        else:
            db.session.commit()
            if wants_json:
                return _json_answer(result)
            flash(_saved_message(result.warnings), "success")
            return redirect(_editor_url(event, session))
    elif wants_json:
        return _json_answer(form=form)
    elif form.is_submitted():
        # A post without the form's fields (e.g. a stale page): start again from the form.
        return redirect(url_for("admin.schedule_session_move", slug=slug, session_id=session_id))
    current = clash_rules.session_clashes(event, session.id)
    return render_template(
        "admin/schedule/move.html",
        event=event,
        session=session,
        form=form,
        warnings=warnings,
        current=current,
        others=_others(event, warnings + current, session),
        local=lambda value: local(value, event),
    )


@bp.route("/events/<slug>/schedule/sessions/<int:session_id>/copy", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_session_copy(slug: str, session_id: int):
    """Copy a session, with its people and agreements, to another time, room or day."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = CopyForm()
    form.room_id.choices = _room_choices(event)
    if not form.is_submitted():
        _place(form, event, session, start=session.ends_at)
    warnings = []
    if form.validate_on_submit():
        try:
            result = service.copy_session(
                session,
                starts_at=_aware(event, form.day.data, form.start.data),
                room_id=form.room_id.data,
                confirm_clashes=bool(form.confirm_clashes.data),
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            if exc.code == "clashes_need_confirmation":
                warnings = exc.params["warnings"]
                form.confirm_clashes.data = False
            else:
                _show_error(form, exc)
        else:
            db.session.commit()
            flash(
                _l("The session was copied.") + " " + str(_saved_message(result.warnings)),
                "success",
            )
            return redirect(_editor_url(event, result.session))
    elif form.is_submitted():
        return redirect(url_for("admin.schedule_session_copy", slug=slug, session_id=session_id))
    return render_template(
        "admin/schedule/copy.html",
        event=event,
        session=session,
        form=form,
        warnings=warnings,
        others=_others(event, warnings, None),
        local=lambda value: local(value, event),
    )


@bp.route("/events/<slug>/schedule/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_session_delete(slug: str, session_id: int):
    """Ask, then delete a session with its people, agreements and enrolments."""
    event = event_or_404(slug)
    session = _session(event, session_id)
    form = ActionForm()
    if form.validate_on_submit():
        service.delete_session(session, by=current_user)
        db.session.commit()
        flash(_l("The session was deleted."), "success")
        return redirect(_editor_url(event))
    return render_template(
        "admin/schedule/delete.html",
        event=event,
        session=session,
        form=form,
        enrolled=db.session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.session_id == session.id,
                Enrolment.status != EnrolmentStatus.CANCELLED,
            )
        ),
        local=lambda value: local(value, event),
    )


from wadconf.views.admin import schedule_rooms  # noqa: E402,F401

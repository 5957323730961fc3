"""Admin pages: the schedule's rooms (with availability windows) and tracks."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from wadconf.extensions import db
from wadconf.forms.invitations import ActionForm
from wadconf.forms.schedule import RoomForm, TrackForm, parse_windows
from wadconf.models import Event, Role, Room, Session, Track
from wadconf.security import roles_required
from wadconf.services import DomainError
from wadconf.services import schedule_venue as venue
from wadconf.views.admin import bp, event_or_404
from wadconf.views.admin.schedule_grid import local


def _room(event: Event, room_id: int) -> Room:
    room = venue.get_room(event, room_id)
    if room is None:
        abort(404)
    return room


def _track(event: Event, track_id: int) -> Track:
    track = venue.get_track(event, track_id)
    if track is None:
        abort(404)
    return track


def _show_error(form, exc: DomainError) -> None:
    """Put the refusal under the field it names, else at the top of the page."""
    field = getattr(form, str(exc.params.get("field", "")), None)
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def _windows_text(room: Room, event: Event) -> str:
    """A room's windows as the form's lines, in the event's zone."""
    lines = []
    for window in room.availabilities:
        starts, ends = local(window.starts_at, event), local(window.ends_at, event)
        lines.append(f"{starts:%Y-%m-%d %H:%M}-{ends:%H:%M}")
    return "\n".join(lines)


def _windows(form: RoomForm, event: Event) -> list[tuple[datetime, datetime]]:
    """The form's windows as aware datetimes in the event's zone."""
    windows = []
    for day, start, end in parse_windows(form.availability.data or ""):
        starts = datetime.combine(day, start, tzinfo=event.zone)
        ends = datetime.combine(day, end, tzinfo=event.zone)
        windows.append((starts, ends))
    return windows


def _room_data(form: RoomForm) -> venue.RoomData:
    return venue.RoomData(
        code=form.code.data or "",
        name_zh=form.name_zh.data or "",
        name_en=form.name_en.data or "",
        capacity=form.capacity.data,
        location_zh=form.location_zh.data or "",
        location_en=form.location_en.data or "",
        position=form.position.data or 0,
    )


@bp.get("/events/<slug>/schedule/rooms/")
@roles_required(Role.ORGANIZER)
def schedule_rooms(slug: str):
    """The event's rooms: seats, location, availability, how many sessions use each."""
    event = event_or_404(slug)
    rooms = venue.list_rooms(event)
    counts = dict(
        db.session.execute(
            select(Session.room_id, func.count())
            .where(Session.event_id == event.id, Session.room_id.is_not(None))
            .group_by(Session.room_id)
        ).all()
    )
    return render_template(
        "admin/schedule/rooms.html",
        event=event,
        rooms=rooms,
        counts=counts,
        in_use={room.id for room in rooms if venue.room_in_use(room)},
        action_form=ActionForm(),
        local=lambda value: local(value, event),
    )


def _room_form(event: Event, room: Room | None):
    form = RoomForm(obj=room)
    if room is not None and not form.is_submitted():
        form.availability.data = _windows_text(room, event)
    if form.validate_on_submit():
        try:
            if room is None:
                saved = venue.create_room(event, _room_data(form), by=current_user)
            else:
                saved = venue.update_room(room, _room_data(form), by=current_user)
            venue.set_room_availability(saved, _windows(form, event), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            if exc.code.startswith("session_"):
                # check_times refused a window: its end is not after its start.
                form.availability.errors = [
                    *form.availability.errors,
                    _l("Each window must end after it starts."),
                ]
            else:
                _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved."), "success")
            return redirect(url_for("admin.schedule_rooms", slug=event.slug))
    return render_template("admin/schedule/room_form.html", event=event, room=room, form=form)


@bp.route("/events/<slug>/schedule/rooms/new", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_room_new(slug: str):
    """Add a room."""
    return _room_form(event_or_404(slug), None)


@bp.route("/events/<slug>/schedule/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_room_edit(slug: str, room_id: int):
    """Change a room's names, seats, location, column order or availability."""
    event = event_or_404(slug)
    return _room_form(event, _room(event, room_id))


@bp.post("/events/<slug>/schedule/rooms/<int:room_id>/delete")
@roles_required(Role.ORGANIZER)
def schedule_room_delete(slug: str, room_id: int):
    """Delete a room no session or checkpoint uses."""
    event = event_or_404(slug)
    room = _room(event, room_id)
    if ActionForm().validate_on_submit():
        try:
            venue.delete_room(room, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_l("The room was deleted."), "success")
    return redirect(url_for("admin.schedule_rooms", slug=slug))


@bp.get("/events/<slug>/schedule/tracks/")
@roles_required(Role.ORGANIZER)
def schedule_tracks(slug: str):
    """The event's thematic tracks with their colours."""
    event = event_or_404(slug)
    return render_template(
        "admin/schedule/tracks.html", event=event, tracks=venue.list_tracks(event)
    )


def _track_data(form: TrackForm) -> venue.TrackData:
    return venue.TrackData(
        code=form.code.data or "",
        name_zh=form.name_zh.data or "",
        name_en=form.name_en.data or "",
        colour=form.colour.data or "",
        position=form.position.data or 0,
    )


def _track_form(event: Event, track: Track | None):
    form = TrackForm(obj=track)
    if form.validate_on_submit():
        data = _track_data(form)
        try:
            if track is None:
                venue.create_track(
                    event,
                    code=data.code,
                    name_zh=data.name_zh,
                    name_en=data.name_en,
                    colour=data.colour,
                    position=data.position,
                    by=current_user,
                )
            else:
                venue.update_track(track, data, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            db.session.commit()
            flash(_l("Saved."), "success")
            return redirect(url_for("admin.schedule_tracks", slug=event.slug))
    return render_template("admin/schedule/track_form.html", event=event, track=track, form=form)


@bp.route("/events/<slug>/schedule/tracks/new", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_track_new(slug: str):
    """Add a thematic track."""
    return _track_form(event_or_404(slug), None)


@bp.route("/events/<slug>/schedule/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_track_edit(slug: str, track_id: int):
    """Change a track's code, names, colour or order."""
    event = event_or_404(slug)
    return _track_form(event, _track(event, track_id))

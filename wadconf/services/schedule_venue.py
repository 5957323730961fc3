"""The venue side of the programme: tracks, and the windows in which rooms may be used."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import Event, Room, RoomAvailability, StaffUser, Track
from wadconf.services import DomainError, audit
from wadconf.services.schedule import check_times


def create_track(
    event: Event,
    *,
    code: str,
    name_zh: str = "",
    name_en: str = "",
    colour: str = "#0b4f8a",
    position: int = 0,
    by: StaffUser | None = None,
) -> Track:
    """Add a thematic track to ``event``."""
    code = code.strip()
    if not code:
        raise DomainError("track_code_required", _("Give the track a short code."))
    if db.session.scalar(select(Track.id).where(Track.event_id == event.id, Track.code == code)):
        raise DomainError("track_code_taken", _("Another track already has that code."))
    track = Track(
        event_id=event.id,
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        colour=colour,
        position=position,
    )
    db.session.add(track)
    db.session.flush()
    audit.record("schedule.track_create", obj=track, actor=by, event_id=event.id)
    return track


def set_room_availability(
    room: Room, windows: list[tuple[datetime, datetime]], *, by: StaffUser | None = None
) -> None:
    """Replace the windows in which ``room`` may be used (an empty list: the whole event)."""
    for starts_at, ends_at in windows:
        check_times(starts_at, ends_at)
    room.availabilities.clear()
    for starts_at, ends_at in sorted(windows):
        room.availabilities.append(RoomAvailability(starts_at=starts_at, ends_at=ends_at))
    db.session.flush()
    audit.record(
        "schedule.room_availability",
        obj=room,
        actor=by,
        details={"windows": [[s.isoformat(), e.isoformat()] for s, e in sorted(windows)]},
    )

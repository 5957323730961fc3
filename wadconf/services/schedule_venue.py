"""The venue side of the programme: rooms, tracks, and the windows in which rooms may be used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import Checkpoint, Event, Room, RoomAvailability, Session, StaffUser, Track
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
        raise DomainError("track_code_required", _("Give the track a short code."), field="code")
    if db.session.scalar(select(Track.id).where(Track.event_id == event.id, Track.code == code)):
        raise DomainError(
            "track_code_taken", _("Another track already has that code."), field="code"
        )
    if not COLOUR_PATTERN.match(colour or ""):
        raise DomainError("track_colour_invalid", _("Give the colour as #rrggbb."), field="colour")
    track = Track(
        event_id=event.id,
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        colour=colour.lower(),
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


COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class RoomData:
    """What an organiser sets on a room."""

    code: str
    name_zh: str = ""
    name_en: str = ""
    capacity: int | None = None
    location_zh: str = ""
    location_en: str = ""
    position: int = 0


@dataclass
class TrackData:
    """What an organiser sets on a track."""

    code: str
    name_zh: str = ""
    name_en: str = ""
    colour: str = "#0b4f8a"
    position: int = 0


def list_rooms(event: Event) -> list[Room]:
    """``event``'s rooms in the editor's column order."""
    return list(
        db.session.scalars(
            select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)
        )
    )


def list_tracks(event: Event) -> list[Track]:
    """``event``'s tracks in their display order."""
    return list(
        db.session.scalars(
            select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
        )
    )


def get_room(event: Event, room_id: int) -> Room | None:
    """``event``'s room ``room_id`` (``None`` for another event's room)."""
    room = db.session.get(Room, room_id)
    return room if room is not None and room.event_id == event.id else None


def get_track(event: Event, track_id: int) -> Track | None:
    """``event``'s track ``track_id`` (``None`` for another event's track)."""
    track = db.session.get(Track, track_id)
    return track if track is not None and track.event_id == event.id else None


def _check_room(event: Event, data: RoomData, room: Room | None) -> str:
    code = data.code.strip()
    if not code:
        raise DomainError("room_code_required", _("Give the room a short code."), field="code")
    if not (data.name_zh.strip() or data.name_en.strip()):
        raise DomainError(
            "room_name_required",
            _("Give the room a name in at least one language."),
            field="name_zh",
        )
    if data.capacity is not None and data.capacity < 1:
        raise DomainError(
            "capacity_invalid", _("The capacity must be at least 1."), field="capacity"
        )
    taken = select(Room.id).where(Room.event_id == event.id, Room.code == code)
    if room is not None:
        taken = taken.where(Room.id != room.id)
    if db.session.scalar(taken):
        raise DomainError("room_code_taken", _("Another room already has that code."), field="code")
    return code


def _apply_room(room: Room, data: RoomData, code: str) -> None:
    room.code = code
    room.name_zh = data.name_zh.strip()
    room.name_en = data.name_en.strip()
    room.capacity = data.capacity
    room.location_zh = data.location_zh.strip()
    room.location_en = data.location_en.strip()
    room.position = data.position


def _room_details(room: Room) -> dict:
    return {
        "code": room.code,
        "name": room.name_en or room.name_zh,
        "capacity": room.capacity,
        "position": room.position,
    }


def create_room(event: Event, data: RoomData, *, by: StaffUser | None = None) -> Room:
    """Add a room to ``event``'s venue."""
    code = _check_room(event, data, None)
    room = Room(event_id=event.id)
    _apply_room(room, data, code)
    db.session.add(room)
    db.session.flush()
    audit.record("schedule.room_create", obj=room, actor=by, details=_room_details(room))
    return room


def update_room(room: Room, data: RoomData, *, by: StaffUser | None = None) -> Room:
    """Change a room's code, names, capacity, location or position."""
    code = _check_room(room.event, data, room)
    _apply_room(room, data, code)
    db.session.flush()
    audit.record("schedule.room_update", obj=room, actor=by, details=_room_details(room))
    return room


def room_in_use(room: Room) -> bool:
    """Whether a session or a checkpoint names ``room`` (then it cannot be deleted)."""
    if db.session.scalar(select(Session.id).where(Session.room_id == room.id).limit(1)):
        return True
    return bool(
        db.session.scalar(select(Checkpoint.id).where(Checkpoint.room_id == room.id).limit(1))
    )


def delete_room(room: Room, *, by: StaffUser | None = None) -> None:
    """Remove a room that no session or checkpoint uses."""
    if room_in_use(room):
        raise DomainError(
            "room_in_use", _("Sessions or checkpoints use this room: move them first.")
        )
    audit.record("schedule.room_delete", obj=room, actor=by, details=_room_details(room))
    db.session.delete(room)
    db.session.flush()


def update_track(track: Track, data: TrackData, *, by: StaffUser | None = None) -> Track:
    """Change a track's code, names, colour or position."""
    code = data.code.strip()
    if not code:
        raise DomainError("track_code_required", _("Give the track a short code."), field="code")
    if not COLOUR_PATTERN.match(data.colour or ""):
        raise DomainError("track_colour_invalid", _("Give the colour as #rrggbb."), field="colour")
    taken = select(Track.id).where(
        Track.event_id == track.event_id, Track.code == code, Track.id != track.id
    )
    if db.session.scalar(taken):
        raise DomainError(
            "track_code_taken", _("Another track already has that code."), field="code"
        )
    track.code = code
    track.name_zh = data.name_zh.strip()
    track.name_en = data.name_en.strip()
    track.colour = data.colour.lower()
    track.position = data.position
    db.session.flush()
    audit.record(
        "schedule.track_update",
        obj=track,
        actor=by,
        event_id=track.event_id,
        details={"code": code, "colour": track.colour},
    )
    return track

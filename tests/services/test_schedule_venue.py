"""Rooms and tracks of the venue: create, change, delete when unused, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.services import schedule_support
from tests.services.schedule_support import add_room, add_session
from wadconf.extensions import db
from wadconf.models import AuditEntry, Checkpoint, Room
from wadconf.services import DomainError
from wadconf.services import schedule_venue as venue

event = schedule_support.event
other_event = schedule_support.other_event


def room_data(**fields) -> venue.RoomData:
    return venue.RoomData(
        **{"code": "hall", "name_zh": "主会场", "name_en": "Main hall", "capacity": 300, **fields}
    )


def actions() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.startswith("schedule."))
            .order_by(AuditEntry.id)
        )
    )


def test_create_room_saves_and_audits(event):
    room = venue.create_room(event, room_data(location_en=" Level 1 ", position=2))
    assert (room.code, room.name_zh, room.capacity) == ("hall", "主会场", 300)
    assert (room.location_en, room.position) == ("Level 1", 2)
    assert actions() == ["schedule.room_create"]


def test_room_code_is_unique_within_the_event(event):
    venue.create_room(event, room_data())
    with pytest.raises(DomainError) as error:
        venue.create_room(event, room_data(name_en="Another"))
    assert error.value.code == "room_code_taken" and error.value.params["field"] == "code"


def test_the_same_room_code_may_be_used_by_another_event(other_event, event):
    venue.create_room(event, room_data())
    other = db.session.get(type(event), other_event.id)
    assert venue.create_room(other, room_data()).event_id == other_event.id


def test_room_needs_a_name(event):
    with pytest.raises(DomainError) as error:
        venue.create_room(event, room_data(name_zh="", name_en=" "))
    assert error.value.code == "room_name_required"


def test_room_capacity_must_be_positive(event):
    with pytest.raises(DomainError) as error:
        venue.create_room(event, room_data(capacity=0))
    assert error.value.code == "capacity_invalid"


def test_update_room_keeps_its_own_code_and_audits(event):
    room = venue.create_room(event, room_data())
    venue.update_room(room, room_data(name_en="Great hall", capacity=None))
    assert (room.name_en, room.capacity) == ("Great hall", None)
    assert actions() == ["schedule.room_create", "schedule.room_update"]


def test_update_room_refuses_another_rooms_code(event):
    venue.create_room(event, room_data())
    side = venue.create_room(event, room_data(code="side"))
    with pytest.raises(DomainError) as error:
        venue.update_room(side, room_data(code="hall"))
    assert error.value.code == "room_code_taken"


def test_unused_room_is_deleted_with_an_audit_entry(event):
    room = venue.create_room(event, room_data())
    room_id = room.id
    venue.delete_room(room)
    assert db.session.get(Room, room_id) is None
    assert actions()[-1] == "schedule.room_delete"


def test_room_with_a_session_is_not_deleted(event):
    room = add_room(event)
    add_session(event, "Talk", "09:00", "10:00", room=room)
    with pytest.raises(DomainError) as error:
        venue.delete_room(room)
    assert error.value.code == "room_in_use"
    assert db.session.get(Room, room.id) is not None


def test_room_with_a_checkpoint_is_not_deleted(event):
    room = add_room(event)
    db.session.add(Checkpoint(event_id=event.id, code="door", name_en="Door", room_id=room.id))
    db.session.flush()
    assert venue.room_in_use(room)
    with pytest.raises(DomainError):
        venue.delete_room(room)


def test_rooms_and_tracks_are_listed_in_their_order(event):
    add_room(event, "b", position=2)
    add_room(event, "a", position=1)
    venue.create_track(event, code="y", position=5)
    venue.create_track(event, code="x", position=0)
    assert [r.code for r in venue.list_rooms(event)] == ["a", "b"]
    assert [t.code for t in venue.list_tracks(event)] == ["x", "y"]


def test_get_room_and_track_ignore_another_events_rows(other_event, event):
    other = db.session.get(type(event), other_event.id)
    foreign_room = add_room(other)
    foreign_track = venue.create_track(other, code="t")
    assert venue.get_room(event, foreign_room.id) is None
    assert venue.get_track(event, foreign_track.id) is None
    assert venue.get_room(other, foreign_room.id) is foreign_room


def test_update_track_changes_names_and_colour_and_audits(event):
    track = venue.create_track(event, code="digital", name_en="Digital")
    venue.update_track(
        track,
        venue.TrackData(code="digital", name_zh="数字化", name_en="Digital", colour="#AA0011"),
    )
    assert (track.name_zh, track.colour) == ("数字化", "#aa0011")
    assert actions() == ["schedule.track_create", "schedule.track_update"]


def test_update_track_refuses_another_tracks_code(event):
    venue.create_track(event, code="digital")
    green = venue.create_track(event, code="green")
    with pytest.raises(DomainError) as error:
        venue.update_track(green, venue.TrackData(code="digital"))
    assert error.value.code == "track_code_taken"


@pytest.mark.parametrize("colour", ["red", "#abc", "#12345g", ""])
def test_track_colour_must_be_rrggbb(event, colour):
    with pytest.raises(DomainError) as error:
        venue.create_track(event, code="x", colour=colour)
    assert error.value.code == "track_colour_invalid"

"""Creating, changing, moving and copying sessions: validation, and saves that need confirmation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.services import schedule_support
from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_room,
    add_session,
    add_signing,
    at,
    enrol,
)
from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AuditEntry,
    Enrolment,
    PersonRole,
    ProgrammeKind,
    Session,
    SessionPerson,
    Signatory,
)
from wadconf.services import DomainError, schedule, schedule_venue
from wadconf.services import clashes as rules

event = schedule_support.event
other_event = schedule_support.other_event


def data(start: str = "09:00", end: str = "10:00", **fields) -> schedule.SessionData:
    return schedule.SessionData(
        starts_at=at(start), ends_at=at(end), title_zh="议程", title_en="Session", **fields
    )


def session_count(event) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Session).where(Session.event_id == event.id)
    )


# --- create ----------------------------------------------------------------------------------


def test_create_session_without_clashes_saves_and_warns_of_nothing(event):
    hall = add_room(event)
    result = schedule.create_session(event, data(room_id=hall.id, kind=ProgrammeKind.PLENARY))
    assert result.warnings == []
    assert result.session.id is not None and result.session.room_id == hall.id
    assert result.session.kind == ProgrammeKind.PLENARY
    assert session_count(event) == 1


def test_new_session_gets_a_random_public_token(event):
    first = schedule.create_session(event, data("09:00", "10:00")).session
    second = schedule.create_session(event, data("10:00", "11:00")).session
    assert len(first.token) >= 16 and first.token != second.token
    assert str(first.id) != first.token


def test_create_session_that_clashes_needs_confirmation_and_saves_nothing(event):
    hall = add_room(event)
    existing = add_session(event, "Opening", "09:00", "10:00", room=hall)
    with pytest.raises(DomainError) as excinfo:
        schedule.create_session(event, data("09:30", "10:30", room_id=hall.id))
    assert excinfo.value.code == "clashes_need_confirmation"
    [warning] = excinfo.value.params["warnings"]
    assert warning.code == rules.ROOM_DOUBLE_BOOKED and existing.id in warning.session_ids
    assert session_count(event) == 1


def test_create_session_that_clashes_saves_when_confirmed_and_returns_the_warnings(event):
    hall = add_room(event)
    add_session(event, "Opening", "09:00", "10:00", room=hall)
    result = schedule.create_session(
        event, data("09:30", "10:30", room_id=hall.id), confirm_clashes=True
    )
    assert [w.code for w in result.warnings] == [rules.ROOM_DOUBLE_BOOKED]
    assert session_count(event) == 2


def test_back_to_back_session_needs_no_confirmation(event):
    hall = add_room(event)
    add_session(event, "Opening", "09:00", "10:00", room=hall)
    result = schedule.create_session(event, data("10:00", "11:00", room_id=hall.id))
    assert result.warnings == []


def test_create_session_records_an_audit_entry(event):
    session = schedule.create_session(event, data()).session
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "schedule.session_create")
    )
    assert entry.object_id == str(session.id) and entry.event_id == event.id


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title_zh": "", "title_en": "  "}, "session_title_required"),
        ({"ends_at": at("09:00")}, "session_ends_before_start"),
        ({"ends_at": at("08:00")}, "session_ends_before_start"),
        ({"starts_at": datetime(2025, 6, 5, 9)}, "session_time_naive"),
        ({"capacity": 0}, "capacity_invalid"),
        ({"room_id": 999_999}, "room_not_in_event"),
        ({"track_id": 999_999}, "track_not_in_event"),
    ],
)
def test_invalid_session_is_refused(event, change, code):
    with pytest.raises(DomainError) as excinfo:
        schedule.create_session(event, replace(data(), **change))
    assert excinfo.value.code == code
    assert session_count(event) == 0


def test_room_of_another_event_is_refused(other_event, event):
    foreign = add_room(other_event, "theirs")
    with pytest.raises(DomainError) as excinfo:
        schedule.create_session(event, data(room_id=foreign.id))
    assert excinfo.value.code == "room_not_in_event"


def test_signing_ceremony_with_agreements_keeps_its_kind(event):
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind=ProgrammeKind.SIGNING_CEREMONY)
    add_signing(ceremony, add_delegate(event))
    changed = replace(schedule.SessionData.of(ceremony), kind=ProgrammeKind.PLENARY)
    with pytest.raises(DomainError) as excinfo:
        schedule.update_session(ceremony, changed)
    assert excinfo.value.code == "session_has_agreements"


# --- update and move -------------------------------------------------------------------------


def test_moving_into_a_clash_needs_confirmation_and_leaves_the_session_where_it_was(event):
    hall = add_room(event)
    add_session(event, "Opening", "09:00", "10:00", room=hall)
    later = add_session(event, "Release", "11:00", "12:00", room=hall)
    with pytest.raises(DomainError) as excinfo:
        schedule.move_session(later, starts_at=at("09:30"))
    assert excinfo.value.code == "clashes_need_confirmation"
    db.session.expire_all()
    assert db.session.get(Session, later.id).starts_at == at("11:00")


def test_move_keeps_the_length(event):
    session = add_session(event, "A", "09:00", "10:30")
    result = schedule.move_session(session, starts_at=at("14:00"))
    assert (result.session.starts_at, result.session.ends_at) == (at("14:00"), at("15:30"))


def test_resize_sets_a_new_end(event):
    session = add_session(event, "A", "09:00", "10:00")
    result = schedule.move_session(session, starts_at=at("09:00"), ends_at=at("11:00"))
    assert result.session.ends_at == at("11:00")


def test_resizing_into_the_next_session_in_the_room_needs_confirmation(event):
    hall = add_room(event)
    session = add_session(event, "A", "09:00", "10:00", room=hall)
    add_session(event, "B", "10:00", "11:00", room=hall)
    with pytest.raises(DomainError) as excinfo:
        schedule.move_session(session, starts_at=at("09:00"), ends_at=at("10:15"))
    assert excinfo.value.code == "clashes_need_confirmation"


def test_re_rooming_to_a_free_room_keeps_the_time_and_clears_the_clash(event):
    hall, other = add_room(event, "hall"), add_room(event, "other")
    add_session(event, "A", "09:00", "10:00", room=hall)
    clashing = add_session(event, "B", "09:00", "10:00", room=hall)
    result = schedule.move_session(clashing, starts_at=clashing.starts_at, room_id=other.id)
    assert result.warnings == []
    assert result.session.room_id == other.id and result.session.starts_at == at("09:00")
    assert result.session.room.code == "other"


def test_move_to_no_room_is_possible(event):
    session = add_session(event, "A", "09:00", "10:00", room=add_room(event))
    assert (
        schedule.move_session(session, starts_at=at("12:00"), room_id=None).session.room_id is None
    )


def test_editing_a_session_with_an_accepted_clash_needs_no_new_confirmation(event):
    hall = add_room(event)
    add_session(event, "A", "09:00", "10:00", room=hall)
    accepted = add_session(event, "B", "09:30", "10:30", room=hall)
    changed = replace(schedule.SessionData.of(accepted), title_en="Renamed")
    result = schedule.update_session(accepted, changed)
    assert [w.code for w in result.warnings] == [rules.ROOM_DOUBLE_BOOKED]
    assert result.session.title_en == "Renamed"


def test_moving_a_speaker_into_another_talk_of_theirs_needs_confirmation(event):
    speaker = add_delegate(event)
    add_person(add_session(event, "A", "09:00", "10:00", room=add_room(event, "a")), speaker)
    other = add_session(event, "B", "11:00", "12:00", room=add_room(event, "b"))
    add_person(other, speaker)
    with pytest.raises(DomainError) as excinfo:
        schedule.move_session(other, starts_at=at("09:30"))
    [warning] = excinfo.value.params["new_warnings"]
    assert warning.code == rules.PERSON_DOUBLE_BOOKED


def test_moving_outside_the_event_needs_confirmation(event):
    session = add_session(event, "A", "09:00", "10:00")
    with pytest.raises(DomainError) as excinfo:
        schedule.move_session(session, starts_at=at("09:00", date(2025, 6, 7)))
    assert excinfo.value.params["new_warnings"][0].code == rules.OUTSIDE_EVENT_DAYS


def test_raising_capacity_above_the_room_needs_confirmation(event):
    session = add_session(event, "A", "09:00", "10:00", room=add_room(event, capacity=50))
    with pytest.raises(DomainError) as excinfo:
        schedule.update_session(session, replace(schedule.SessionData.of(session), capacity=80))
    assert excinfo.value.params["new_warnings"][0].code == rules.CAPACITY_ABOVE_ROOM


# --- copy ------------------------------------------------------------------------------------


def test_copy_follows_the_original_in_its_room_with_its_people(event):
    hall = add_room(event)
    original = add_session(event, "A", "09:00", "10:00", room=hall)
    add_person(original, add_delegate(event), role=PersonRole.CHAIR)
    add_person(original, name_zh="外宾", name_en="Guest")
    result = schedule.copy_session(original)
    copy = result.session
    assert result.warnings == []
    assert (copy.starts_at, copy.ends_at, copy.room_id) == (at("10:00"), at("11:00"), hall.id)
    assert copy.title_en == "A" and copy.token != original.token
    assert [(p.role, p.registration_id, p.name_en) for p in copy.people] == [
        (p.role, p.registration_id, p.name_en) for p in original.people
    ]


def test_copy_to_the_same_time_elsewhere_puts_its_people_in_two_places(event):
    original = add_session(event, "A", "09:00", "10:00", room=add_room(event, "a"))
    add_person(original, add_delegate(event))
    with pytest.raises(DomainError) as excinfo:
        schedule.copy_session(original, starts_at=at("09:00"), room_id=add_room(event, "b").id)
    assert [w.code for w in excinfo.value.params["new_warnings"]] == [rules.PERSON_DOUBLE_BOOKED]
    assert session_count(event) == 1


def test_copy_of_a_signing_ceremony_copies_its_agreements_but_no_enrolments(event):
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind=ProgrammeKind.SIGNING_CEREMONY)
    add_signing(ceremony, add_delegate(event), add_delegate(event))
    enrol(ceremony, add_delegate(event))
    copy = schedule.copy_session(ceremony, starts_at=at("15:00")).session
    assert (
        db.session.scalar(
            select(func.count()).select_from(Agreement).where(Agreement.session_id == copy.id)
        )
        == 1
    )
    assert len(copy.agreements[0].parties[0].signatories) == 2
    assert (
        db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.session_id == copy.id)
        )
        == 0
    )


# --- delete and list -------------------------------------------------------------------------


def test_delete_session_removes_its_people_and_agreements(event):
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind=ProgrammeKind.SIGNING_CEREMONY)
    add_person(ceremony, name_en="Host", role=PersonRole.MODERATOR)
    add_signing(ceremony, add_delegate(event))
    schedule.delete_session(ceremony)
    for model in (Session, SessionPerson, Agreement, Signatory):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_sessions_of_lists_the_event_in_time_order(event):
    late = add_session(event, "Late", "15:00", "16:00")
    early = add_session(event, "Early", "09:00", "10:00")
    assert [s.id for s in schedule.sessions_of(event)] == [early.id, late.id]


def test_effective_capacity_falls_back_to_the_room(event):
    session = add_session(event, "A", "09:00", "10:00", room=add_room(event, capacity=60))
    assert session.effective_capacity == 60
    session.capacity = 40
    assert session.effective_capacity == 40


# --- tracks and room availability ------------------------------------------------------------


def test_track_codes_are_unique_per_event(event):
    schedule_venue.create_track(event, code="digital", name_zh="数字化", name_en="Digital")
    with pytest.raises(DomainError) as excinfo:
        schedule_venue.create_track(event, code="digital")
    assert excinfo.value.code == "track_code_taken"


def test_room_availability_replaces_the_windows_and_is_checked(event):
    hall = add_room(event)
    schedule_venue.set_room_availability(hall, [(at("08:00"), at("12:00"))])
    schedule_venue.set_room_availability(hall, [(at("13:00"), at("18:00"))])
    assert [(w.starts_at, w.ends_at) for w in hall.availabilities] == [(at("13:00"), at("18:00"))]
    with pytest.raises(DomainError) as excinfo:
        schedule.create_session(event, data("09:00", "10:00", room_id=hall.id))
    assert excinfo.value.params["new_warnings"][0].code == rules.OUTSIDE_ROOM_AVAILABILITY


def test_room_availability_needs_aware_times(event):
    with pytest.raises(DomainError) as excinfo:
        schedule_venue.set_room_availability(
            add_room(event), [(datetime(2025, 6, 5, 8), datetime(2025, 6, 5, 9))]
        )
    assert excinfo.value.code == "session_time_naive"


def test_overlaps_is_half_open(event):
    a = add_session(event, "A", "09:00", "10:00")
    b = add_session(event, "B", "10:00", "11:00")
    assert not a.overlaps(b)
    b.starts_at = at("09:00") + timedelta(minutes=59)
    assert a.overlaps(b) and b.overlaps(a)

"""Clash rules: each rule sees the clash it is for, and stays quiet when there is none."""

from __future__ import annotations

from datetime import UTC, date

from sqlalchemy import event as sa_event

from tests.services import schedule_support
from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_room,
    add_session,
    add_signing,
    add_witness,
    at,
    clashes,
    enrol,
)
from wadconf.extensions import db
from wadconf.models import EnrolmentStatus, Event, PersonRole, RegistrationStatus, RoomAvailability
from wadconf.services import clashes as rules

event = schedule_support.event
other_event = schedule_support.other_event

# --- two sessions in one room ----------------------------------------------------------


def test_overlapping_sessions_in_one_room_clash(event):
    hall = add_room(event)
    first = add_session(event, "A", "09:00", "10:30", room=hall)
    second = add_session(event, "B", "10:00", "11:00", room=hall)
    [clash] = clashes(event, rules.ROOM_DOUBLE_BOOKED)
    assert clash.session_ids == (first.id, second.id)
    assert clash.room_id == hall.id


def test_back_to_back_sessions_in_one_room_do_not_clash(event):
    hall = add_room(event)
    add_session(event, "A", "09:00", "10:00", room=hall)
    add_session(event, "B", "10:00", "11:00", room=hall)
    assert clashes(event) == []


def test_simultaneous_sessions_in_different_rooms_do_not_clash(event):
    add_session(event, "A", "09:00", "10:00", room=add_room(event, "a"))
    add_session(event, "B", "09:00", "10:00", room=add_room(event, "b"))
    assert clashes(event) == []


def test_sessions_without_a_room_never_share_one(event):
    add_session(event, "Lunch", "12:00", "13:00", room=None)
    add_session(event, "Walk", "12:00", "13:00", room=None)
    assert clashes(event, rules.ROOM_DOUBLE_BOOKED) == []


def test_session_inside_a_longer_one_clashes_with_it(event):
    hall = add_room(event)
    add_session(event, "Long", "09:00", "17:00", room=hall)
    add_session(event, "Short", "11:00", "11:30", room=hall)
    add_session(event, "Late", "16:00", "18:00", room=hall)
    assert len(clashes(event, rules.ROOM_DOUBLE_BOOKED)) == 2


def test_room_clash_message_names_both_sessions_and_the_room(app, event):
    hall = add_room(event, name_zh="主会场", name_en="Main hall")
    add_session(event, "Opening", "09:00", "10:30", room=hall, title_zh="开幕式")
    add_session(event, "Release", "10:00", "11:00", room=hall, title_zh="发布")
    with app.test_request_context(headers={"Cookie": "wadconf_lang=en"}):
        [clash] = clashes(event)
    assert "Opening" in clash.message and "Release" in clash.message
    assert "Main hall" in clash.message


# --- a person in two sessions at once ----------------------------------------------------


def test_delegate_speaking_in_two_overlapping_sessions_clashes(event):
    speaker = add_delegate(event)
    a = add_session(event, "A", "09:00", "10:00", room=add_room(event, "a"))
    b = add_session(event, "B", "09:30", "10:30", room=add_room(event, "b"))
    add_person(a, speaker)
    add_person(b, speaker, role=PersonRole.CHAIR)
    [clash] = clashes(event, rules.PERSON_DOUBLE_BOOKED)
    assert clash.session_ids == (a.id, b.id)
    assert clash.registration_ids == (speaker.id,)


def test_delegate_speaking_at_different_times_does_not_clash(event):
    speaker = add_delegate(event)
    add_person(add_session(event, "A", "09:00", "10:00"), speaker)
    add_person(add_session(event, "B", "10:00", "11:00"), speaker)
    assert clashes(event) == []


def test_chair_who_also_speaks_in_the_same_session_does_not_clash(event):
    person = add_delegate(event)
    session = add_session(event, "A", "09:00", "10:00")
    add_person(session, person, role=PersonRole.CHAIR)
    add_person(session, person, role=PersonRole.SPEAKER)
    assert clashes(event) == []


def test_two_different_delegates_at_the_same_time_do_not_clash(event):
    add_person(add_session(event, "A", "09:00", "10:00"), add_delegate(event))
    add_person(add_session(event, "B", "09:00", "10:00"), add_delegate(event))
    assert clashes(event) == []


def test_external_person_with_the_same_chinese_name_clashes(event):
    a = add_session(event, "A", "09:00", "10:00")
    b = add_session(event, "B", "09:30", "10:30")
    add_person(a, name_zh="李 伟")
    add_person(b, name_zh="李伟", name_en="Li Wei")
    [clash] = clashes(event, rules.PERSON_DOUBLE_BOOKED)
    assert clash.session_ids == (a.id, b.id)
    assert clash.registration_ids == ()


def test_external_person_with_the_same_english_name_clashes(event):
    add_person(add_session(event, "A", "09:00", "10:00"), name_en="John  Smith")
    add_person(add_session(event, "B", "09:30", "10:30"), name_en="john smith", name_zh="史密斯")
    assert len(clashes(event, rules.PERSON_DOUBLE_BOOKED)) == 1


def test_external_people_with_one_english_name_but_two_chinese_names_do_not_clash(event):
    add_person(add_session(event, "A", "09:00", "10:00"), name_zh="李伟", name_en="Li Wei")
    add_person(add_session(event, "B", "09:30", "10:30"), name_zh="李薇", name_en="Li Wei")
    assert clashes(event) == []


def test_external_people_with_different_names_do_not_clash(event):
    add_person(add_session(event, "A", "09:00", "10:00"), name_zh="王芳")
    add_person(add_session(event, "B", "09:00", "10:00"), name_zh="张强")
    assert clashes(event) == []


def test_signatory_speaking_elsewhere_during_the_ceremony_clashes(event):
    signatory = add_delegate(event)
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind="signing_ceremony")
    add_signing(ceremony, signatory)
    track = add_session(event, "Track", "11:15", "12:00")
    add_person(track, signatory)
    [clash] = clashes(event, rules.PERSON_DOUBLE_BOOKED)
    assert set(clash.session_ids) == {ceremony.id, track.id}


def test_signatory_of_two_agreements_in_one_ceremony_does_not_clash(event):
    signatory = add_delegate(event)
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind="signing_ceremony")
    add_signing(ceremony, signatory)
    add_signing(ceremony, signatory)
    assert clashes(event) == []


def test_witness_in_two_overlapping_sessions_clashes(event):
    witness = add_delegate(event)
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind="signing_ceremony")
    add_witness(add_signing(ceremony, add_delegate(event)), witness)
    add_person(add_session(event, "Track", "11:00", "12:00"), witness)
    assert len(clashes(event, rules.PERSON_DOUBLE_BOOKED)) == 1


# --- outside the event's days --------------------------------------------------------------


def test_session_on_the_day_after_the_event_is_outside_its_days(event):
    session = add_session(event, "Late", "09:00", "10:00", day=date(2025, 6, 6))
    [clash] = clashes(event, rules.OUTSIDE_EVENT_DAYS)
    assert clash.session_ids == (session.id,)


def test_session_running_past_midnight_of_the_last_day_is_outside(event):
    session = add_session(event, "Party", "22:00", "23:00")
    session.ends_at = at("01:00", date(2025, 6, 6))
    db.session.flush()
    assert len(clashes(event, rules.OUTSIDE_EVENT_DAYS)) == 1


def test_session_filling_the_whole_day_in_the_event_zone_is_inside(event):
    session = add_session(event, "All day", "00:00", "23:00")
    session.ends_at = at("00:00", date(2025, 6, 6))
    db.session.flush()
    assert clashes(event) == []


def test_early_morning_in_shanghai_is_inside_although_it_is_the_day_before_in_utc(event):
    session = add_session(event, "Breakfast", "07:00", "08:00")
    assert session.starts_at.astimezone(UTC).date() == date(2025, 6, 4)
    assert clashes(event) == []


# --- outside the room's availability ---------------------------------------------------------


def _available(room, *windows):
    for start, end in windows:
        room.availabilities.append(RoomAvailability(starts_at=at(start), ends_at=at(end)))
    db.session.flush()


def test_session_running_past_the_rooms_window_is_outside_its_availability(event):
    hall = add_room(event)
    _available(hall, ("08:00", "12:00"))
    session = add_session(event, "A", "11:00", "13:00", room=hall)
    [clash] = clashes(event, rules.OUTSIDE_ROOM_AVAILABILITY)
    assert clash.session_ids == (session.id,)
    assert clash.room_id == hall.id


def test_session_inside_the_rooms_window_is_available(event):
    hall = add_room(event)
    _available(hall, ("08:00", "12:00"), ("14:00", "18:00"))
    add_session(event, "A", "08:00", "12:00", room=hall)
    add_session(event, "B", "15:00", "16:00", room=hall)
    assert clashes(event) == []


def test_session_spanning_two_touching_windows_is_available(event):
    hall = add_room(event)
    _available(hall, ("08:00", "12:00"), ("12:00", "18:00"))
    add_session(event, "A", "11:00", "13:00", room=hall)
    assert clashes(event) == []


def test_session_spanning_a_gap_between_windows_is_outside(event):
    hall = add_room(event)
    _available(hall, ("08:00", "12:00"), ("14:00", "18:00"))
    add_session(event, "A", "11:00", "15:00", room=hall)
    assert len(clashes(event, rules.OUTSIDE_ROOM_AVAILABILITY)) == 1


def test_room_without_windows_is_available_all_event(event):
    add_session(event, "A", "06:00", "23:00", room=add_room(event))
    assert clashes(event) == []


# --- capacity above the room's ---------------------------------------------------------------


def test_session_capacity_above_the_rooms_is_a_warning(event):
    session = add_session(event, "A", "09:00", "10:00", room=add_room(event, capacity=100))
    session.capacity = 120
    db.session.flush()
    [clash] = clashes(event, rules.CAPACITY_ABOVE_ROOM)
    assert clash.params == {"capacity": 120, "room_capacity": 100}


def test_session_capacity_up_to_the_rooms_is_fine(event):
    hall = add_room(event, capacity=100)
    add_session(event, "A", "09:00", "10:00", room=hall, capacity=100)
    add_session(event, "B", "10:00", "11:00", room=hall, capacity=None)
    add_session(event, "C", "11:00", "12:00", room=add_room(event, "open", capacity=None))
    assert clashes(event) == []


# --- enrolments above capacity -----------------------------------------------------------------


def test_more_enrolments_than_places_is_a_warning(event):
    session = add_session(event, "A", "09:00", "10:00", capacity=2, requires_enrolment=True)
    for _ in range(3):
        enrol(session, add_delegate(event))
    [clash] = clashes(event, rules.ENROLMENTS_ABOVE_CAPACITY)
    assert clash.params == {"enrolled": 3, "capacity": 2}


def test_session_without_capacity_counts_against_the_rooms(event):
    room = add_room(event, capacity=1)
    session = add_session(event, "A", "09:00", "10:00", room=room, requires_enrolment=True)
    enrol(session, add_delegate(event))
    enrol(session, add_delegate(event))
    assert len(clashes(event, rules.ENROLMENTS_ABOVE_CAPACITY)) == 1


def test_waitlisted_and_cancelled_enrolments_do_not_count_against_capacity(event):
    session = add_session(event, "A", "09:00", "10:00", capacity=2, requires_enrolment=True)
    enrol(session, add_delegate(event))
    enrol(session, add_delegate(event))
    enrol(session, add_delegate(event), EnrolmentStatus.WAITLISTED)
    enrol(session, add_delegate(event), EnrolmentStatus.CANCELLED)
    assert clashes(event) == []


# --- a delegate enrolled in two overlapping sessions -------------------------------------------


def test_delegate_enrolled_in_two_overlapping_sessions_is_a_warning(event):
    delegate = add_delegate(event)
    a = add_session(event, "A", "14:00", "15:30")
    b = add_session(event, "B", "15:00", "16:00")
    enrol(a, delegate)
    enrol(b, delegate)
    [clash] = clashes(event, rules.ENROLMENT_OVERLAP)
    assert clash.session_ids == (a.id, b.id)
    assert clash.registration_ids == (delegate.id,)


def test_delegate_enrolled_in_back_to_back_sessions_is_fine(event):
    delegate = add_delegate(event)
    enrol(add_session(event, "A", "14:00", "15:00"), delegate)
    enrol(add_session(event, "B", "15:00", "16:00"), delegate)
    assert clashes(event) == []


def test_waitlisted_place_in_an_overlapping_session_is_fine(event):
    delegate = add_delegate(event)
    enrol(add_session(event, "A", "14:00", "15:30"), delegate)
    enrol(add_session(event, "B", "15:00", "16:00"), delegate, EnrolmentStatus.WAITLISTED)
    assert clashes(event) == []


# --- a signatory whose registration is not confirmed -----------------------------------------


def test_signatory_with_a_pending_registration_is_a_warning(event):
    signatory = add_delegate(event, status=RegistrationStatus.PENDING)
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind="signing_ceremony")
    add_signing(ceremony, signatory)
    [clash] = clashes(event, rules.SIGNATORY_NOT_CONFIRMED)
    assert clash.session_ids == (ceremony.id,)
    assert clash.params["status"] == "pending"


def test_signatory_with_a_cancelled_registration_is_a_warning(event):
    signatory = add_delegate(event, status=RegistrationStatus.CANCELLED)
    add_signing(add_session(event, "Signing", "11:00", "11:30"), signatory)
    assert len(clashes(event, rules.SIGNATORY_NOT_CONFIRMED)) == 1


def test_confirmed_signatories_are_fine(event):
    ceremony = add_session(event, "Signing", "11:00", "11:30", kind="signing_ceremony")
    add_signing(ceremony, add_delegate(event), add_delegate(event))
    assert clashes(event) == []


def test_speaker_with_a_pending_registration_is_not_a_signatory_warning(event):
    speaker = add_delegate(event, status=RegistrationStatus.PENDING)
    add_person(add_session(event, "A", "09:00", "10:00"), speaker)
    assert clashes(event) == []


# --- the schedule-wide check ---------------------------------------------------------------------


def test_schedule_wide_check_lists_every_clash_in_time_order(event):
    hall = add_room(event)
    late = add_session(event, "Late", "16:00", "17:00", room=hall, capacity=500)
    add_session(event, "A", "09:00", "10:30", room=hall)
    add_session(event, "B", "10:00", "11:00", room=hall)
    codes = [c.code for c in clashes(event)]
    assert codes == [rules.ROOM_DOUBLE_BOOKED, rules.CAPACITY_ABOVE_ROOM]
    assert clashes(event)[-1].session_ids == (late.id,)


def test_other_events_sessions_never_clash_with_this_events(other_event, event):
    hall = add_room(event)
    add_session(event, "A", "09:00", "10:00", room=hall)
    other_hall = add_room(other_event)
    add_session(other_event, "B", "09:00", "10:00", room=other_hall)
    assert other_hall.id != hall.id
    assert clashes(event) == []


def _count_queries(fn) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _busy_programme(target, tracks: int):
    rooms = [add_room(target, f"r{i}") for i in range(tracks)]
    speaker = add_delegate(target)
    for i, room in enumerate(rooms):
        for hour in range(8, 18):
            session = add_session(
                target, f"S{i}-{hour}", f"{hour:02d}:00", f"{hour:02d}:50", room=room
            )
            add_person(session, speaker if hour == 9 else add_delegate(target))
            enrol(session, add_delegate(target))


def test_schedule_wide_check_takes_the_same_few_queries_for_any_size(other_event, event):
    _busy_programme(event, tracks=2)
    small = _count_queries(lambda: rules.schedule_clashes(event))
    _busy_programme(larger := db.session.get(Event, other_event.id), tracks=8)
    big = _count_queries(lambda: rules.schedule_clashes(larger))
    assert small == big <= 8
    # The one delegate speaking at 9:00 in every room: a clash for each pair of rooms.
    assert len(clashes(larger, rules.PERSON_DOUBLE_BOOKED)) == 8 * 7 // 2


def test_session_clashes_lists_only_the_sessions_own_clashes(event):
    hall = add_room(event)
    speaker = add_delegate(event)
    long = add_session(event, "All morning", "08:00", "12:00", room=add_room(event, "other"))
    add_person(long, speaker)
    short = add_session(event, "Short", "11:00", "11:30", room=hall)
    add_person(short, speaker)
    add_session(event, "X", "15:00", "16:00", room=hall)
    add_session(event, "Y", "15:30", "16:30", room=hall)
    [clash] = rules.session_clashes(event, short.id)
    assert clash.code == rules.PERSON_DOUBLE_BOOKED
    assert clash.session_ids == (long.id, short.id)
    assert len(clashes(event)) == 2


def test_session_clashes_of_an_unknown_session_is_empty(event):
    assert rules.session_clashes(event, 999_999) == []


def test_enrolment_overlap_message_names_the_delegate(event):
    delegate = add_delegate(event, name_zh="陈静", name_en="Chen Jing")
    enrol(add_session(event, "A", "14:00", "15:30"), delegate)
    enrol(add_session(event, "B", "15:00", "16:00"), delegate)
    [clash] = clashes(event, rules.ENROLMENT_OVERLAP)
    assert "陈静 Chen Jing" in clash.message
    assert clash.params == {"person": "陈静 Chen Jing"}

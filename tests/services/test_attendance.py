"""Attendance: admitting scans at a session's checkpoint, or at its room's during the session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services import schedule_support
from tests.services.schedule_support import add_delegate, add_room, add_session, at, enrol
from wadconf.extensions import db
from wadconf.models import AdmissionRule, Checkpoint, EnrolmentStatus, ReentryPolicy, Verdict
from wadconf.services.attendance import ATTENDANCE_LEAD, attendance_by_session, attendees_of
from wadconf.services.checkin import perform_scan
from wadconf.services.checkin_undo import annul_check_in
from wadconf.services.session_checkpoints import ensure_session_checkpoint

event = schedule_support.event


def room_checkpoint(event, room, code="room-a", **fields) -> Checkpoint:
    checkpoint = Checkpoint(event_id=event.id, code=code, name_en=code, room_id=room.id, **fields)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def scan(delegate, checkpoint, hhmm):
    result = perform_scan(delegate.badge_code, checkpoint=checkpoint.id, now=at(hhmm))
    assert result.verdict in (Verdict.OK, Verdict.ALREADY_CHECKED_IN), result.verdict
    return result


@pytest.fixture
def day(event):
    """Room A with three back-to-back sessions and a checkpoint at its door."""
    room = add_room(event, "a")
    return {
        "room": room,
        "morning": add_session(event, "Morning", "09:00", "10:00", room=room),
        "midday": add_session(event, "Midday", "10:00", "11:00", room=room),
        "late": add_session(event, "Late", "11:30", "12:30", room=room),
        "door": room_checkpoint(event, room),
    }


def test_a_scan_at_the_room_during_a_session_is_attendance_of_it(event, day):
    delegate = add_delegate(event)
    scan(delegate, day["door"], "10:15")
    assert attendees_of(day["midday"]) == {delegate.id}


def test_it_is_not_attendance_of_the_sessions_before_and_after(event, day):
    delegate = add_delegate(event)
    scan(delegate, day["door"], "10:15")
    assert attendees_of(day["morning"]) == set()
    assert attendees_of(day["late"]) == set()


def test_a_scan_shortly_before_the_start_counts(event, day):
    delegate = add_delegate(event)
    scan(delegate, day["door"], "11:05")  # 25 minutes before "Late", after "Midday" ended
    assert attendees_of(day["late"]) == {delegate.id}
    assert attendees_of(day["midday"]) == set()


def test_a_scan_in_the_lead_while_the_previous_session_runs_is_the_previous_ones(event, day):
    delegate = add_delegate(event)
    scan(delegate, day["door"], "09:45")  # within "Midday"'s lead, but "Morning" is on
    assert attendees_of(day["morning"]) == {delegate.id}
    assert attendees_of(day["midday"]) == set()


def test_a_scan_earlier_than_the_lead_does_not_count(event, day):
    delegate = add_delegate(event)
    early = at("11:30") - ATTENDANCE_LEAD - timedelta(minutes=5)
    perform_scan(delegate.badge_code, checkpoint=day["door"].id, now=early)
    assert attendees_of(day["late"]) == set()


def test_a_later_already_checked_in_scan_counts_for_the_later_session(event, day):
    delegate = add_delegate(event)
    scan(delegate, day["door"], "09:05")
    second = scan(delegate, day["door"], "10:05")
    assert second.verdict == Verdict.ALREADY_CHECKED_IN
    assert attendees_of(day["midday"]) == {delegate.id}


def test_a_scan_at_another_rooms_checkpoint_does_not_count(event, day):
    other = room_checkpoint(event, add_room(event, "b"), code="room-b")
    scan(add_delegate(event), other, "10:15")
    assert attendees_of(day["midday"]) == set()


def test_a_scan_at_the_sessions_linked_checkpoint_counts_at_any_time(event, day):
    session = add_session(event, "Track", "14:00", "15:00", requires_enrolment=True)
    checkpoint = ensure_session_checkpoint(session)
    checkpoint.opens_at = None  # scanned early, e.g. a pre-check at the door
    delegate = add_delegate(event)
    enrol(session, delegate)
    scan(delegate, checkpoint, "13:00")
    assert attendees_of(session) == {delegate.id}


def test_a_linked_checkpoint_at_the_room_counts_only_for_its_session(event, day):
    # A checkpoint linked to "Late" and standing in room A: not a room checkpoint for others.
    linked = ensure_session_checkpoint(day["late"])
    linked.opens_at, linked.closes_at = None, None
    delegate = add_delegate(event)
    scan(delegate, linked, "10:15")
    assert attendees_of(day["midday"]) == set()
    assert attendees_of(day["late"]) == {delegate.id}


def test_an_undone_scan_does_not_count(event, day):
    delegate = add_delegate(event)
    result = scan(delegate, day["door"], "10:15")
    annul_check_in(result.scan_id, staff=None, reason="wrong badge", now=at("10:16"))
    assert attendees_of(day["midday"]) == set()


def test_an_exit_scan_is_not_attendance(event, day):
    door = room_checkpoint(event, day["room"], code="room-a-io", reentry=ReentryPolicy.IN_OUT)
    delegate = add_delegate(event)
    scan(delegate, door, "09:05")
    perform_scan(delegate.badge_code, checkpoint=door.id, now=at("10:15"), direction="out")
    assert attendees_of(day["midday"]) == set()


def test_a_refused_scan_is_not_attendance(event, day):
    door = room_checkpoint(event, day["room"], code="room-a-enrolled", rule=AdmissionRule.ENROLLED)
    delegate = add_delegate(event)
    result = perform_scan(delegate.badge_code, checkpoint=door.id, now=at("10:15"))
    assert result.verdict == Verdict.NOT_ALLOWED
    assert attendees_of(day["midday"]) == set()


def test_attendance_by_session_counts_enrolled_waitlisted_and_attended(event, day):
    midday = day["midday"]
    present, absent, waiting, gone = (add_delegate(event) for _ in range(4))
    enrol(midday, present)
    enrol(midday, absent)
    enrol(midday, waiting, EnrolmentStatus.WAITLISTED)
    enrol(midday, gone, EnrolmentStatus.CANCELLED)
    scan(present, day["door"], "10:10")
    scan(present, day["door"], "10:20")  # twice: one attendee
    counts = attendance_by_session(event)
    assert (counts[midday.id].enrolled, counts[midday.id].waitlisted) == (2, 1)
    assert counts[midday.id].attended == 1
    assert counts[midday.id].rate == 0.5
    assert counts[day["morning"].id].attended == 0
    assert counts[day["morning"].id].rate is None

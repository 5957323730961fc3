"""The check-in link: a session's checkpoint follows the session; the ``enrolled`` rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.services import schedule_support
from tests.services.schedule_support import add_delegate, add_room, add_session, at, enrol
from wadconf.extensions import db
from wadconf.models import (
    AdmissionRule,
    Checkpoint,
    CheckpointKind,
    EnrolmentStatus,
    ProgrammeKind,
    Verdict,
)
from wadconf.services import DomainError, schedule
from wadconf.services import checkpoints as checkpoint_service
from wadconf.services.checkin import _enrolled_in_linked_session, perform_scan
from wadconf.services.session_checkpoints import (
    CHECKPOINT_LEAD,
    ensure_session_checkpoint,
    session_checkpoint,
    sync_session_checkpoint,
)

event = schedule_support.event
other_event = schedule_support.other_event


def checkpoint_count(event) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Checkpoint).where(Checkpoint.event_id == event.id)
    )


@pytest.fixture
def track(event):
    """A session in room A, 14:00-15:30, that requires enrolment, with its checkpoint."""
    room = add_room(event, "a")
    session = add_session(
        event, "Digital", "14:00", "15:30", room=room, requires_enrolment=True, title_zh="数字化"
    )
    return session, ensure_session_checkpoint(session)


# --- ensure ----------------------------------------------------------------------------------


def test_ensure_creates_a_checkpoint_that_follows_the_session(event):
    room = add_room(event, "a")
    session = add_session(event, "Opening", "09:00", "10:00", room=room, title_zh="开幕式")
    checkpoint = ensure_session_checkpoint(session)
    assert checkpoint.session_id == session.id
    assert checkpoint.room_id == room.id
    assert checkpoint.kind == CheckpointKind.SESSION_ROOM
    assert checkpoint.rule == AdmissionRule.ALL
    assert checkpoint.opens_at == at("09:00") - CHECKPOINT_LEAD
    assert checkpoint.closes_at == at("10:00")
    assert (checkpoint.name_zh, checkpoint.name_en) == ("开幕式", "Opening")
    assert checkpoint.is_active


def test_a_session_requiring_enrolment_gets_the_enrolled_rule(track):
    _session, checkpoint = track
    assert checkpoint.rule == AdmissionRule.ENROLLED


def test_a_signing_ceremony_gets_a_signing_hall_checkpoint(event):
    session = add_session(event, "Signing", "11:00", "11:30", kind=ProgrammeKind.SIGNING_CEREMONY)
    assert ensure_session_checkpoint(session).kind == CheckpointKind.SIGNING_HALL


def test_ensure_twice_keeps_one_checkpoint(event, track):
    session, checkpoint = track
    assert ensure_session_checkpoint(session).id == checkpoint.id
    assert checkpoint_count(event) == 1


def test_ensure_takes_another_code_when_an_organiser_used_it(event):
    session = add_session(event, "Talk", "09:00", "10:00")
    taken = Checkpoint(event_id=event.id, code=f"session-{session.id}", name_en="Mine")
    db.session.add(taken)
    db.session.flush()
    assert ensure_session_checkpoint(session).code == f"session-{session.id}-2"


def test_ensure_reopens_a_closed_checkpoint(track):
    session, checkpoint = track
    checkpoint_service.set_active(checkpoint, False)
    assert ensure_session_checkpoint(session).is_active is True


# --- following the schedule ------------------------------------------------------------------


def test_moving_the_session_moves_the_window_and_room(event, track):
    session, checkpoint = track
    room_b = add_room(event, "b")
    schedule.move_session(session, starts_at=at("16:00"), room_id=room_b.id)
    assert checkpoint.opens_at == at("16:00") - CHECKPOINT_LEAD
    assert checkpoint.closes_at == at("17:30")
    assert checkpoint.room_id == room_b.id


def test_resizing_the_session_moves_the_closing_time(track):
    session, checkpoint = track
    schedule.move_session(session, starts_at=session.starts_at, ends_at=at("16:00"))
    assert checkpoint.closes_at == at("16:00")


def test_dropping_enrolment_opens_the_checkpoint_to_everyone(track):
    session, checkpoint = track
    schedule.update_session(
        session, replace(schedule.SessionData.of(session), requires_enrolment=False)
    )
    assert checkpoint.rule == AdmissionRule.ALL


def test_requiring_enrolment_restricts_the_checkpoint(event):
    session = add_session(event, "Open talk", "09:00", "10:00")
    checkpoint = ensure_session_checkpoint(session)
    schedule.update_session(
        session, replace(schedule.SessionData.of(session), requires_enrolment=True)
    )
    assert checkpoint.rule == AdmissionRule.ENROLLED


def test_a_category_rule_chosen_by_hand_survives_a_move(event, track):
    session, checkpoint = track
    schedule.update_session(
        session, replace(schedule.SessionData.of(session), requires_enrolment=False)
    )
    checkpoint.rule = AdmissionRule.CATEGORIES
    db.session.flush()
    schedule.move_session(session, starts_at=at("16:00"))
    assert checkpoint.rule == AdmissionRule.CATEGORIES


def test_saving_a_session_without_a_checkpoint_creates_none(event):
    session = add_session(event, "Talk", "09:00", "10:00", requires_enrolment=True)
    schedule.move_session(session, starts_at=at("11:00"))
    assert sync_session_checkpoint(session) == 0
    assert checkpoint_count(event) == 0


def test_deleting_the_session_closes_its_checkpoint(track):
    session, checkpoint = track
    schedule.delete_session(session)
    db.session.expire(checkpoint)
    assert checkpoint.is_active is False
    assert checkpoint.session_id is None


def test_session_checkpoint_finds_the_linked_one(track):
    session, checkpoint = track
    assert session_checkpoint(session).id == checkpoint.id


# --- the checkpoint service accepts the link --------------------------------------------------


def test_enrolled_rule_needs_a_linked_session(event):
    with pytest.raises(DomainError) as excinfo:
        checkpoint_service.create_checkpoint(
            event, checkpoint_service.CheckpointData(code="room", name_en="Room", rule="enrolled")
        )
    assert excinfo.value.code == "session_required"


def test_enrolled_rule_with_a_session_is_accepted(event):
    session = add_session(event, "Talk", "09:00", "10:00")
    checkpoint = checkpoint_service.create_checkpoint(
        event,
        checkpoint_service.CheckpointData(
            code="room", name_en="Room", rule="enrolled", session_id=session.id
        ),
    )
    assert (checkpoint.rule, checkpoint.session_id) == (AdmissionRule.ENROLLED, session.id)


def test_another_events_session_is_refused(other_event, event):
    from wadconf.models import Session

    foreign = Session(
        event_id=other_event.id, title_en="Elsewhere", starts_at=at("09:00"), ends_at=at("10:00")
    )
    db.session.add(foreign)
    db.session.flush()
    with pytest.raises(DomainError) as excinfo:
        checkpoint_service.create_checkpoint(
            event,
            checkpoint_service.CheckpointData(code="room", name_en="Room", session_id=foreign.id),
        )
    assert excinfo.value.code == "unknown_session"


def test_another_events_room_is_refused(other_event, event):
    from wadconf.models import Room

    foreign = Room(event_id=other_event.id, code="far", name_en="Far")
    db.session.add(foreign)
    db.session.flush()
    with pytest.raises(DomainError) as excinfo:
        checkpoint_service.create_checkpoint(
            event,
            checkpoint_service.CheckpointData(code="room", name_en="Room", room_id=foreign.id),
        )
    assert excinfo.value.code == "unknown_room"


# --- the enrolled rule at the gate -----------------------------------------------------------

DURING = timedelta(minutes=5)


def scan_at_track(track, registration):
    session, checkpoint = track
    return perform_scan(
        registration.badge_code, checkpoint=checkpoint.id, now=session.starts_at + DURING
    ).verdict


def test_an_enrolled_delegate_is_admitted(event, track):
    delegate = add_delegate(event)
    enrol(track[0], delegate)
    assert scan_at_track(track, delegate) == Verdict.OK


def test_a_delegate_not_enrolled_is_not_allowed(event, track):
    assert scan_at_track(track, add_delegate(event)) == Verdict.NOT_ALLOWED


@pytest.mark.parametrize("status", [EnrolmentStatus.WAITLISTED, EnrolmentStatus.CANCELLED])
def test_a_waitlisted_or_cancelled_enrolment_is_not_allowed(event, track, status):
    delegate = add_delegate(event)
    enrol(track[0], delegate, status)
    assert scan_at_track(track, delegate) == Verdict.NOT_ALLOWED


def test_enrolment_in_another_session_does_not_count(event, track):
    other = add_session(event, "Other", "09:00", "10:00", requires_enrolment=True)
    delegate = add_delegate(event)
    enrol(other, delegate)
    assert scan_at_track(track, delegate) == Verdict.NOT_ALLOWED


def test_an_enrolled_rule_without_a_session_admits_nobody(event):
    delegate = add_delegate(event)
    checkpoint = Checkpoint(event_id=event.id, code="orphan", rule=AdmissionRule.ENROLLED)
    db.session.add(checkpoint)
    db.session.flush()
    assert _enrolled_in_linked_session(delegate.id, checkpoint.id) is False


def test_before_the_window_the_checkpoint_is_not_open(event, track):
    session, checkpoint = track
    delegate = add_delegate(event)
    enrol(session, delegate)
    early = session.starts_at - CHECKPOINT_LEAD - timedelta(minutes=1)
    verdict = perform_scan(delegate.badge_code, checkpoint=checkpoint.id, now=early).verdict
    assert verdict == Verdict.NOT_OPEN

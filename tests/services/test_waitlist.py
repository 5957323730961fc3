"""The waiting list: a freed place promotes the oldest waitlisted registration, and only then."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    DelegateCategory,
    Event,
    Invitation,
    InvitationState,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from wadconf.services import events as event_service
from wadconf.services import registration as registration_service
from wadconf.services import review, waitlist
from wadconf.services.events import EventData

CONFIRMED = RegistrationStatus.CONFIRMED
PENDING = RegistrationStatus.PENDING
WAITLISTED = RegistrationStatus.WAITLISTED


@pytest.fixture
def event(make_event):
    """An event with one place."""
    return make_event(capacity=1)


def waiting(make_registration, event, minutes_ago: int, **fields):
    """A waitlisted registration created ``minutes_ago`` (the queue's order)."""
    return make_registration(
        event, status=WAITLISTED, created_at=utcnow() - timedelta(minutes=minutes_ago), **fields
    )


def act(app, fn, registration, **kwargs):
    """Run ``fn`` on a fresh copy of ``registration`` in one write transaction and commit."""
    with app.app_context(), write_intent():
        result = fn(db.session.get(Registration, registration.id), **kwargs)
        db.session.commit()
        return result


def status(app, registration) -> RegistrationStatus:
    with app.app_context():
        return db.session.get(Registration, registration.id).status


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for message in messages:
            db.session.expunge(message)
        return messages


def promotions(app) -> list[AuditEntry]:
    with app.app_context():
        entries = list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "registration.promote")
                .order_by(AuditEntry.id)
            )
        )
        for entry in entries:
            db.session.expunge(entry)
        return entries


def set_capacity(app, event, capacity):
    """Save the event's form with a new capacity, as an organiser would."""
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        data = EventData.from_event(row)
        data.capacity = capacity
        event_service.update_event(row, data)
        db.session.commit()


# --- a cancellation frees a place -------------------------------------------------------


def test_cancel_promotes_the_oldest_waitlisted_registration(app, event, make_registration):
    seated = make_registration(event)
    newer = waiting(make_registration, event, minutes_ago=1)  # inserted first: order is by time
    older = waiting(make_registration, event, minutes_ago=5)
    act(app, registration_service.cancel_registration, seated)
    assert (status(app, older), status(app, newer)) == (CONFIRMED, WAITLISTED)


def test_promoted_delegate_gets_an_email_in_english_with_the_manage_link(
    app, event, make_registration
):
    seated = make_registration(event, locale="zh_Hans")
    promoted = waiting(
        make_registration,
        event,
        5,
        locale="en",
        email="next@example.org",
        name_zh="",
        name_en="Next One",
    )
    act(app, registration_service.cancel_registration, seated)
    message = next(m for m in outbox(app) if m.kind.startswith("registration_promoted"))
    assert message.to_address == "next@example.org"
    assert message.subject == "A place is free, you are registered: Test Conference"
    assert "Dear Next One," in message.body_text
    assert f"/r/{promoted.manage_token}" in message.body_text


def test_promoted_delegate_reading_chinese_gets_the_email_in_chinese(app, event, make_registration):
    seated = make_registration(event, locale="en")
    waiting(make_registration, event, 5, locale="zh_Hans")
    act(app, registration_service.cancel_registration, seated)
    message = next(m for m in outbox(app) if m.kind.startswith("registration_promoted"))
    # The catalogue is translated at the end; the event's name shows which language was used.
    assert "测试大会" in message.subject and "Test Conference" not in message.body_text


def test_promotion_is_audited_with_the_new_status(app, event, make_registration):
    seated = make_registration(event)
    promoted = waiting(make_registration, event, 5)
    act(app, registration_service.cancel_registration, seated)
    [entry] = promotions(app)
    assert (entry.object_id, entry.details) == (str(promoted.id), {"status": "confirmed"})


def test_cancelling_a_waitlisted_registration_promotes_nobody(app, event, make_registration):
    make_registration(event)
    leaving = waiting(make_registration, event, 5)
    staying = waiting(make_registration, event, 1)
    act(app, registration_service.cancel_registration, leaving)
    assert status(app, staying) == WAITLISTED
    assert promotions(app) == []
    assert [m.kind for m in outbox(app)] == ["registration_cancelled_cancelled"]


def test_one_freed_place_promotes_one_registration(app, event, make_registration):
    seated = make_registration(event)
    first = waiting(make_registration, event, 5)
    second = waiting(make_registration, event, 4)
    act(app, registration_service.cancel_registration, seated)
    assert (status(app, first), status(app, second)) == (CONFIRMED, WAITLISTED)


def test_promotion_is_pending_when_the_event_requires_approval(app, make_event, make_registration):
    event = make_event(capacity=1, requires_approval=True)
    seated = make_registration(event, status=PENDING)
    promoted = waiting(make_registration, event, 5)
    act(app, registration_service.cancel_registration, seated)
    assert status(app, promoted) == PENDING
    assert "registration_promoted_pending" in [m.kind for m in outbox(app)]


def test_promotion_is_pending_when_the_category_requires_approval(app, event, make_registration):
    with app.app_context(), write_intent():
        db.session.scalar(
            select(DelegateCategory).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code == "media"
            )
        ).requires_approval = True
        db.session.commit()
    seated = make_registration(event)
    promoted = waiting(make_registration, event, 5, category="media")
    act(app, registration_service.cancel_registration, seated)
    assert status(app, promoted) == PENDING


def test_promotion_keeps_the_invitation_seat_it_already_held(
    app, event, make_invitation, make_registration
):
    invitation = make_invitation(event, seats=2)
    seated = make_registration(event)
    waiting(make_registration, event, 5, invitation=invitation)
    act(app, registration_service.cancel_registration, seated)
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).seats_used == 1


def test_waitlisted_registration_on_a_revoked_invitation_is_passed_over(
    app, event, make_invitation, make_registration
):
    revoked = make_invitation(event, state=InvitationState.REVOKED)
    seated = make_registration(event)
    passed_over = waiting(make_registration, event, 5, invitation=revoked)
    promoted = waiting(make_registration, event, 1)
    act(app, registration_service.cancel_registration, seated)
    assert (status(app, passed_over), status(app, promoted)) == (WAITLISTED, CONFIRMED)


# --- organisers free places -------------------------------------------------------------


def test_organiser_cancel_promotes_and_names_the_organiser_in_the_audit(
    app, event, make_registration, make_user
):
    organiser = make_user("organizer")
    seated = make_registration(event)
    waiting(make_registration, event, 5)
    with app.app_context(), write_intent():
        from wadconf.models import StaffUser

        review.cancel_registration(
            db.session.get(Registration, seated.id), by=db.session.get(StaffUser, organiser.id)
        )
        db.session.commit()
    [entry] = promotions(app)
    assert entry.actor_id == organiser.id


def test_rejecting_a_pending_registration_promotes_the_next(app, event, make_registration):
    pending = make_registration(event, status=PENDING)
    promoted = waiting(make_registration, event, 5)
    act(app, review.reject_registration, pending)
    assert status(app, promoted) == CONFIRMED


def test_approving_a_pending_registration_promotes_nobody(app, event, make_registration):
    pending = make_registration(event, status=PENDING)
    still = waiting(make_registration, event, 5)
    act(app, review.approve_registration, pending)
    assert status(app, still) == WAITLISTED


def test_raising_the_capacity_by_two_promotes_two(app, event, make_registration):
    make_registration(event)
    queue = [waiting(make_registration, event, minutes) for minutes in (5, 4, 3)]
    set_capacity(app, event, 3)
    assert [status(app, r) for r in queue] == [CONFIRMED, CONFIRMED, WAITLISTED]


def test_lowering_the_capacity_promotes_nobody_and_demotes_nobody(
    app, make_event, make_registration
):
    event = make_event(capacity=2)
    seated = [make_registration(event), make_registration(event)]
    still = waiting(make_registration, event, 5)
    set_capacity(app, event, 1)
    assert [status(app, r) for r in [*seated, still]] == [CONFIRMED, CONFIRMED, WAITLISTED]


def test_removing_the_capacity_promotes_everyone_waiting(app, event, make_registration):
    make_registration(event)
    queue = [waiting(make_registration, event, minutes) for minutes in (5, 4)]
    set_capacity(app, event, None)
    assert [status(app, r) for r in queue] == [CONFIRMED, CONFIRMED]


def test_places_taken_counts_confirmed_and_pending_only(app, make_event, make_registration):
    event = make_event(capacity=10)
    make_registration(event)
    make_registration(event, status=PENDING)
    make_registration(event, status=WAITLISTED)
    make_registration(event, status=RegistrationStatus.CANCELLED)
    with app.app_context():
        row = db.session.get(Event, event.id)
        assert (waitlist.places_taken(row), waitlist.free_places(row)) == (2, 8)


# --- concurrency ------------------------------------------------------------------------


def test_two_simultaneous_cancellations_promote_two_different_people(
    app, make_event, make_registration, monkeypatch
):
    event = make_event(capacity=2)
    seated = [make_registration(event), make_registration(event)]
    queue = [waiting(make_registration, event, minutes) for minutes in (5, 4, 3)]
    # Hold each promotion between counting the free places and choosing who moves up, until
    # both have counted (or a second passed). Without locks (the event row, then the waitlisted
    # rows, on PostgreSQL; SQLite's BEGIN IMMEDIATE) both would pick the same first in line.
    counted = threading.Barrier(2, timeout=1)
    free_places = waitlist.free_places

    def free_places_after_both_counted(row):
        room = free_places(row)
        try:
            counted.wait()
        except threading.BrokenBarrierError:
            pass
        return room

    monkeypatch.setattr(waitlist, "free_places", free_places_after_both_counted)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def cancel(registration):
        try:
            with app.app_context(), write_intent():
                start.wait(timeout=30)
                registration_service.cancel_registration(
                    db.session.get(Registration, registration.id)
                )
                db.session.commit()
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=cancel, args=(r,)) for r in seated]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [status(app, r) for r in queue] == [CONFIRMED, CONFIRMED, WAITLISTED]
    assert sorted(int(e.object_id) for e in promotions(app)) == sorted(r.id for r in queue[:2])

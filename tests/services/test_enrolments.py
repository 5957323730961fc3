"""Enrolment in sessions: the rules, the waiting list, promotion and its e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.services import schedule_support
from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_room,
    add_session,
    add_signing,
)
from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import AuditEntry, Enrolment, OutboxMessage, PersonRole, RegistrationStatus
from wadconf.services import DomainError
from wadconf.services import enrolments as service
from wadconf.services.schedule_publish import publish_schedule

event = schedule_support.event
other_event = schedule_support.other_event

ENROLLED = "enrolled"
WAITLISTED = "waitlisted"


def workshop(event, title="Workshop", start="14:00", end="15:00", *, capacity=2, **fields):
    """A session that requires enrolment, with ``capacity`` places."""
    return add_session(
        event, title, start, end, requires_enrolment=True, capacity=capacity, **fields
    )


def published(event, *sessions):
    publish_schedule(event)
    return sessions[0] if len(sessions) == 1 else sessions


def refused(code, fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.code
    return info.value


def waiting_in_order(event, session, n):
    """``n`` delegates waitlisted in ``session`` (full), oldest first."""
    people = []
    for _ in range(n):
        delegate = add_delegate(event)
        enrolment = service.enrol(delegate, session)
        assert enrolment.status.value == WAITLISTED
        people.append((delegate, enrolment))
    return people


def outbox(kind="enrolment_promoted"):
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


# --- which sessions take enrolments ------------------------------------------------------


def test_enrol_in_a_published_session_with_places_enrols(event):
    session = published(event, workshop(event))
    assert service.enrol(add_delegate(event), session).status.value == ENROLLED


def test_session_open_to_all_is_refused(event):
    session = published(event, add_session(event, "Plenary", "09:00", "10:00"))
    refused("enrolment_not_required", service.enrol, add_delegate(event), session)


def test_session_not_yet_published_is_refused(event):
    published(event, workshop(event, "Old"))
    session = workshop(event, "Added after publication", "16:00", "17:00")
    refused("session_not_published", service.enrol, add_delegate(event), session)


def test_session_of_another_event_is_refused(other_event, event):
    from wadconf.models import Event

    other = db.session.get(Event, other_event.id)
    session = published(other, workshop(other))
    refused("enrolment_wrong_event", service.enrol, add_delegate(event), session)


@pytest.mark.parametrize("status", [RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED])
def test_registration_that_ended_is_refused(event, status):
    session = published(event, workshop(event))
    refused("registration_not_live", service.enrol, add_delegate(event, status=status), session)


@pytest.mark.parametrize("status", [RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED])
def test_pending_or_waitlisted_registration_may_enrol(event, status):
    session = published(event, workshop(event))
    assert service.enrol(add_delegate(event, status=status), session).status.value == ENROLLED


def test_erased_registration_is_refused(event):
    session = published(event, workshop(event))
    delegate = add_delegate(event, personal_data_erased_at=utcnow())
    refused("registration_not_live", service.enrol, delegate, session)


def test_enrolling_twice_is_refused(event):
    session = published(event, workshop(event))
    delegate = add_delegate(event)
    service.enrol(delegate, session)
    refused("already_enrolled", service.enrol, delegate, session)


def test_enrolling_again_after_cancelling_is_allowed(event):
    session = published(event, workshop(event))
    delegate = add_delegate(event)
    service.cancel(service.enrol(delegate, session))
    assert service.enrol(delegate, session).status.value == ENROLLED


# --- overlaps ------------------------------------------------------------------------------


def test_overlapping_enrolment_is_refused_naming_the_other_session(event):
    first, second = published(
        event,
        workshop(event, "Digital", "14:00", "15:00"),
        workshop(event, "Green", "14:30", "15:30"),
    )
    delegate = add_delegate(event)
    service.enrol(delegate, first)
    error = refused("enrolment_overlaps", service.enrol, delegate, second)
    assert "Digital" in error.message and error.params["other"] == first.token


def test_waiting_place_counts_for_the_overlap_rule(event):
    full, other = published(
        event,
        workshop(event, "Full", "14:00", "15:00", capacity=0),
        workshop(event, "Other", "14:00", "15:00"),
    )
    delegate = add_delegate(event)
    assert service.enrol(delegate, full).status.value == WAITLISTED
    refused("enrolment_overlaps", service.enrol, delegate, other)


def test_back_to_back_sessions_do_not_overlap(event):
    first, second = published(
        event,
        workshop(event, "Morning", "10:00", "11:00"),
        workshop(event, "Next", "11:00", "12:00"),
    )
    delegate = add_delegate(event)
    service.enrol(delegate, first)
    assert service.enrol(delegate, second).status.value == ENROLLED


def test_cancelled_enrolment_does_not_count_for_the_overlap_rule(event):
    first, second = published(
        event, workshop(event, "A", "14:00", "15:00"), workshop(event, "B", "14:00", "15:00")
    )
    delegate = add_delegate(event)
    service.cancel(service.enrol(delegate, first))
    assert service.enrol(delegate, second).status.value == ENROLLED


# --- places and the waiting list -----------------------------------------------------------


def test_full_session_puts_the_delegate_on_the_waiting_list_in_order(event):
    session = published(event, workshop(event, capacity=1))
    service.enrol(add_delegate(event), session)
    people = waiting_in_order(event, session, 2)
    assert [service.waitlist_position(e) for _d, e in people] == [1, 2]


def test_session_without_capacity_takes_everyone(event):
    session = published(event, workshop(event, capacity=None))
    statuses = {service.enrol(add_delegate(event), session).status.value for _ in range(5)}
    assert statuses == {ENROLLED}


def test_capacity_falls_back_to_the_room(event):
    room = add_room(event, "small", capacity=1)
    session = published(event, workshop(event, capacity=None, room=room))
    service.enrol(add_delegate(event), session)
    assert service.enrol(add_delegate(event), session).status.value == WAITLISTED


# --- cancellation and promotion ------------------------------------------------------------


def test_cancelling_a_place_promotes_the_oldest_waiting(event):
    session = published(event, workshop(event, capacity=1))
    seated = service.enrol(add_delegate(event), session)
    (_a, first), (_b, second) = waiting_in_order(event, session, 2)
    assert service.cancel(seated) == [first]
    assert (first.status.value, second.status.value) == (ENROLLED, WAITLISTED)
    assert first.promoted_at is not None and seated.cancelled_at is not None


def test_waiting_list_order_follows_created_at_not_insertion(event):
    session = published(event, workshop(event, capacity=1))
    seated = service.enrol(add_delegate(event), session)
    (_a, newer), (_b, older) = waiting_in_order(event, session, 2)
    older.created_at = newer.created_at - timedelta(minutes=5)
    db.session.flush()
    assert service.cancel(seated) == [older]


def test_leaving_the_waiting_list_promotes_nobody(event):
    session = published(event, workshop(event, capacity=1))
    service.enrol(add_delegate(event), session)
    (_a, first), (_b, second) = waiting_in_order(event, session, 2)
    assert service.cancel(first) == []
    assert second.status.value == WAITLISTED and service.waitlist_position(second) == 1


def test_cancelling_twice_is_refused(event):
    session = published(event, workshop(event))
    enrolment = service.enrol(add_delegate(event), session)
    service.cancel(enrolment)
    refused("enrolment_not_live", service.cancel, enrolment)


def test_promotion_skips_a_waiting_delegate_now_enrolled_in_an_overlapping_session(event):
    session, elsewhere = published(
        event,
        workshop(event, "Full", "14:00", "15:00", capacity=1),
        workshop(event, "Moved", "16:00", "17:00"),
    )
    seated = service.enrol(add_delegate(event), session)
    (busy, busy_wait), (_free, next_wait) = waiting_in_order(event, session, 2)
    service.enrol(busy, elsewhere)
    elsewhere.starts_at, elsewhere.ends_at = (
        session.starts_at,
        session.ends_at,
    )  # organisers moved it
    db.session.flush()
    assert service.cancel(seated) == [next_wait]
    assert busy_wait.status.value == WAITLISTED


def test_promotion_skips_a_waiting_delegate_whose_registration_ended(event):
    session = published(event, workshop(event, capacity=1))
    seated = service.enrol(add_delegate(event), session)
    (gone, gone_wait), (_b, next_wait) = waiting_in_order(event, session, 2)
    gone.status = RegistrationStatus.CANCELLED
    db.session.flush()
    assert service.cancel(seated) == [next_wait]
    assert gone_wait.status.value == WAITLISTED


def test_promoted_delegate_gets_an_email_in_their_language_with_the_manage_link(event):
    session = published(event, workshop(event, "Digital", capacity=1, title_zh="数字认证"))
    seated = service.enrol(add_delegate(event), session)
    delegate = add_delegate(event, locale="en", name_zh="", name_en="Next One")
    service.enrol(delegate, session)
    service.cancel(seated)
    [message] = outbox()
    assert message.to_address == delegate.email
    assert message.subject == "A place is free, you are enrolled: Digital"
    assert "Dear Next One," in message.body_text
    assert f"/r/{delegate.manage_token}" in message.body_text


def test_promoted_delegate_reading_chinese_gets_the_chinese_title(event):
    session = published(event, workshop(event, "Digital", capacity=1, title_zh="数字认证"))
    seated = service.enrol(add_delegate(event), session)
    service.enrol(add_delegate(event, locale="zh_Hans"), session)
    service.cancel(seated)
    [message] = outbox()
    # The catalogue is compiled later; the session's title shows which language was used.
    assert "数字认证" in message.subject and "Digital" not in message.body_text


def test_cancellation_without_anyone_waiting_sends_no_email(event):
    session = published(event, workshop(event, capacity=1))
    service.cancel(service.enrol(add_delegate(event), session))
    assert outbox() == []


def test_promotion_is_audited(event):
    session = published(event, workshop(event, capacity=1))
    seated = service.enrol(add_delegate(event), session)
    [(_d, waiting)] = waiting_in_order(event, session, 1)
    service.cancel(seated)
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(waiting.id))
    ).all()
    assert "enrolment.promote" in actions


# --- capacity changes ------------------------------------------------------------------------


def test_raising_capacity_promotes_as_many_as_fit(event):
    session = published(event, workshop(event, capacity=1))
    service.enrol(add_delegate(event), session)
    people = waiting_in_order(event, session, 3)
    promoted = service.set_capacity(session, 3)
    assert promoted == [people[0][1], people[1][1]]
    assert people[2][1].status.value == WAITLISTED


def test_lowering_capacity_takes_no_place_away_and_promotes_nobody(event):
    session = published(event, workshop(event, capacity=2))
    seated = [service.enrol(add_delegate(event), session) for _ in range(2)]
    assert service.set_capacity(session, 1) == []
    assert {e.status.value for e in seated} == {ENROLLED}


def test_unlimited_capacity_promotes_everyone_waiting(event):
    session = published(event, workshop(event, capacity=1))
    service.enrol(add_delegate(event), session)
    people = waiting_in_order(event, session, 3)
    assert len(service.set_capacity(session, None)) == 3
    assert {e.status.value for _d, e in people} == {ENROLLED}


def test_negative_capacity_is_refused(event):
    session = published(event, workshop(event))
    refused("capacity_negative", service.set_capacity, session, -1)


def test_promote_waiting_with_no_free_place_promotes_nobody(event):
    session = published(event, workshop(event, capacity=1))
    service.enrol(add_delegate(event), session)
    waiting_in_order(event, session, 1)
    assert service.promote_waiting(session) == []


# --- several at once (registration form) ------------------------------------------------------


def test_enrol_many_refuses_overlapping_choices_before_writing(event):
    first, second = published(
        event, workshop(event, "A", "14:00", "15:00"), workshop(event, "B", "14:30", "15:30")
    )
    delegate = add_delegate(event)
    refused("enrolment_overlaps", service.enrol_many, delegate, [first, second])
    assert db.session.scalars(select(Enrolment)).all() == []


def test_enrol_many_enrols_in_every_choice(event):
    first, second = published(
        event, workshop(event, "A", "10:00", "11:00"), workshop(event, "B", "14:00", "15:00")
    )
    made = service.enrol_many(add_delegate(event), [second, first])
    assert [e.session_id for e in made] == [first.id, second.id]


def test_release_registration_frees_the_places_and_promotes(event):
    session = published(event, workshop(event, capacity=1))
    delegate = add_delegate(event)
    service.enrol(delegate, session)
    [(_d, waiting)] = waiting_in_order(event, session, 1)
    assert service.release_registration(delegate) == [waiting]


def test_cancelling_the_registration_gives_its_session_places_to_those_waiting(event):
    from wadconf.services import registration as registration_service

    session = published(event, workshop(event, capacity=1))
    delegate = add_delegate(event)
    mine = service.enrol(delegate, session)
    [(_d, waiting)] = waiting_in_order(event, session, 1)
    registration_service.cancel_registration(delegate)
    assert (mine.status.value, waiting.status.value) == ("cancelled", ENROLLED)


def test_rejecting_a_pending_registration_gives_its_session_place_away(event):
    from wadconf.services import review

    session = published(event, workshop(event, capacity=1))
    delegate = add_delegate(event, status=RegistrationStatus.PENDING)
    service.enrol(delegate, session)
    [(_d, waiting)] = waiting_in_order(event, session, 1)
    review.reject_registration(delegate)
    assert waiting.status.value == ENROLLED


def test_approving_a_pending_registration_keeps_its_session_place(event):
    from wadconf.services import review

    session = published(event, workshop(event, capacity=1))
    delegate = add_delegate(event, status=RegistrationStatus.PENDING)
    mine = service.enrol(delegate, session)
    review.approve_registration(delegate)
    assert mine.status.value == ENROLLED


# --- the personal agenda -----------------------------------------------------------------------


def test_personal_agenda_lists_open_sessions_my_enrolments_and_my_roles(event):
    delegate = add_delegate(event)
    plenary = add_session(event, "Plenary", "09:00", "10:00")
    mine = workshop(event, "Mine", "14:00", "15:00")
    speaking = workshop(event, "Speaking", "16:00", "17:00")
    add_person(speaking, delegate, role=PersonRole.SPEAKER)
    signing = add_session(event, "Signing", "11:00", "12:00", requires_enrolment=True)
    add_signing(signing, delegate)
    other = workshop(event, "Not mine", "14:00", "15:00")
    publish_schedule(event)
    service.enrol(delegate, mine)
    agenda = service.personal_agenda(delegate)
    concerns = [i.title_en for i in agenda if i.concerns_me]
    assert concerns == ["Plenary", "Signing", "Mine", "Speaking"]
    by_title = {i.title_en: i for i in agenda}
    assert by_title["Mine"].status == ENROLLED
    assert by_title["Speaking"].roles == ["speaker"]
    assert by_title["Signing"].roles == ["signatory"]
    assert by_title["Not mine"].overlaps.id == mine.id
    assert plenary.token in {i.token for i in agenda} and other.token in {i.token for i in agenda}


def test_personal_agenda_is_empty_before_publication(event):
    workshop(event)
    assert service.personal_agenda(add_delegate(event)) == []


def test_personal_agenda_shows_the_waiting_position(event):
    session = published(event, workshop(event, capacity=0))
    waiting_in_order(event, session, 1)
    delegate = add_delegate(event)
    service.enrol(delegate, session)
    [item] = service.personal_agenda(delegate)
    assert (item.status, item.position, item.free) == (WAITLISTED, 2, 0)


def test_personal_agenda_of_a_cancelled_registration_is_empty(event):
    add_session(event, "Plenary", "09:00", "10:00")
    publish_schedule(event)
    assert service.personal_agenda(add_delegate(event, status=RegistrationStatus.CANCELLED)) == []


def test_personal_agenda_times_are_in_the_event_zone(event):
    published(event, add_session(event, "Plenary", "09:00", "10:00"))
    [item] = service.personal_agenda(add_delegate(event))
    assert (item.starts_at.hour, str(item.starts_at.tzinfo)) == (9, "Asia/Shanghai")

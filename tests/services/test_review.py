"""Organisers' decisions on registrations: approve, reject, cancel, restore, edit, walk-ins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
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
from wadconf.services import DomainError, review

PENDING = RegistrationStatus.PENDING


def act(app, fn, registration, **kwargs):
    """Run ``fn`` on a fresh copy of ``registration`` in one write transaction, then commit."""
    with app.app_context(), write_intent():
        try:
            result = fn(db.session.get(Registration, registration.id), **kwargs)
        except DomainError:
            db.session.rollback()
            raise
        db.session.commit()
        return result


def reload(app, model, row_id):
    """A detached, current copy of a row."""
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


def set_event(app, event, **values):
    """Change columns of ``event`` that its form does not offer (capacity, approval)."""
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def outbox(app) -> list[OutboxMessage]:
    """Every queued message, detached."""
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for message in messages:
            db.session.expunge(message)
        return messages


def audit_actions(app, registration) -> list[tuple[str, dict]]:
    with app.app_context():
        return [
            (e.action, e.details)
            for e in db.session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.object_type == "Registration",
                    AuditEntry.object_id == str(registration.id),
                )
                .order_by(AuditEntry.id)
            )
        ]


@pytest.fixture
def event(make_event):
    return make_event()


# --- approve and reject -----------------------------------------------------------------


def test_approve_confirms_a_pending_registration(app, event, make_registration):
    registration = make_registration(event, status=PENDING)
    act(app, review.approve_registration, registration, message="Welcome")
    stored = reload(app, Registration, registration.id)
    assert stored.status == RegistrationStatus.CONFIRMED
    assert stored.review_message == "Welcome"
    assert stored.reviewed_at is not None


def test_approve_queues_an_english_email_for_an_english_delegate(app, event, make_registration):
    registration = make_registration(
        event,
        status=PENDING,
        locale="en",
        email="ann@example.org",
        name_zh="",
        name_en="Ann Example",
    )
    act(app, review.approve_registration, registration, message="See you in Xiong'an")
    [message] = outbox(app)
    assert message.to_address == "ann@example.org"
    assert message.kind == "registration_approved"
    assert message.subject == "Registration confirmed: Test Conference"
    assert "Dear Ann Example" in message.body_text
    assert "See you in Xiong'an" in message.body_text
    assert f"/r/{registration.manage_token}" in message.body_text


def test_approve_queues_a_chinese_email_for_a_chinese_delegate(app, event, make_registration):
    registration = make_registration(event, status=PENDING, locale="zh_Hans")
    act(app, review.approve_registration, registration)
    [message] = outbox(app)
    # The catalogue is translated at the end; the event's name shows which language was used.
    assert "测试大会" in message.subject
    assert "Test Conference" not in message.body_text


def test_approving_a_confirmed_registration_is_not_pending(app, event, make_registration):
    registration = make_registration(event)
    with pytest.raises(DomainError) as excinfo:
        act(app, review.approve_registration, registration)
    assert excinfo.value.code == "not_pending"
    assert outbox(app) == []


def test_rejecting_a_cancelled_registration_is_not_pending(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.CANCELLED)
    with pytest.raises(DomainError) as excinfo:
        act(app, review.reject_registration, registration)
    assert excinfo.value.code == "not_pending"


def test_reject_frees_the_invitation_seat(app, event, make_invitation, make_registration):
    invitation = make_invitation(event, seats=3)
    registration = make_registration(event, invitation=invitation, status=PENDING)
    assert reload(app, Invitation, invitation.id).seats_used == 1
    act(app, review.reject_registration, registration)
    assert reload(app, Registration, registration.id).status == RegistrationStatus.REJECTED
    assert reload(app, Invitation, invitation.id).seats_used == 0


def test_reject_emails_the_delegate_with_the_message(app, event, make_registration):
    registration = make_registration(event, status=PENDING, locale="en")
    act(
        app, review.reject_registration, registration, message="The hall is reserved for officials."
    )
    [message] = outbox(app)
    assert message.kind == "registration_rejected"
    assert "could not be accepted" in message.body_text
    assert "The hall is reserved for officials." in message.body_html


def test_review_message_longer_than_2000_is_refused(app, event, make_registration):
    registration = make_registration(event, status=PENDING)
    with pytest.raises(DomainError) as excinfo:
        act(app, review.approve_registration, registration, message="x" * 2001)
    assert excinfo.value.code == "message_too_long"
    assert reload(app, Registration, registration.id).status == PENDING


def test_approval_is_in_the_audit_log_with_its_message(app, event, make_registration):
    registration = make_registration(event, status=PENDING)
    act(app, review.approve_registration, registration, message="ok")
    assert audit_actions(app, registration) == [("registration.approve", {"message": "ok"})]


def test_review_without_an_email_address_queues_nothing(app, event, make_registration):
    registration = make_registration(event, status=PENDING, email="")
    act(app, review.approve_registration, registration)
    assert outbox(app) == []


def test_script_in_a_name_is_escaped_in_the_html_email(app, event, make_registration):
    registration = make_registration(
        event, status=PENDING, locale="en", name_en="<script>alert(1)</script>"
    )
    act(app, review.approve_registration, registration, message="<b>hi</b>")
    [message] = outbox(app)
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.body_html
    assert "&lt;b&gt;hi&lt;/b&gt;" in message.body_html


# --- cancel and restore -----------------------------------------------------------------


def test_cancel_frees_the_seat(app, event, make_invitation, make_registration):
    invitation = make_invitation(event, seats=2)
    registration = make_registration(event, invitation=invitation)
    act(app, review.cancel_registration, registration)
    assert reload(app, Registration, registration.id).status == RegistrationStatus.CANCELLED
    assert reload(app, Invitation, invitation.id).seats_used == 0


def test_cancelling_twice_is_not_active(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.CANCELLED)
    with pytest.raises(DomainError) as excinfo:
        act(app, review.cancel_registration, registration)
    assert excinfo.value.code == "not_active"


def test_restore_confirms_and_takes_the_seat_again(app, event, make_invitation, make_registration):
    invitation = make_invitation(event, seats=1)
    registration = make_registration(event, invitation=invitation)
    act(app, review.cancel_registration, registration)
    act(app, review.restore_registration, registration)
    stored = reload(app, Registration, registration.id)
    assert stored.status == RegistrationStatus.CONFIRMED
    assert stored.cancelled_at is None
    invitation = reload(app, Invitation, invitation.id)
    assert invitation.seats_used == 1
    assert invitation.state == InvitationState.REGISTERED


def test_restoring_an_active_registration_is_not_cancelled(app, event, make_registration):
    registration = make_registration(event)
    with pytest.raises(DomainError) as excinfo:
        act(app, review.restore_registration, registration)
    assert excinfo.value.code == "not_cancelled"


def test_restore_when_the_invitation_is_full_is_no_seats_left(
    app, event, make_invitation, make_registration
):
    invitation = make_invitation(event, seats=1)
    registration = make_registration(event, invitation=invitation)
    act(app, review.cancel_registration, registration)
    make_registration(event, invitation=invitation)  # the seat went to someone else
    with pytest.raises(DomainError) as excinfo:
        act(app, review.restore_registration, registration)
    assert excinfo.value.code == "no_seats_left"
    assert reload(app, Registration, registration.id).status == RegistrationStatus.CANCELLED
    assert reload(app, Invitation, invitation.id).seats_used == 1


def test_restore_when_the_event_is_full_is_event_full(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.CANCELLED)
    make_registration(event)
    make_registration(event, status=PENDING)
    set_event(app, event, capacity=2)
    with pytest.raises(DomainError) as excinfo:
        act(app, review.restore_registration, registration)
    assert excinfo.value.code == "event_full"
    assert reload(app, Registration, registration.id).status == RegistrationStatus.CANCELLED


def test_restore_ignores_the_waitlist_when_counting_capacity(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.CANCELLED)
    make_registration(event)
    make_registration(event, status=RegistrationStatus.WAITLISTED)
    set_event(app, event, capacity=2)
    act(app, review.restore_registration, registration)
    assert reload(app, Registration, registration.id).status == RegistrationStatus.CONFIRMED


def test_restore_on_a_revoked_invitation_is_refused(app, event, make_invitation, make_registration):
    invitation = make_invitation(event, seats=2)
    registration = make_registration(
        event, invitation=invitation, status=RegistrationStatus.CANCELLED
    )
    with app.app_context(), write_intent():
        db.session.get(Invitation, invitation.id).state = InvitationState.REVOKED
        db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        act(app, review.restore_registration, registration)
    assert excinfo.value.code == "invitation_revoked"


def test_cancel_and_restore_are_in_the_audit_log(app, event, make_registration):
    registration = make_registration(event)
    act(app, review.cancel_registration, registration)
    act(app, review.restore_registration, registration)
    assert [a for a, _ in audit_actions(app, registration)] == [
        "registration.cancel",
        "registration.restore",
    ]


# --- edit -------------------------------------------------------------------------------


def _edit(app, registration, category_id=None, **values):
    with app.app_context(), write_intent():
        row = db.session.get(Registration, registration.id)
        try:
            changed = review.edit_registration(
                row, review.delegate_data(row, **values), category_id=category_id or row.category_id
            )
        except DomainError:
            db.session.rollback()
            raise
        db.session.commit()
        return changed


def test_edit_changes_the_given_fields(app, event, make_registration):
    registration = make_registration(event)
    changed = _edit(app, registration, organisation="新单位", mobile="+86 139 1234 5678")
    stored = reload(app, Registration, registration.id)
    assert stored.organisation == "新单位"
    assert stored.mobile == "+8613912345678"
    assert set(changed) == {"organisation", "mobile"}


def test_edit_audits_field_names_not_values(app, event, make_registration):
    registration = make_registration(event)
    _edit(app, registration, position="Chief <script>")
    [(action, details)] = audit_actions(app, registration)
    assert action == "registration.update"
    assert details == {"fields": ["position"]}


def test_edit_with_a_bad_mobile_is_invalid_and_names_the_field(app, event, make_registration):
    registration = make_registration(event)
    with pytest.raises(DomainError) as excinfo:
        _edit(app, registration, mobile="12345")
    assert excinfo.value.code == "invalid"
    assert "mobile" in excinfo.value.params["errors"]
    assert reload(app, Registration, registration.id).mobile == registration.mobile


def test_edit_may_change_the_category(app, event, make_registration):
    registration = make_registration(event, category="government")
    with app.app_context():
        media = db.session.scalar(
            select(DelegateCategory.id).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code == "media"
            )
        )
    changed = _edit(app, registration, category_id=media)
    assert changed == ["category"]
    assert reload(app, Registration, registration.id).category_id == media
    assert audit_actions(app, registration)[-1] == (
        "registration.category_change",
        {"from": "government", "to": "media"},
    )


def test_edit_refuses_another_events_category(app, event, make_event, make_registration):
    other = make_event()
    registration = make_registration(event)
    with app.app_context():
        foreign = db.session.scalar(
            select(DelegateCategory.id).where(DelegateCategory.event_id == other.id)
        )
    with pytest.raises(DomainError) as excinfo:
        _edit(app, registration, category_id=foreign)
    assert excinfo.value.code == "invalid"
    assert "category" in excinfo.value.params["errors"]


# --- direct registration ----------------------------------------------------------------


def _walk_in(app, event, invitation=None, category_code="expert", **values):
    data = {
        "name_zh": "王示例",
        "name_en": "Wang Shili",
        "organisation": "示例检测有限公司",
        "country": "CN",
        "email": "",
        "mobile": "",
        **values,
    }
    with app.app_context(), write_intent():
        event_row = db.session.get(Event, event.id)
        category_id = db.session.scalar(
            select(DelegateCategory.id).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code == category_code
            )
        )
        try:
            registration = review.register_directly(
                event_row,
                review.delegate_data(None, **data),
                invitation=db.session.get(Invitation, invitation.id) if invitation else None,
                category_id=category_id,
            )
        except DomainError:
            db.session.rollback()
            raise
        db.session.commit()
        db.session.refresh(registration)
        db.session.expunge(registration)
        return registration


def test_walk_in_without_invitation_is_confirmed_and_marked_as_staff(app, event):
    registration = _walk_in(app, event)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.registered_by_staff is True
    assert registration.invitation_id is None
    assert registration.category_id is not None


def test_walk_in_skips_approval(app, event):
    set_event(app, event, requires_approval=True)
    assert _walk_in(app, event).status == RegistrationStatus.CONFIRMED


def test_walk_in_when_the_event_is_full_is_waitlisted(app, event, make_registration):
    make_registration(event)
    set_event(app, event, capacity=1)
    assert _walk_in(app, event).status == RegistrationStatus.WAITLISTED


def test_walk_in_on_an_invitation_takes_its_seat(app, event, make_invitation):
    invitation = make_invitation(event, seats=5)
    registration = _walk_in(app, event, invitation=invitation)
    assert registration.invitation_id == invitation.id
    assert reload(app, Invitation, invitation.id).seats_used == 1


def test_walk_in_on_a_full_invitation_is_no_seats_left(
    app, event, make_invitation, make_registration
):
    invitation = make_invitation(event, seats=1)
    make_registration(event, invitation=invitation)
    with pytest.raises(DomainError) as excinfo:
        _walk_in(app, event, invitation=invitation)
    assert excinfo.value.code == "no_seats_left"


def test_walk_in_with_an_email_gets_the_confirmation_mail(app, event):
    _walk_in(app, event, email="walkin@example.org")
    assert [m.to_address for m in outbox(app)] == ["walkin@example.org"]


def test_cancel_by_an_organiser_tells_the_delegate(app, event, make_registration):
    registration = make_registration(event, email="gone@example.org")
    act(app, review.cancel_registration, registration)
    [message] = outbox(app)
    assert message.to_address == "gone@example.org"
    assert message.kind.startswith("registration_cancelled")


def test_concurrent_restores_on_a_one_seat_invitation_restore_exactly_one(
    app, event, make_invitation, make_registration, monkeypatch
):
    import threading

    from wadconf.services import registration as registration_service

    invitation = make_invitation(event, seats=1)
    cancelled = [
        make_registration(event, invitation=invitation, status=RegistrationStatus.CANCELLED)
        for _ in range(4)
    ]
    start = threading.Barrier(len(cancelled))
    # Hold every restore between its seat check and its write until all have checked (or one
    # second passed): without the row locks all four would pass the check; with them, the
    # others are still waiting for the lock and the first goes on alone after the second.
    checked = threading.Barrier(len(cancelled), timeout=1)
    take_seat = registration_service.take_seat

    def take_seat_after_everyone_checked(row):
        try:
            checked.wait()
        except threading.BrokenBarrierError:
            pass
        take_seat(row)

    monkeypatch.setattr(registration_service, "take_seat", take_seat_after_everyone_checked)
    outcomes: list[str] = []

    def restore(registration):
        with app.app_context(), write_intent():
            # Released together; the first statement of each thread opens its transaction.
            start.wait(timeout=30)
            try:
                review.restore_registration(db.session.get(Registration, registration.id))
                db.session.commit()
                outcomes.append("restored")
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.code)

    threads = [threading.Thread(target=restore, args=(r,)) for r in cancelled]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["no_seats_left"] * 3 + ["restored"]
    assert reload(app, Invitation, invitation.id).seats_used == 1

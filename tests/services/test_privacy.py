"""Erasing a delegate's personal data (PIPL): what goes, what stays, what can no longer happen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    Invitation,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from wadconf.services import DomainError, privacy, review
from wadconf.services import registration as registration_service
from wadconf.services.mail import queue_mail

PERSONAL = {
    "name_zh": "王小明",
    "name_en": "Wang Xiaoming",
    "gender": "male",
    "position": "总工程师",
    "email": "wang.xm@example.org",
    "mobile": "+8613912345678",
    "id_type": "passport",
    "id_number": "E98765432",
    "dietary": "清真",
    "accessibility": "轮椅",
    "review_message": "王先生，欢迎",
}


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def registration(event, make_registration):
    """A confirmed registration full of personal data, whose delegate asked for deletion."""
    return make_registration(
        event,
        organisation="示例检测公司",
        country="CN",
        deletion_requested_at=utcnow() - timedelta(days=1),
        **PERSONAL,
    )


def erase(app, registration, **kwargs) -> None:
    with app.app_context(), write_intent():
        privacy.erase_personal_data(db.session.get(Registration, registration.id), **kwargs)
        db.session.commit()


def refusal(app, fn, registration, *args, **kwargs) -> str:
    """The code of the DomainError ``fn`` raises on a fresh copy of ``registration``."""
    with app.app_context(), write_intent(), pytest.raises(DomainError) as exc:
        fn(db.session.get(Registration, registration.id), *args, **kwargs)
    return exc.value.code


def stored(app, registration) -> Registration:
    with app.app_context():
        row = db.session.get(Registration, registration.id)
        db.session.expunge(row)
        return row


# --- what goes and what stays -----------------------------------------------------------


def test_erase_replaces_the_names_with_a_neutral_placeholder(app, registration):
    erase(app, registration)
    row = stored(app, registration)
    assert (row.name_zh, row.name_en) == ("已删除", "Deleted")


@pytest.mark.parametrize("name", sorted(set(PERSONAL) - {"name_zh", "name_en"}))
def test_erase_blanks_the_personal_field(app, registration, name):
    erase(app, registration)
    assert getattr(stored(app, registration), name) == ""


def test_erase_keeps_organisation_country_and_the_request_time(app, registration):
    erase(app, registration)
    row = stored(app, registration)
    assert (row.organisation, row.country) == ("示例检测公司", "CN")
    assert row.deletion_requested_at is not None


def test_erase_records_when_it_happened(app, registration):
    before = utcnow().replace(microsecond=0)
    erase(app, registration)
    assert stored(app, registration).personal_data_erased_at >= before


def test_erase_cancels_an_active_registration(app, registration):
    erase(app, registration)
    row = stored(app, registration)
    assert (row.status, row.cancelled_at is not None) == (RegistrationStatus.CANCELLED, True)


def test_erase_gives_the_invitation_seat_back(app, event, make_invitation, make_registration):
    invitation = make_invitation(event, seats=2)
    registration = make_registration(event, invitation=invitation)
    erase(app, registration)
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).seats_used == 0


def test_erasing_a_confirmed_registration_promotes_from_the_waiting_list(
    app, make_event, make_registration
):
    event = make_event(capacity=1)
    registration = make_registration(event)
    waiting = make_registration(event, status=RegistrationStatus.WAITLISTED)
    erase(app, registration)
    assert stored(app, waiting).status == RegistrationStatus.CONFIRMED


def test_erasing_a_waitlisted_registration_promotes_nobody(app, make_event, make_registration):
    event = make_event(capacity=1)
    make_registration(event)
    erased = make_registration(event, status=RegistrationStatus.WAITLISTED)
    still = make_registration(event, status=RegistrationStatus.WAITLISTED)
    erase(app, erased)
    assert stored(app, still).status == RegistrationStatus.WAITLISTED


def test_erasing_a_rejected_registration_keeps_its_status(app, event, make_registration):
    registration = make_registration(event, status=RegistrationStatus.REJECTED, **PERSONAL)
    erase(app, registration)
    assert stored(app, registration).status == RegistrationStatus.REJECTED


def test_erase_rotates_the_manage_token(app, registration):
    erase(app, registration)
    with app.app_context():
        assert registration_service.find_by_manage_token(registration.manage_token) is None
    assert stored(app, registration).manage_token != registration.manage_token


def test_erased_registration_is_not_found_even_by_its_new_token(app, registration):
    erase(app, registration)
    new_token = stored(app, registration).manage_token
    with app.app_context():
        assert registration_service.find_by_manage_token(new_token) is None


def test_erase_sends_no_email(app, registration):
    erase(app, registration)
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_erase_blanks_the_outbox_copies_of_the_delegates_mail(app, registration):
    with app.app_context(), write_intent():
        queue_mail(
            PERSONAL["email"],
            template="test_message",
            locale="en",
            context={},
            to_name="Wang Xiaoming",
            subject_ref=f"Registration:{registration.id}",
        )
        db.session.commit()
    erase(app, registration)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.to_address, message.to_name, message.body_text, message.body_html) == (
            "",
            "",
            "",
            "",
        )
        # A message not yet delivered is given up: its address is gone.
        assert message.status == OutboxStatus.FAILED


def test_erase_audit_entry_carries_none_of_the_erased_data(app, registration):
    erase(app, registration)
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "registration.erase")
        ).one()
        text = str(entry.details)
    assert entry.object_id == str(registration.id)
    for value in (*PERSONAL.values(), registration.manage_token):
        assert value not in text


# --- what can no longer happen ----------------------------------------------------------


def test_erasing_twice_is_already_erased(app, registration):
    erase(app, registration)
    assert refusal(app, privacy.erase_personal_data, registration) == "already_erased"


def test_erased_registration_cannot_be_edited_by_an_organiser(app, registration):
    erase(app, registration)
    data = review.delegate_data(stored(app, registration), name_en="Back Again")
    code = refusal(app, review.edit_registration, registration, data, category_id=None)
    assert code == "personal_data_erased"


def test_erased_registration_cannot_be_edited_by_the_delegate(app, registration):
    erase(app, registration)
    data = review.delegate_data(stored(app, registration), name_en="Back Again")
    code = refusal(app, registration_service.update_registration, registration, data)
    assert code == "personal_data_erased"


def test_erased_registration_cannot_be_restored(app, registration):
    erase(app, registration)
    assert refusal(app, review.restore_registration, registration) == "personal_data_erased"


def test_export_of_an_erased_registration_is_refused(app, registration):
    erase(app, registration)
    assert refusal(app, privacy.export_personal_data, registration) == "personal_data_erased"

"""The registration service: validation, status, seats, repeats, consent, edit, cancel, PIPL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    DelegateCategory,
    Event,
    Invitation,
    InvitationState,
    OutboxMessage,
    PrivacyNotice,
    Registration,
    RegistrationStatus,
)
from wadconf.services import DomainError, privacy
from wadconf.services import registration as service
from wadconf.services.registration import DelegateData

KEY = "k" * 24


def delegate(**fields) -> DelegateData:
    """Valid details of a mainland delegate, with ``fields`` replaced."""
    values = {
        "name_zh": "张三",
        "name_en": "Zhang San",
        "organisation": "示例认证中心",
        "position": "主任",
        "country": "CN",
        "email": "Zhang.San@Example.org",
        "mobile": "+86 138 1234 5678",
        "locale": "zh_Hans",
    }
    values.update(fields)
    return DelegateData(**values)


def _create(event, invitation=None, data=None, **kwargs) -> Registration:
    kwargs.setdefault("consent_version", 1)
    ev = db.session.get(Event, event.id)
    inv = db.session.get(Invitation, invitation.id) if invitation is not None else None
    return service.create_registration(ev, data or delegate(), invitation=inv, **kwargs)


def register(app, event, invitation=None, data=None, **kwargs) -> int:
    """Create and commit a registration; returns its id."""
    with app.app_context(), write_intent():
        registration = _create(event, invitation, data, **kwargs)
        db.session.commit()
        return registration.id


def refusal(app, event, invitation=None, data=None, **kwargs) -> DomainError:
    """The error ``create_registration`` raises; asserts nothing was stored."""
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            _create(event, invitation, data, **kwargs)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    return exc.value


def field_errors(app, event, data, invitation=None) -> dict[str, str]:
    """The field errors of an ``invalid`` refusal."""
    error = refusal(app, event, invitation, data)
    assert error.code == "invalid"
    return error.params["errors"]


def load(app, model, row_id):
    """A fresh copy of a row, detached."""
    with app.app_context():
        row = db.session.get(model, row_id)
        db.session.expunge(row)
        return row


# Creation and seats


def _set_event(app, event, **values):
    """Change columns of ``event`` the factory does not take."""
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def test_registration_from_an_invitation_is_confirmed(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    assert load(app, Registration, reg_id).status == RegistrationStatus.CONFIRMED


def test_registration_takes_a_seat_and_marks_the_invitation_registered(
    app, make_event, make_invitation
):
    event = make_event()
    invitation = make_invitation(event, seats=3)
    register(app, event, invitation)
    stored = load(app, Invitation, invitation.id)
    assert (stored.seats_used, stored.state) == (1, InvitationState.REGISTERED)


def test_registration_takes_the_invitations_category(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event, category="media"))
    with app.app_context():
        assert db.session.get(Registration, reg_id).category.code == "media"


def test_full_invitation_refuses_another_registration(
    app, make_event, make_invitation, make_registration
):
    event = make_event()
    invitation = make_invitation(event, seats=1)
    make_registration(event, invitation=invitation, status=RegistrationStatus.CONFIRMED)
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            _create(event, invitation)
    assert exc.value.code == "no_seats_left"


def test_repeated_submission_key_returns_the_first_registration(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, seats=3)
    first = register(app, event, invitation, submission_key=KEY)
    second = register(app, event, invitation, submission_key=KEY)
    assert second == first
    assert load(app, Invitation, invitation.id).seats_used == 1


def test_repeated_submission_key_on_a_full_invitation_still_returns_the_registration(
    app, make_event, make_invitation
):
    event = make_event()
    invitation = make_invitation(event, seats=1)
    first = register(app, event, invitation, submission_key=KEY)
    assert register(app, event, invitation, submission_key=KEY) == first


def test_malformed_submission_key_is_refused(app, make_event, make_invitation):
    event = make_event()
    assert (
        refusal(app, event, make_invitation(event), submission_key="x").code == "bad_submission_key"
    )


def test_invitation_of_another_event_is_refused(app, make_event, make_invitation):
    event, other = make_event(), make_event()
    assert refusal(app, event, make_invitation(other)).code == "wrong_event"


def test_public_registration_cannot_choose_its_status(app, make_event, make_invitation):
    event = make_event()
    error = refusal(app, event, make_invitation(event), status=RegistrationStatus.CONFIRMED)
    assert error.code == "status_not_allowed"


# Status on creation


def test_event_requiring_approval_makes_registrations_pending(app, make_event, make_invitation):
    event = make_event()
    _set_event(app, event, requires_approval=True)
    reg_id = register(app, event, make_invitation(event))
    assert load(app, Registration, reg_id).status == RegistrationStatus.PENDING


def test_category_requiring_approval_makes_registrations_pending(app, make_event, make_invitation):
    event = make_event()
    with app.app_context(), write_intent():
        db.session.scalar(
            select(DelegateCategory).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code == "media"
            )
        ).requires_approval = True
        db.session.commit()
    reg_id = register(app, event, make_invitation(event, category="media"))
    assert load(app, Registration, reg_id).status == RegistrationStatus.PENDING


def test_full_event_waitlists_the_next_registration(
    app, make_event, make_invitation, make_registration
):
    event = make_event()
    _set_event(app, event, capacity=1)
    make_registration(event, status=RegistrationStatus.CONFIRMED)
    reg_id = register(app, event, make_invitation(event))
    assert load(app, Registration, reg_id).status == RegistrationStatus.WAITLISTED


def test_waitlisted_registrations_do_not_count_against_capacity(
    app, make_event, make_invitation, make_registration
):
    event = make_event()
    _set_event(app, event, capacity=1)
    make_registration(event, status=RegistrationStatus.WAITLISTED)
    reg_id = register(app, event, make_invitation(event))
    assert load(app, Registration, reg_id).status == RegistrationStatus.CONFIRMED


# Window, expiry, revocation, staff


def test_closed_registration_window_is_refused(app, make_event, make_invitation):
    event = make_event()
    _set_event(app, event, registration_closes_at=utcnow() - timedelta(minutes=1))
    assert refusal(app, event, make_invitation(event)).code == "registration_closed"


def test_window_not_yet_open_is_refused(app, make_event, make_invitation):
    event = make_event()
    _set_event(app, event, registration_opens_at=utcnow() + timedelta(days=1))
    assert refusal(app, event, make_invitation(event)).code == "registration_closed"


def test_expired_invitation_is_refused(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, expires_at=utcnow() - timedelta(seconds=1))
    assert refusal(app, event, invitation).code == "invitation_expired"


def test_revoked_invitation_is_refused(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, state=InvitationState.REVOKED)
    assert refusal(app, event, invitation).code == "invitation_revoked"


def test_staff_may_register_a_walk_in_after_registration_closed(app, make_event, make_user):
    event = make_event()
    _set_event(app, event, registration_closes_at=utcnow() - timedelta(days=1))
    reg_id = register(
        app,
        event,
        data=delegate(email="", mobile=""),
        registered_by_staff=True,
        consent_version=None,
    )
    stored = load(app, Registration, reg_id)
    assert (stored.registered_by_staff, stored.invitation_id, stored.consent_version) == (
        True,
        None,
        None,
    )


def test_staff_may_set_the_status_of_a_walk_in(app, make_event):
    event = make_event()
    _set_event(app, event, requires_approval=True)
    reg_id = register(app, event, registered_by_staff=True, status=RegistrationStatus.CONFIRMED)
    assert load(app, Registration, reg_id).status == RegistrationStatus.CONFIRMED


# Validation


def test_mobile_is_stored_in_e164(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event), delegate(mobile="+86 138-1234-5678"))
    assert load(app, Registration, reg_id).mobile == "+8613812345678"


def test_national_mobile_is_read_in_the_delegates_country(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(
        app,
        event,
        make_invitation(event),
        delegate(country="GB", mobile="07911 123456", locale="en"),
    )
    assert load(app, Registration, reg_id).mobile == "+447911123456"


@pytest.mark.parametrize("mobile", ["", "12345", "+86 123", "call me", "+999 1234567890"])
def test_invalid_mobile_is_refused(app, make_event, mobile):
    assert "mobile" in field_errors(app, make_event(), delegate(mobile=mobile))


def test_email_is_stored_normalised(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    assert load(app, Registration, reg_id).email == "zhang.san@example.org"


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "<script>@x.org"])
def test_bad_email_is_refused(app, make_event, email):
    assert "email" in field_errors(app, make_event(), delegate(email=email))


def test_a_name_is_required(app, make_event):
    assert "name_zh" in field_errors(app, make_event(), delegate(name_zh="", name_en=" "))


def test_chinese_name_alone_is_enough_for_a_mainland_delegate_reading_chinese(
    app, make_event, make_invitation
):
    event = make_event()
    reg_id = register(app, event, make_invitation(event), delegate(name_en=""))
    assert load(app, Registration, reg_id).name_zh == "张三"


def test_english_name_is_required_from_outside_the_mainland(app, make_event):
    errors = field_errors(app, make_event(), delegate(name_en="", country="HK"))
    assert "name_en" in errors


def test_english_name_is_required_when_the_delegate_reads_english(app, make_event):
    assert "name_en" in field_errors(app, make_event(), delegate(name_en="", locale="en"))


@pytest.mark.parametrize("country", ["", "EU", "ZZ", "XX", "cnn"])
def test_unknown_country_is_refused(app, make_event, country):
    assert "country" in field_errors(app, make_event(), delegate(country=country))


def test_organisation_is_required(app, make_event):
    assert "organisation" in field_errors(app, make_event(), delegate(organisation="  "))


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("name_zh", 100),
        ("name_en", 100),
        ("organisation", 300),
        ("position", 200),
        ("dietary", 300),
        ("accessibility", 300),
    ],
)
def test_over_long_text_is_refused(app, make_event, name, limit):
    assert name in field_errors(app, make_event(), delegate(**{name: "x" * (limit + 1)}))


def test_unknown_language_is_refused(app, make_event):
    assert "locale" in field_errors(app, make_event(), delegate(locale="fr"))


def test_gender_is_required_when_the_event_asks(app, make_event):
    event = make_event()
    _set_event(app, event, asks_gender=True)
    assert "gender" in field_errors(app, event, delegate(gender=""))


def test_gender_is_dropped_when_the_event_does_not_ask(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event), delegate(gender="female"))
    assert load(app, Registration, reg_id).gender == ""


def _id_event(app, make_event):
    event = make_event()
    _set_event(app, event, requires_id_document=True)
    return event


def test_id_document_is_required_when_the_event_requires_it(app, make_event):
    errors = field_errors(app, _id_event(app, make_event), delegate())
    assert {"id_type", "id_consent"} <= errors.keys()


def test_id_document_needs_its_own_consent(app, make_event):
    errors = field_errors(
        app,
        _id_event(app, make_event),
        delegate(id_type="passport", id_number="E12345678", id_consent=False),
    )
    assert list(errors) == ["id_consent"]


def test_resident_id_card_number_with_a_bad_check_digit_is_refused(app, make_event):
    errors = field_errors(
        app,
        _id_event(app, make_event),
        delegate(id_type="cn_id", id_number="110101199003077572", id_consent=True),
    )
    assert list(errors) == ["id_number"]


def test_id_document_and_consent_time_are_stored(app, make_event, make_invitation):
    event = _id_event(app, make_event)
    reg_id = register(
        app,
        event,
        make_invitation(event),
        delegate(id_type="cn_id", id_number="11010519491231002x", id_consent=True),
    )
    stored = load(app, Registration, reg_id)
    assert (stored.id_number, stored.id_consent_at is not None) == ("11010519491231002X", True)


def test_id_document_is_dropped_when_the_event_does_not_require_it(
    app, make_event, make_invitation
):
    event = make_event()
    reg_id = register(
        app,
        event,
        make_invitation(event),
        delegate(id_type="passport", id_number="E12345678", id_consent=True),
    )
    stored = load(app, Registration, reg_id)
    assert (stored.id_number, stored.id_consent_at) == ("", None)


# Consent to the privacy notice


def test_online_registration_needs_consent(app, make_event, make_invitation):
    event = make_event()
    error = refusal(app, event, make_invitation(event), consent_version=None)
    assert "consent" in error.params["errors"]


def test_first_consent_saves_the_default_notice_as_version_one(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    with app.app_context():
        notice = db.session.scalar(select(PrivacyNotice).where(PrivacyNotice.event_id == event.id))
        assert (notice.version, notice.text_en) == (
            1,
            privacy.DEFAULT_NOTICE_EN.format(organiser="Test Conference"),
        )
        assert db.session.get(Registration, reg_id).consent_version == 1


def test_consent_time_is_stored(app, make_event, make_invitation):
    event = make_event()
    before = utcnow()
    reg_id = register(app, event, make_invitation(event))
    assert load(app, Registration, reg_id).consent_at >= before.replace(microsecond=0)


def test_consent_to_an_outdated_notice_is_refused(app, make_event, make_invitation):
    event = make_event()
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        privacy.publish_notice(row, text_zh="一", text_en="one")
        privacy.publish_notice(row, text_zh="二", text_en="two")
        db.session.commit()
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            _create(event, make_invitation(event), consent_version=1)
    assert exc.value.code == "notice_changed"


# The confirmation e-mail


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for message in messages:
            db.session.expunge(message)
        return messages


def test_confirmation_mail_carries_the_manage_link(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    token = load(app, Registration, reg_id).manage_token
    [message] = _outbox(app)
    assert (message.to_address, f"/r/{token}" in message.body_text) == (
        "zhang.san@example.org",
        True,
    )


def test_confirmation_mail_is_in_the_delegates_language(app, make_event, make_invitation):
    event = make_event()
    register(app, event, make_invitation(event), delegate(locale="en"))
    [message] = _outbox(app)
    assert message.subject == "Registration confirmed: Test Conference"


def test_pending_registration_gets_the_pending_mail(app, make_event, make_invitation):
    event = make_event()
    _set_event(app, event, requires_approval=True)
    register(app, event, make_invitation(event), delegate(locale="en"))
    [message] = _outbox(app)
    assert (message.kind, "approval" in message.body_text) == (
        "registration_received_pending",
        True,
    )


def test_waitlisted_registration_gets_the_waitlist_mail(
    app, make_event, make_invitation, make_registration
):
    event = make_event()
    _set_event(app, event, capacity=1)
    make_registration(event, status=RegistrationStatus.CONFIRMED)
    register(app, event, make_invitation(event), delegate(locale="en"))
    [message] = _outbox(app)
    assert message.subject == "On the waiting list: Test Conference"


def test_manage_token_differs_from_the_invitation_token(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event)
    token = load(app, Registration, register(app, event, invitation)).manage_token
    assert token != invitation.token and len(token) >= 22


def test_creation_is_audited_without_personal_data(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "registration.create")
        )
        assert (entry.object_id, "zhang" not in str(entry.details).lower()) == (str(reg_id), True)


# Editing


def test_edit_changes_the_details(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    with app.app_context(), write_intent():
        registration = db.session.get(Registration, reg_id)
        changed = service.update_registration(
            registration,
            replace(
                DelegateData.from_registration(registration), position="副主任", dietary="素食"
            ),
        )
        db.session.commit()
    assert sorted(changed) == ["dietary", "position"]
    assert load(app, Registration, reg_id).dietary == "素食"


def test_edit_after_registration_closed_is_refused(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    _set_event(app, event, registration_closes_at=utcnow() - timedelta(minutes=1))
    with app.app_context(), write_intent():
        registration = db.session.get(Registration, reg_id)
        with pytest.raises(DomainError) as exc:
            service.update_registration(registration, DelegateData.from_registration(registration))
    assert exc.value.code == "edit_closed"


def test_edit_is_validated_like_registration(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    with app.app_context(), write_intent():
        registration = db.session.get(Registration, reg_id)
        with pytest.raises(DomainError) as exc:
            service.update_registration(
                registration, replace(DelegateData.from_registration(registration), email="nope")
            )
    assert "email" in exc.value.params["errors"]


def test_edit_audit_names_fields_not_values(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    with app.app_context(), write_intent():
        registration = db.session.get(Registration, reg_id)
        service.update_registration(
            registration,
            replace(DelegateData.from_registration(registration), mobile="+8613900001111"),
        )
        db.session.commit()
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "registration.update")
        )
        assert entry.details == {"fields": ["mobile"]}


# Cancelling


def _cancel(app, reg_id):
    with app.app_context(), write_intent():
        service.cancel_registration(db.session.get(Registration, reg_id))
        db.session.commit()


def test_cancel_gives_the_seat_back(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, seats=2)
    reg_id = register(app, event, invitation)
    register(app, event, invitation, delegate(email="li.si@example.org"))
    _cancel(app, reg_id)
    assert load(app, Invitation, invitation.id).seats_used == 1


def test_cancelling_the_last_registration_reopens_the_invitation(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event)
    _cancel(app, register(app, event, invitation))
    assert load(app, Invitation, invitation.id).state == InvitationState.SENT


def test_cancel_sends_an_email(app, make_event, make_invitation):
    event = make_event()
    _cancel(app, register(app, event, make_invitation(event), delegate(locale="en")))
    assert _outbox(app)[-1].subject == "Registration cancelled: Test Conference"


def test_cancelling_twice_is_refused_and_frees_one_seat(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, seats=2)
    register(app, event, invitation, delegate(email="other@example.org"))
    reg_id = register(app, event, invitation)
    _cancel(app, reg_id)
    with app.app_context(), write_intent(), pytest.raises(DomainError) as exc:
        service.cancel_registration(db.session.get(Registration, reg_id))
    assert (exc.value.code, load(app, Invitation, invitation.id).seats_used) == ("not_active", 1)


# Declining


def test_decline_records_state_and_message(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event)
    with app.app_context(), write_intent():
        service.decline_invitation(
            db.session.get(Invitation, invitation.id), message="  另有安排  "
        )
        db.session.commit()
    stored = load(app, Invitation, invitation.id)
    assert (stored.state, stored.decline_message, stored.declined_at is not None) == (
        InvitationState.DECLINED,
        "另有安排",
        True,
    )


def test_decline_is_audited(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event)
    with app.app_context(), write_intent():
        service.decline_invitation(db.session.get(Invitation, invitation.id))
        db.session.commit()
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.decline")
        )


def test_decline_is_refused_once_someone_registered(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, seats=2)
    register(app, event, invitation)
    with app.app_context(), write_intent(), pytest.raises(DomainError) as exc:
        service.decline_invitation(db.session.get(Invitation, invitation.id))
    assert exc.value.code == "already_registered"


def test_a_declined_invitee_may_still_register(app, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, state=InvitationState.DECLINED)
    register(app, event, invitation)
    assert load(app, Invitation, invitation.id).state == InvitationState.REGISTERED


# Personal data


def test_export_contains_the_personal_data(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    with app.app_context():
        data = privacy.export_personal_data(db.session.get(Registration, reg_id))
    assert (data["personal_data"]["mobile"], data["consent"]["privacy_notice_version"]) == (
        "+8613812345678",
        1,
    )


def test_deletion_request_is_recorded_once(app, make_event, make_invitation):
    event = make_event()
    reg_id = register(app, event, make_invitation(event))
    with app.app_context(), write_intent():
        registration = db.session.get(Registration, reg_id)
        assert privacy.request_deletion(registration) is True
        assert privacy.request_deletion(registration) is False
        db.session.commit()
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "registration.deletion_requested")
        ).all()
    assert (load(app, Registration, reg_id).deletion_requested_at is not None, len(actions)) == (
        True,
        1,
    )


@pytest.mark.parametrize(
    ("value", "masked"), [("+8613812345678", "+86138****5678"), ("+447700900123", "+4477****0123")]
)
def test_mobile_is_masked_keeping_prefix_and_last_four(value, masked):
    assert privacy.mask_mobile(value) == masked


def test_id_number_is_masked_but_the_last_four():
    assert privacy.mask_id_number("11010119900307757X") == "**************757X"

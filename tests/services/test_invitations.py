"""The invitation service: validation codes, life cycle, the admin list's filters, sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    Event,
    Invitation,
    InvitationLocale,
    InvitationState,
    Registration,
)
from wadconf.services import DomainError
from wadconf.services import invitations as service
from wadconf.services.invitations import InvitationData

NOW = datetime(2025, 5, 1, 2, 0, tzinfo=UTC)


def data(**fields) -> InvitationData:
    """A valid invitation, with ``fields`` replaced."""
    values = {
        "name_zh": "李四",
        "name_en": "Li Si",
        "organisation": "示例认可中心 Example Body",
        "category": "expert",
        "email": "li.si@example.org",
        "mobile": "+8613812345678",
        "locale": "zh_Hans",
        "seats": 1,
    }
    values.update(fields)
    return InvitationData(**values)


def create(app, event, invitation_data: InvitationData | None = None, **kwargs) -> int:
    """Create and commit an invitation; returns its id."""
    with app.app_context(), write_intent():
        invitation = service.create_invitation(
            db.session.get(Event, event.id), invitation_data or data(), now=NOW, **kwargs
        )
        db.session.commit()
        return invitation.id


def refusal(app, event, invitation_data: InvitationData) -> DomainError:
    """The error creating ``invitation_data`` raises; asserts nothing was stored."""
    with app.app_context(), write_intent():
        before = db.session.scalar(select(func.count()).select_from(Invitation))
        with pytest.raises(DomainError) as exc:
            service.create_invitation(db.session.get(Event, event.id), invitation_data, now=NOW)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == before
    return exc.value


def load(app, invitation_id: int) -> Invitation:
    """A detached copy of the invitation as stored."""
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        db.session.expunge(invitation)
        return invitation


# --- validation -----------------------------------------------------------------------------


def test_invitation_without_any_name_is_refused(app, make_event):
    error = refusal(app, make_event(), data(name_zh=" ", name_en=""))
    assert (error.code, error.params["field"]) == ("name_missing", "name_zh")


def test_english_name_alone_is_enough(app, make_event):
    invitation = load(app, create(app, make_event(), data(name_zh="", name_en="Jane Doe")))
    assert invitation.name_en == "Jane Doe"


@pytest.mark.parametrize("email", ["not-an-address", "a@b", "li si@example.org", "@example.org"])
def test_bad_email_is_refused(app, make_event, email):
    error = refusal(app, make_event(), data(email=email))
    assert (error.code, error.params["field"]) == ("bad_email", "email")


def test_email_is_stored_lower_case(app, make_event):
    invitation = load(app, create(app, make_event(), data(email=" Li.Si@Example.ORG ")))
    assert invitation.email == "li.si@example.org"


def test_invitation_without_email_is_allowed(app, make_event):
    assert load(app, create(app, make_event(), data(email=""))).email == ""


@pytest.mark.parametrize(
    "mobile", ["13812345678", "+86 138 abc 5678", "+0123456789", "+1234", "+" + "1" * 16]
)
def test_mobile_not_in_international_format_is_refused(app, make_event, mobile):
    error = refusal(app, make_event(), data(mobile=mobile))
    assert (error.code, error.params["field"]) == ("bad_mobile", "mobile")


@pytest.mark.parametrize("typed", ["+86 138-1234-5678", "0086 13812345678", "+86 (138) 1234 5678"])
def test_mobile_separators_are_dropped(app, make_event, typed):
    assert load(app, create(app, make_event(), data(mobile=typed))).mobile == "+8613812345678"


def test_unknown_category_is_refused(app, make_event):
    error = refusal(app, make_event(), data(category="astronaut"))
    assert (error.code, error.params["field"]) == ("unknown_category", "category")


def test_category_of_another_event_is_refused(app, make_event):
    with app.app_context(), write_intent():
        other = db.session.get(Event, make_event().id)
        from wadconf.services.categories import add_category

        add_category(other, code="only_there", name_zh="", name_en="Only there")
        db.session.commit()
    error = refusal(app, make_event(), data(category="only_there"))
    assert error.code == "unknown_category"


@pytest.mark.parametrize("seats", [0, -1, 501, "many", ""])
def test_seats_outside_1_to_500_are_refused(app, make_event, seats):
    error = refusal(app, make_event(), data(seats=seats))
    assert (error.code, error.params["field"]) == ("bad_seats", "seats")


def test_delegation_of_500_seats_is_allowed(app, make_event):
    assert load(app, create(app, make_event(), data(seats="500"))).seats == 500


def test_unknown_language_is_refused(app, make_event):
    assert refusal(app, make_event(), data(locale="fr")).code == "bad_locale"


def test_expiry_in_the_past_is_refused(app, make_event):
    error = refusal(app, make_event(), data(expires_at=NOW - timedelta(minutes=1)))
    assert (error.code, error.params["field"]) == ("expiry_in_past", "expires_at")


def test_over_long_organisation_is_refused(app, make_event):
    error = refusal(app, make_event(), data(organisation="机" * 301))
    assert (error.code, error.params["field"]) == ("too_long", "organisation")


def test_same_email_twice_in_an_event_is_a_duplicate(app, make_event):
    event = make_event()
    first = create(app, event)
    error = refusal(app, event, data(name_en="Someone Else", email="LI.SI@example.org"))
    assert (error.code, error.params["field"]) == ("duplicate_invitation", "email")
    assert error.params["duplicate_of"] == first


def test_same_email_in_another_event_is_not_a_duplicate(app, make_event):
    create(app, make_event())
    assert create(app, make_event())


def test_revoked_invitation_does_not_block_a_new_one(app, make_event, make_invitation):
    event = make_event()
    make_invitation(event, email="li.si@example.org", state=InvitationState.REVOKED)
    assert create(app, event)


def test_validate_invitation_data_returns_normalised_values_and_category(app, make_event):
    event = make_event()
    with app.app_context():
        clean, category = service.validate_invitation_data(
            db.session.get(Event, event.id),
            data(name_en="  Li   Si ", mobile="+86 138 1234 5678", seats="3"),
            now=NOW,
        )
    assert (clean.name_en, clean.mobile, clean.seats) == ("Li Si", "+8613812345678", 3)
    assert category.code == "expert"


def test_validate_invitation_data_can_skip_the_duplicate_query(app, make_event):
    event = make_event()
    create(app, event)
    with app.app_context():
        clean, _ = service.validate_invitation_data(
            db.session.get(Event, event.id), data(), now=NOW, check_duplicate=False
        )
    assert clean.email == "li.si@example.org"


# --- creation, editing, revocation ----------------------------------------------------------


def test_new_invitation_is_a_draft_with_a_random_token(app, make_event):
    event = make_event()
    invitation = load(app, create(app, event))
    assert invitation.state == InvitationState.DRAFT
    # 192 random bits, URL-safe, never the database id.
    assert len(invitation.token) >= 32 and str(invitation.id) != invitation.token
    assert invitation.token != load(app, create(app, event, data(email="x@example.org"))).token


def test_creation_is_audited_with_its_author(app, make_event, make_user):
    organiser = make_user("organizer")
    invitation_id = create(app, make_event(), by=organiser)
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.create")
        )
        assert (entry.object_id, entry.actor_id) == (str(invitation_id), organiser.id)


def update(app, invitation_id: int, invitation_data: InvitationData, **kwargs) -> list[str]:
    """Apply ``invitation_data`` to the invitation and commit; returns the changed fields."""
    with app.app_context(), write_intent():
        changed = service.update_invitation(
            db.session.get(Invitation, invitation_id), invitation_data, now=NOW, **kwargs
        )
        db.session.commit()
        return changed


def update_refusal(app, invitation_id: int, invitation_data: InvitationData) -> DomainError:
    """The error updating raises."""
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            service.update_invitation(
                db.session.get(Invitation, invitation_id), invitation_data, now=NOW
            )
        db.session.rollback()
    return exc.value


def test_update_changes_fields_and_names_them(app, make_event):
    invitation_id = create(app, make_event())
    changed = update(app, invitation_id, data(seats=3, category="intl_org", locale="en"))
    assert sorted(changed) == ["category", "locale", "seats"]
    invitation = load(app, invitation_id)
    assert (invitation.seats, invitation.locale) == (3, InvitationLocale.EN)
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.update")
        )
        assert sorted(entry.details["fields"]) == ["category", "locale", "seats"]


def test_update_with_its_own_email_is_not_a_duplicate(app, make_event):
    invitation_id = create(app, make_event())
    assert update(app, invitation_id, data(organisation="New name")) == ["organisation"]


def test_update_to_another_invitations_email_is_a_duplicate(app, make_event):
    event = make_event()
    create(app, event)
    second = create(app, event, data(email="other@example.org"))
    assert update_refusal(app, second, data()).code == "duplicate_invitation"


def test_update_keeps_an_expiry_that_has_passed_meanwhile(app, make_event, make_invitation):
    past = NOW - timedelta(days=1)
    invitation = make_invitation(make_event(), expires_at=past)
    with app.app_context():
        kept = InvitationData.from_invitation(db.session.get(Invitation, invitation.id))
    kept.organisation = "Renamed"
    assert update(app, invitation.id, kept) == ["organisation"]
    assert load(app, invitation.id).expires_at == past


def test_update_cannot_drop_seats_below_those_taken(
    app, make_event, make_invitation, make_registration
):
    event = make_event()
    invitation = make_invitation(event, seats=3, email="li.si@example.org")
    make_registration(event, invitation=invitation)
    make_registration(event, invitation=invitation)
    error = update_refusal(app, invitation.id, data(seats=1))
    assert (error.code, error.params["field"]) == ("seats_below_used", "seats")


def test_revoked_invitation_cannot_be_edited(app, make_event, make_invitation):
    invitation = make_invitation(make_event(), state=InvitationState.REVOKED)
    assert update_refusal(app, invitation.id, data()).code == "invitation_revoked"


def revoke(app, invitation_id: int):
    """Revoke and commit."""
    with app.app_context(), write_intent():
        service.revoke_invitation(db.session.get(Invitation, invitation_id), now=NOW)
        db.session.commit()


def test_revoking_sets_the_state_and_time(app, make_event, make_invitation):
    invitation = make_invitation(make_event())
    revoke(app, invitation.id)
    stored = load(app, invitation.id)
    assert (stored.state, stored.revoked_at) == (InvitationState.REVOKED, NOW)


def test_revoking_keeps_registrations_made_from_it(
    app, make_event, make_invitation, make_registration
):
    event = make_event()
    invitation = make_invitation(event, seats=2)
    registration = make_registration(event, invitation=invitation)
    revoke(app, invitation.id)
    with app.app_context():
        kept = db.session.get(Registration, registration.id)
        assert kept.invitation_id == invitation.id and kept.is_active
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.revoke")
        )
        assert entry.details == {"previous_state": "sent", "registrations_kept": 1}


def test_revoking_twice_is_refused(app, make_event, make_invitation):
    invitation = make_invitation(make_event(), state=InvitationState.REVOKED)
    with app.app_context(), write_intent(), pytest.raises(DomainError) as exc:
        service.revoke_invitation(db.session.get(Invitation, invitation.id))
    assert exc.value.code == "already_revoked"


def test_revoked_token_is_not_found_publicly(app, make_event, make_invitation):
    invitation = make_invitation(make_event())
    revoke(app, invitation.id)
    with app.app_context():
        assert service.find_invitation_for_public(invitation.token) is None


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (InvitationState.DRAFT, "expired"),
        (InvitationState.SENT, "expired"),
        (InvitationState.OPENED, "expired"),
        (InvitationState.REGISTERED, "registered"),
        (InvitationState.DECLINED, "declined"),
        (InvitationState.REVOKED, "revoked"),
    ],
)
def test_only_open_invitations_show_as_expired(state, expected):
    invitation = Invitation(state=state, expires_at=NOW - timedelta(seconds=1))
    assert invitation.status(NOW) == expected

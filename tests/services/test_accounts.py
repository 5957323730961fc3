"""Staff accounts: creation, login, roles, passwords."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Role, StaffUser
from wadconf.services import DomainError, accounts


def _user(user_id: int) -> StaffUser:
    return db.session.get(StaffUser, user_id)


def test_create_user_lowercases_the_email(app):
    with app.app_context(), write_intent():
        user = accounts.create_user(
            "  Mixed.Case@Example.ORG ", role="organizer", password=PASSWORD
        )
        assert user.email == "mixed.case@example.org"
        assert accounts.get_by_email("MIXED.case@example.org") is user


def test_create_user_refuses_a_bad_email(app):
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.create_user("not-an-address", role="organizer", password=PASSWORD)
    assert exc.value.code == "bad_email"


def test_create_user_refuses_a_taken_email_in_any_case(app, make_user):
    make_user(email="taken@example.org")
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.create_user("Taken@Example.org", role="checkin", password=PASSWORD)
    assert exc.value.code == "email_taken"


def test_create_user_refuses_an_unknown_role(app):
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.create_user("a@example.org", role="superuser", password=PASSWORD)
    assert exc.value.code == "bad_role"


def test_create_user_refuses_a_short_password(app):
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.create_user("a@example.org", role="organizer", password="short")
    assert exc.value.code == "password_too_short"


def test_create_user_refuses_the_email_as_password(app):
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.create_user(
                "long.name@example.org", role="organizer", password="Long.Name@example.org"
            )
    assert exc.value.code == "password_is_email"


def test_password_is_stored_hashed(app):
    with app.app_context(), write_intent():
        user = accounts.create_user("a@example.org", role="organizer", password=PASSWORD)
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert user.check_password(PASSWORD)


def test_create_user_audits_the_creation(app, make_user):
    admin = make_user(role="admin")
    with app.app_context(), write_intent():
        user = accounts.create_user(
            "new@example.org", role="checkin", password=PASSWORD, by=_user(admin.id)
        )
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "user.create", AuditEntry.object_id == str(user.id)
            )
        )
        assert entry.actor_id == admin.id
        assert entry.object_type == "StaffUser"
        assert entry.details == {"email": "new@example.org", "role": "checkin"}


def test_authenticate_returns_the_account_and_stamps_the_login(app, make_user):
    made = make_user(email="staff@example.org")
    with app.app_context(), write_intent():
        user = accounts.authenticate("Staff@example.org", PASSWORD)
        assert user.id == made.id
        assert user.last_login_at is not None
        assert (
            db.session.scalar(select(AuditEntry.action).where(AuditEntry.actor_id == made.id))
            == "auth.login"
        )


def test_authenticate_refuses_a_wrong_password(app, make_user):
    make_user(email="staff@example.org")
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.authenticate("staff@example.org", PASSWORD + "x")
    assert exc.value.code == "bad_credentials"


def test_authenticate_refuses_an_unknown_account_with_the_same_code(app):
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.authenticate("nobody@example.org", PASSWORD)
    assert exc.value.code == "bad_credentials"


def test_authenticate_refuses_a_disabled_account(app, make_user):
    made = make_user(email="gone@example.org")
    with app.app_context(), write_intent():
        accounts.set_active(_user(made.id), False)
        with pytest.raises(DomainError) as exc:
            accounts.authenticate("gone@example.org", PASSWORD)
    assert exc.value.code == "account_disabled"


def test_change_role_refuses_to_demote_the_last_active_admin(app, make_user):
    admin = make_user(role="admin")
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.change_role(_user(admin.id), "organizer")
        assert _user(admin.id).role == Role.ADMIN
    assert exc.value.code == "last_admin"


def test_a_disabled_admin_does_not_count_as_another_admin(app, make_user):
    admin, other = make_user(role="admin"), make_user(role="admin")
    with app.app_context(), write_intent():
        accounts.set_active(_user(other.id), False)
        with pytest.raises(DomainError) as exc:
            accounts.change_role(_user(admin.id), "organizer")
    assert exc.value.code == "last_admin"


def test_a_disabled_admin_can_be_demoted_while_one_admin_is_active(app, make_user):
    make_user(role="admin")
    disabled = make_user(role="admin")
    with app.app_context(), write_intent():
        accounts.set_active(_user(disabled.id), False)
        accounts.change_role(_user(disabled.id), "organizer")
        assert _user(disabled.id).role == Role.ORGANIZER


def test_change_role_audits_from_and_to(app, make_user):
    admin, other = make_user(role="admin"), make_user(role="admin")
    with app.app_context(), write_intent():
        accounts.change_role(_user(other.id), Role.CHECKIN, by=_user(admin.id))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role_change"))
        assert _user(other.id).role == Role.CHECKIN
        assert entry.details == {"from": "admin", "to": "checkin"}
        assert entry.actor_id == admin.id
        assert entry.object_id == str(other.id)


def test_change_role_to_the_same_role_records_nothing(app, make_user):
    user = make_user(role="organizer")
    with app.app_context(), write_intent():
        accounts.change_role(_user(user.id), "organizer")
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role_change"))
            is None
        )


def test_set_active_false_refuses_the_last_active_admin(app, make_user):
    admin = make_user(role="admin")
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.set_active(_user(admin.id), False)
    assert exc.value.code == "last_admin"


def test_set_active_false_rotates_the_session_token(app, make_user):
    made = make_user()
    with app.app_context(), write_intent():
        user = _user(made.id)
        accounts.set_active(user, False)
        assert user.is_active_account is False
        assert user.session_token != made.session_token
        assert (
            db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()))
            == "user.disable"
        )


def test_set_password_rotates_the_session_token(app, make_user):
    made = make_user()
    with app.app_context(), write_intent():
        user = _user(made.id)
        accounts.set_password(user, "another long password")
        assert user.session_token != made.session_token
        assert user.check_password("another long password")
        assert not user.check_password(PASSWORD)


def test_set_password_applies_the_policy(app, make_user):
    made = make_user(email="policy@example.org")
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            accounts.set_password(_user(made.id), "policy@example.org")
    assert exc.value.code == "password_is_email"


def test_production_hashes_passwords_with_scrypt(app):
    from wadconf.config import Defaults
    from wadconf.models import StaffUser

    user = StaffUser(email="hash@example.org", role="admin")
    with app.app_context():
        app.config["PASSWORD_HASH_METHOD"] = Defaults.PASSWORD_HASH_METHOD
        user.set_password("a long enough password")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("a long enough password")

"""Administrators manage staff accounts through the admin pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Role, StaffUser
from wadconf.services import DomainError, accounts


@pytest.fixture
def admin(client, auth, make_user):
    """Log the client in as an administrator, reading pages in English."""
    user = make_user(role="admin", email="admin@example.org")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


def _user(app, user_id: int) -> StaffUser:
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        db.session.expunge(user)
        return user


def _count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StaffUser))


def _authenticates(app, email: str, password: str) -> bool:
    with app.app_context(), write_intent():
        try:
            accounts.authenticate(email, password)
        except DomainError:
            return False
        finally:
            db.session.rollback()
        return True


def new_user_form(**fields) -> dict[str, str]:
    values = {
        "email": "New.Staff@Example.org",
        "display_name": "New Staff",
        "role": "checkin",
        "password": "a long enough password",
        "confirm": "a long enough password",
    }
    values.update(fields)
    return values


def test_users_page_lists_accounts(client, admin, make_user):
    make_user(role="checkin", email="gate@example.org")
    page = client.get("/admin/users/").get_data(as_text=True)
    assert "admin@example.org" in page
    assert "gate@example.org" in page


def test_admin_creates_a_user(app, client, admin):
    response = client.post("/admin/users/new", data=new_user_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users/")
    with app.app_context():
        user = accounts.get_by_email("new.staff@example.org")
        assert user.role == Role.CHECKIN
        assert user.display_name == "New Staff"
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "user.create", AuditEntry.object_id == str(user.id)
            )
        )
        assert entry.actor_id == admin.id
    assert _authenticates(app, "new.staff@example.org", "a long enough password")


def test_creating_a_taken_email_shows_the_message_and_creates_nothing(app, client, admin):
    response = client.post("/admin/users/new", data=new_user_form(email="ADMIN@example.org"))
    assert response.status_code == 200
    assert b"An account with this e-mail address already exists." in response.data
    assert _count_users(app) == 1


def test_creating_with_a_short_password_shows_the_message(app, client, admin):
    response = client.post(
        "/admin/users/new", data=new_user_form(password="short", confirm="short")
    )
    assert b"The password must have at least 10 characters." in response.data
    assert _count_users(app) == 1


def test_creating_with_differing_passwords_shows_the_message(app, client, admin):
    response = client.post("/admin/users/new", data=new_user_form(confirm="something else!"))
    assert b"The passwords differ." in response.data
    assert _count_users(app) == 1


def test_admin_changes_a_role(app, client, admin, make_user):
    user = make_user(role="checkin")
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={"display_name": "Promoted", "role": "organizer", "is_active": "y"},
    )
    assert response.status_code == 302
    changed = _user(app, user.id)
    assert changed.role == Role.ORGANIZER
    assert changed.display_name == "Promoted"
    assert changed.is_active_account is True


def test_admin_disables_an_account(app, client, admin, make_user):
    user = make_user(role="organizer")
    response = client.post(
        f"/admin/users/{user.id}/edit", data={"display_name": "", "role": "organizer"}
    )
    assert response.status_code == 302
    disabled = _user(app, user.id)
    assert disabled.is_active_account is False
    assert disabled.session_token != user.session_token
    assert "Disabled" in client.get("/admin/users/").get_data(as_text=True)


def test_admin_enables_a_disabled_account(app, client, admin, make_user):
    user = make_user(role="organizer")
    client.post(f"/admin/users/{user.id}/edit", data={"role": "organizer"})
    client.post(f"/admin/users/{user.id}/edit", data={"role": "organizer", "is_active": "y"})
    assert _user(app, user.id).is_active_account is True


def test_admin_cannot_demote_the_last_admin(app, client, admin):
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"display_name": "Renamed", "role": "organizer", "is_active": "y"},
    )
    assert response.status_code == 200
    assert b"The last administrator cannot lose that role." in response.data
    unchanged = _user(app, admin.id)
    assert unchanged.role == Role.ADMIN
    assert unchanged.display_name == ""  # nothing of the refused edit was kept


def test_admin_cannot_disable_the_last_admin(app, client, admin):
    response = client.post(f"/admin/users/{admin.id}/edit", data={"role": "admin"})
    assert response.status_code == 200
    assert b"The last administrator cannot be disabled." in response.data
    assert _user(app, admin.id).is_active_account is True


def test_admin_demotes_a_disabled_admin(app, client, admin, make_user):
    other = make_user(role="admin")
    client.post(f"/admin/users/{other.id}/edit", data={"role": "admin"})  # disable
    response = client.post(f"/admin/users/{other.id}/edit", data={"role": "organizer"})
    assert response.status_code == 302
    assert _user(app, other.id).role == Role.ORGANIZER


def test_admin_sets_a_password(app, client, admin, make_user):
    user = make_user(role="organizer", email="forgetful@example.org")
    response = client.post(
        f"/admin/users/{user.id}/password",
        data={"pw-password": "brand new password", "pw-confirm": "brand new password"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{user.id}/edit")
    assert _authenticates(app, "forgetful@example.org", "brand new password")
    assert not _authenticates(app, "forgetful@example.org", PASSWORD)
    assert _user(app, user.id).session_token != user.session_token


def test_setting_a_short_password_is_refused_with_a_message(app, client, admin, make_user):
    user = make_user(role="organizer", email="forgetful@example.org")
    response = client.post(
        f"/admin/users/{user.id}/password",
        data={"pw-password": "short", "pw-confirm": "short"},
        follow_redirects=True,
    )
    assert b"The password must have at least 10 characters." in response.data
    assert _authenticates(app, "forgetful@example.org", PASSWORD)


def test_setting_differing_passwords_is_refused_with_a_message(app, client, admin, make_user):
    user = make_user(role="organizer", email="forgetful@example.org")
    response = client.post(
        f"/admin/users/{user.id}/password",
        data={"pw-password": "brand new password", "pw-confirm": "other one!!"},
        follow_redirects=True,
    )
    assert b"The passwords differ." in response.data
    assert _authenticates(app, "forgetful@example.org", PASSWORD)


def test_edit_page_of_an_unknown_account_is_not_found(client, admin):
    assert client.get("/admin/users/9999/edit").status_code == 404

"""Staff login and logout: credentials, sessions, rate limits, audit and redirects."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, StaffUser
from wadconf.services import accounts

EN = {"Accept-Language": "en"}
WRONG_CREDENTIALS = b"Wrong e-mail address or password."
COOKIE = "wadconf_session"


def _login(client, email: str, password: str = PASSWORD, **data):
    return client.post("/login", data={"email": email, "password": password, **data}, headers=EN)


def _is_logged_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# Logging in


def test_login_with_right_password_lands_on_staff_home(client, make_user):
    user = make_user("checkin")
    response = _login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert _is_logged_in(client)


def test_login_ignores_case_and_spaces_in_the_email(client, make_user):
    make_user("checkin", email="gate.keeper@example.org")
    assert _login(client, "  Gate.Keeper@Example.ORG ").headers["Location"] == "/staff/"


def test_wrong_password_shows_translated_error_and_does_not_log_in(client, make_user):
    user = make_user()
    response = _login(client, user.email, "not the password")
    assert response.status_code == 200
    assert WRONG_CREDENTIALS in response.data
    assert not _is_logged_in(client)


def test_wrong_password_error_is_shown_in_chinese(client, make_user):
    user = make_user()
    response = client.post(
        "/login",
        data={"email": user.email, "password": "not the password"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 200
    assert "电子邮箱或密码错误。" in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, make_user):
    user = make_user()
    wrong_password = _login(client, user.email, "not the password")
    unknown = _login(client, "nobody@example.org", "not the password")
    assert unknown.status_code == wrong_password.status_code == 200
    assert WRONG_CREDENTIALS in unknown.data
    assert not _is_logged_in(client)


def test_disabled_account_cannot_log_in(app, client, make_user):
    user = make_user("organizer")
    with app.app_context(), write_intent():
        accounts.set_active(db.session.get(StaffUser, user.id), False)
        db.session.commit()
    response = _login(client, user.email)
    assert response.status_code == 200
    assert b"This account is disabled." in response.data
    assert not _is_logged_in(client)


def test_logged_in_staff_opening_login_goes_to_staff_home(client, make_user):
    _login(client, make_user().email)
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


# Logging out


def test_logout_by_post_ends_the_session(client, make_user):
    _login(client, make_user().email)
    response = client.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert not _is_logged_in(client)


def test_logout_by_get_is_not_allowed(client, make_user):
    _login(client, make_user().email)
    assert client.get("/logout").status_code == 405
    assert _is_logged_in(client)


def test_logout_is_audited(app, client, make_user):
    user = make_user()
    _login(client, user.email)
    client.post("/logout")
    [entry] = _audit(app, "auth.logout")
    assert entry.actor_id == user.id


# The session


def test_login_drops_what_the_session_held_before(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    _login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_login_changes_the_session_cookie(client, make_user):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = client.get_cookie(COOKIE).value
    _login(client, user.email)
    after = client.get_cookie(COOKIE)
    assert after is not None
    assert after.value != before


def test_session_cookie_copied_before_logout_is_refused_after_it(app, client, make_user):
    _login(client, make_user().email)
    copied = client.get_cookie(COOKIE).value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie(COOKIE, copied)
    assert not _is_logged_in(replay)


def test_idle_session_ends_after_idle_minutes(app, client, make_user):
    _login(client, make_user().email)
    idle = app.config["IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle - 5
    response = client.get("/staff/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert not _is_logged_in(client)


def test_session_used_within_idle_minutes_stays_open(app, client, make_user):
    _login(client, make_user().email)
    idle = app.config["IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle + 60
    assert client.get("/staff/").status_code == 200


def test_each_request_moves_the_idle_clock(app, client, make_user):
    _login(client, make_user().email)
    idle = app.config["IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - idle + 60
    client.get("/staff/")
    with client.session_transaction() as session:
        assert session["seen"] >= int(time.time()) - 5


def test_password_change_ends_other_sessions(app, client, make_user):
    user = make_user()
    _login(client, user.email)
    assert _is_logged_in(client)
    with app.app_context(), write_intent():
        accounts.set_password(db.session.get(StaffUser, user.id), "a brand new password")
        db.session.commit()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_old_password_stops_working_after_a_change(app, client, make_user):
    user = make_user()
    with app.app_context(), write_intent():
        accounts.set_password(db.session.get(StaffUser, user.id), "a brand new password")
        db.session.commit()
    assert WRONG_CREDENTIALS in _login(client, user.email).data
    assert _login(client, user.email, "a brand new password").status_code == 302


def test_disabling_an_account_ends_its_session(app, client, make_user):
    make_user("admin")  # so that the organiser is not the last administrator
    user = make_user("organizer")
    _login(client, user.email)
    with app.app_context(), write_intent():
        accounts.set_active(db.session.get(StaffUser, user.id), False)
        db.session.commit()
    assert not _is_logged_in(client)


# Rate limits


def test_sixth_failed_login_for_one_account_is_rate_limited(client, make_user):
    user = make_user()
    for _ in range(5):
        assert _login(client, user.email, "not the password").status_code == 200
    response = _login(client, user.email, "not the password")
    assert response.status_code == 429
    assert b"Too many attempts" in response.data
    assert "Retry-After" in response.headers


def test_rate_limited_account_refuses_even_the_right_password(client, make_user):
    user = make_user()
    for _ in range(5):
        _login(client, user.email, "not the password")
    assert _login(client, user.email).status_code == 429
    assert not _is_logged_in(client)


def test_account_limit_ignores_case_of_the_email(client, make_user):
    make_user(email="limited@example.org")
    for _ in range(5):
        _login(client, "limited@example.org", "not the password")
    assert _login(client, "LIMITED@Example.org", "not the password").status_code == 429


def test_rate_limit_error_page_is_translated(client, make_user):
    user = make_user()
    for _ in range(5):
        _login(client, user.email, "not the password")
    response = client.post(
        "/login", data={"email": user.email, "password": "x"}, headers={"Accept-Language": "zh-CN"}
    )
    assert response.status_code == 429
    assert b"Too many attempts" not in response.data
    assert "尝试次数过多" in response.get_data(as_text=True)


def test_another_account_logs_in_while_one_is_rate_limited(client, make_user):
    locked, other = make_user(), make_user()
    for _ in range(6):
        _login(client, locked.email, "not the password")
    assert _login(client, locked.email, "not the password").status_code == 429
    response = _login(client, other.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_client_limit_counts_attempts_across_accounts(app, client):
    app.config["LOGIN_LIMIT_PER_CLIENT"] = "3 per minute"
    for number in range(3):
        assert _login(client, f"guess{number}@example.org", "not the password").status_code == 200
    response = _login(client, "guess9@example.org", "not the password")
    assert response.status_code == 429
    assert b"Too many attempts" in response.data


def test_client_limit_is_per_address(app, make_user):
    app.config["LOGIN_LIMIT_PER_CLIENT"] = "3 per minute"
    attacker, colleague = app.test_client(), app.test_client()
    for number in range(4):
        _login_from(attacker, "10.0.0.66", f"guess{number}@example.org")
    user = make_user()
    response = colleague.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert response.status_code == 302


def _login_from(client, address: str, email: str):
    return client.post(
        "/login",
        data={"email": email, "password": "not the password"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_viewing_the_login_page_is_not_rate_limited(app, client):
    app.config["LOGIN_LIMIT_PER_CLIENT"] = "3 per minute"
    for _ in range(5):
        assert client.get("/login").status_code == 200


# Audit


def test_successful_login_is_audited(app, client, make_user):
    user = make_user()
    _login(client, user.email)
    [entry] = _audit(app, "auth.login")
    assert entry.actor_id == user.id
    assert entry.object_id == str(user.id)
    assert entry.ip_address == "127.0.0.1"


def test_failed_login_is_audited(app, client, make_user):
    user = make_user()
    _login(client, user.email, "not the password")
    [entry] = _audit(app, "auth.login_failed")
    assert entry.actor_id is None
    assert entry.actor_label == user.email
    assert entry.object_id == str(user.id)
    assert _audit(app, "auth.login") == []


def test_login_records_the_time(app, client, make_user):
    user = make_user()
    assert user.last_login_at is None
    _login(client, user.email)
    with app.app_context():
        assert db.session.get(StaffUser, user.id).last_login_at is not None


# Where a login leads


@pytest.mark.parametrize("target", ["/admin/events/", "/staff/?tab=events"])
def test_login_follows_next_to_a_local_path(client, make_user, target):
    user = make_user("organizer")
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_login_follows_next_from_the_query_string(client, make_user):
    user = make_user("organizer")
    response = client.post(
        "/login?next=/admin/events/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/events/"


def test_login_page_carries_next_into_the_form(client):
    page = client.get("/login?next=/admin/events/").get_data(as_text=True)
    assert 'name="next"' in page
    assert 'value="/admin/events/"' in page


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_login_ignores_next_outside_the_site(client, make_user, target):
    user = make_user("organizer")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_anonymous_visit_to_staff_page_returns_there_after_login(client, make_user):
    user = make_user("organizer")
    to_login = client.get("/admin/events/")
    login_url = to_login.headers["Location"]
    response = client.post(
        login_url, data={"email": user.email, "password": PASSWORD, "next": "/admin/events/"}
    )
    assert response.headers["Location"] == "/admin/events/"


def test_logout_ends_only_that_login_not_the_accounts_other_devices(app, make_user):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, user.email)
    _login(laptop, user.email)
    phone.post("/logout")
    assert not _is_logged_in(phone)
    assert _is_logged_in(laptop)


def test_admin_changing_their_own_password_stays_logged_in_here_only(app, make_user):
    admin = make_user(role="admin")
    here, elsewhere = app.test_client(), app.test_client()
    _login(here, admin.email)
    _login(elsewhere, admin.email)
    new = "a brand new password"
    here.post(f"/admin/users/{admin.id}/password", data={"pw-password": new, "pw-confirm": new})
    assert _is_logged_in(here)
    assert not _is_logged_in(elsewhere)

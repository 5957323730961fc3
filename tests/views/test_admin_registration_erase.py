"""Deletion requests on the organisers' side: the list filter, the detail page, erasure by POST."""

from __future__ import annotations

import re

import pytest

from tests.conftest import build_app
from tests.factories import PASSWORD
from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Registration, RegistrationStatus

EN = {"Accept-Language": "en"}


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def organiser(auth, make_user):
    user = make_user("organizer")
    assert auth.login(user.email).status_code == 302
    return user


@pytest.fixture
def requested(event, make_registration):
    """A registration whose delegate asked for deletion."""
    return make_registration(
        event, name_en="Asked Deletion", email="asked@example.org", deletion_requested_at=utcnow()
    )


def base(event) -> str:
    return f"/admin/events/{event.slug}/registrations/"


def page(client, url: str, **params) -> str:
    response = client.get(url, query_string=params or None, headers=EN)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def stored(app, registration) -> Registration:
    with app.app_context():
        row = db.session.get(Registration, registration.id)
        db.session.expunge(row)
        return row


def erase(client, event, registration, **data):
    return client.post(
        f"{base(event)}{registration.id}/erase",
        data={"confirm": "y", **data},
        headers=EN,
        follow_redirects=True,
    )


# --- the list and the detail page -------------------------------------------------------


def test_list_filter_shows_open_deletion_requests_only(
    client, organiser, event, requested, make_registration
):
    make_registration(event, name_en="Nothing Asked")
    erased = make_registration(event, name_en="Gone Already", deletion_requested_at=utcnow())
    erase(client, event, erased)
    html = page(client, base(event), deletion="requested")
    assert "Asked Deletion" in html
    assert "Nothing Asked" not in html and "Deleted" not in html
    assert "1 registrations" in html


def test_list_filter_shows_erased_registrations(client, organiser, event, requested):
    erase(client, event, requested)
    html = page(client, base(event), deletion="erased")
    assert "已删除" in html and "1 registrations" in html
    assert "Asked Deletion" not in page(client, base(event))


def test_list_marks_a_deletion_request(client, organiser, event, requested):
    assert "Deletion requested</span>" in page(client, base(event))


def test_detail_shows_the_deletion_request_prominently_with_the_erase_action(
    client, organiser, event, requested
):
    html = page(client, f"{base(event)}{requested.id}")
    alert = re.search(
        r'<section class="panel flash flash-error" role="alert">(.*?)</section>', html, re.S
    )
    assert alert is not None
    assert "asked on" in alert.group(1) and "to be deleted" in alert.group(1)
    assert f"/{requested.id}/erase" in alert.group(1)


def test_detail_without_a_request_has_no_alert_but_can_still_erase(
    client, organiser, event, make_registration
):
    registration = make_registration(event)
    html = page(client, f"{base(event)}{registration.id}")
    assert 'role="alert"' not in html
    assert f"/{registration.id}/erase" in html


# --- erasing ----------------------------------------------------------------------------


def test_erase_by_post_anonymises_the_registration(app, client, organiser, event, requested):
    response = erase(client, event, requested)
    assert "The personal data was erased" in response.get_data(as_text=True)
    row = stored(app, requested)
    assert (row.name_en, row.email, row.status) == ("Deleted", "", RegistrationStatus.CANCELLED)
    assert row.personal_data_erased_at is not None


def test_erase_without_ticking_the_confirmation_changes_nothing(
    app, client, organiser, event, requested
):
    response = erase(client, event, requested, confirm="")
    assert "Tick the box to confirm the erasure." in response.get_data(as_text=True)
    assert stored(app, requested).name_en == "Asked Deletion"


def test_erasing_twice_shows_why_not(client, organiser, event, requested):
    erase(client, event, requested)
    response = erase(client, event, requested)
    assert "already erased" in response.get_data(as_text=True)


def test_detail_of_an_erased_registration_offers_no_edit_restore_or_erase(
    client, organiser, event, requested
):
    erase(client, event, requested)
    html = page(client, f"{base(event)}{requested.id}")
    assert "Personal data erased on" in html
    for action in ("/edit", "/restore", "/erase"):
        assert f"/{requested.id}{action}" not in html


def test_edit_page_of_an_erased_registration_sends_back_with_the_reason(
    client, organiser, event, requested
):
    erase(client, event, requested)
    response = client.get(f"{base(event)}{requested.id}/edit", headers=EN, follow_redirects=True)
    assert "can no longer be changed" in response.get_data(as_text=True)
    assert response.request.path == f"{base(event)}{requested.id}"


def test_restore_by_post_of_an_erased_registration_is_refused(
    app, client, organiser, event, requested
):
    erase(client, event, requested)
    response = client.post(
        f"{base(event)}{requested.id}/restore", headers=EN, follow_redirects=True
    )
    assert "was erased" in response.get_data(as_text=True)
    assert stored(app, requested).status == RegistrationStatus.CANCELLED


def test_checkin_staff_cannot_erase(app, client, auth, make_user, event, requested):
    auth.login(make_user("checkin").email)
    assert (
        client.post(f"{base(event)}{requested.id}/erase", data={"confirm": "y"}).status_code == 403
    )
    assert stored(app, requested).personal_data_erased_at is None


def test_erase_post_without_csrf_token_changes_nothing(
    backend, database_urls, tmp_path, app, make_user, event, requested
):
    user = make_user("organizer")
    guarded = build_app(database_urls[backend], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"{base(event)}{requested.id}/erase", data={"confirm": "y"})
    assert response.status_code == 400
    assert stored(app, requested).personal_data_erased_at is None
    # ...and with the token from the detail page it goes through.
    detail = client.get(f"{base(event)}{requested.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', detail).group(1)
    response = client.post(
        f"{base(event)}{requested.id}/erase", data={"confirm": "y", "csrf_token": token}
    )
    assert response.status_code == 302
    assert stored(app, requested).personal_data_erased_at is not None


# --- the delegate's link afterwards -----------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/data.json", "/done"])
def test_old_manage_link_is_dead_after_erasure(client, organiser, event, requested, suffix):
    assert client.get(f"/r/{requested.manage_token}{suffix}").status_code == 200
    erase(client, event, requested)
    assert client.get(f"/r/{requested.manage_token}{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["", "/data.json"])
def test_manage_page_and_export_refuse_even_with_the_new_token(
    app, client, organiser, event, requested, suffix
):
    erase(client, event, requested)
    new_token = stored(app, requested).manage_token
    assert client.get(f"/r/{new_token}{suffix}").status_code == 404

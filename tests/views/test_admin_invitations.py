"""Organisers' invitation pages: list, form, detail, revoke (sending and export: see
test_admin_invitation_mail.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Invitation, InvitationState

SCRIPT = "<script>alert(1)</script>"
ESCAPED = b"&lt;script&gt;alert(1)&lt;/script&gt;"
EN = {"Accept-Language": "en"}


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer", email="organiser@example.org")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


@pytest.fixture
def event(make_event):
    """The event whose invitations the tests manage."""
    return make_event(slug="wad2025")


BASE = "/admin/events/wad2025/invitations"


def form(**fields) -> dict[str, str]:
    """A filled-in invitation form, with ``fields`` replaced (``None`` leaves one out)."""
    values = {
        "name_zh": "李四",
        "name_en": "Li Si",
        "organisation": "示例认可中心",
        "category": "expert",
        "email": "li.si@example.org",
        "mobile": "+8613812345678",
        "locale": "en",
        "seats": "1",
        "expires_at": "",
        "note": "",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def stored(app, **where) -> Invitation | None:
    """The invitation matching ``where`` (detached)."""
    with app.app_context():
        found = db.session.scalar(select(Invitation).filter_by(**where))
        if found is not None:
            db.session.expunge(found)
        return found


def count(app, model) -> int:
    """Rows of ``model``."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- the list -------------------------------------------------------------------------------


def test_list_shows_the_events_invitations(client, organiser, event, make_invitation):
    make_invitation(event, name_en="Ada Lovelace", organisation="Analytical Engines")
    page = client.get(f"{BASE}/")
    assert page.status_code == 200
    assert b"Ada Lovelace" in page.data and b"Analytical Engines" in page.data


def test_list_masks_mobile_numbers(client, organiser, event, make_invitation):
    make_invitation(event, mobile="+8613812345678")
    page = client.get(f"{BASE}/")
    assert b"+86138****5678" in page.data and b"+8613812345678" not in page.data


def test_list_tabs_show_counts_per_status(client, organiser, event, make_invitation):
    make_invitation(event, state=InvitationState.DRAFT)
    make_invitation(event, state=InvitationState.DRAFT)
    make_invitation(event, state=InvitationState.SENT, expires_at=utcnow() - timedelta(hours=1))
    text = client.get(f"{BASE}/").get_data(as_text=True)
    assert re.search(r'status=draft">Draft <span class="tag">2</span>', text)
    assert re.search(r'status=expired">Expired <span class="tag">1</span>', text)


def test_status_tab_filters_the_list(client, organiser, event, make_invitation):
    make_invitation(event, name_en="Drafted Person", state=InvitationState.DRAFT)
    make_invitation(event, name_en="Declining Person", state=InvitationState.DECLINED)
    page = client.get(f"{BASE}/?status=declined")
    assert b"Declining Person" in page.data and b"Drafted Person" not in page.data


def test_search_filters_the_list(client, organiser, event, make_invitation):
    make_invitation(event, name_en="Grace Hopper", organisation="Navy")
    make_invitation(event, name_en="Alan Turing", organisation="NPL")
    page = client.get(f"{BASE}/?q=navy")
    assert b"Grace Hopper" in page.data and b"Alan Turing" not in page.data


def test_list_pages_by_fifty(client, organiser, event, make_invitation):
    for n in range(51):
        make_invitation(event, name_en=f"Person {n:02d}")
    first, second = client.get(f"{BASE}/"), client.get(f"{BASE}/?page=2")
    assert b"Person 50" in first.data and b"Person 00" not in first.data
    assert b"Person 00" in second.data and b"Page 2 of 2" in second.data


def test_script_in_a_name_is_escaped_in_the_list(client, organiser, event, make_invitation):
    make_invitation(event, name_zh=SCRIPT, name_en=SCRIPT, organisation=SCRIPT)
    page = client.get(f"{BASE}/")
    assert SCRIPT.encode() not in page.data and ESCAPED in page.data


def test_nav_links_organisers_to_the_current_events_invitations(client, organiser, event):
    page = client.get("/admin/events/", headers=EN)
    assert b'href="/admin/events/wad2025/invitations/">Invitations</a>' in page.data


def test_other_events_invitation_is_not_found(
    client, organiser, event, make_event, make_invitation
):
    elsewhere = make_invitation(make_event())
    assert client.get(f"{BASE}/{elsewhere.id}").status_code == 404


# --- creating and editing -------------------------------------------------------------------


def test_organiser_creates_a_draft_invitation(app, client, organiser, event):
    response = client.post(f"{BASE}/new", data=form(seats="3"))
    created = stored(app, email="li.si@example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/{created.id}")
    assert (created.state, created.seats, created.name_zh) == (InvitationState.DRAFT, 3, "李四")


def test_expiry_is_read_in_the_events_zone(app, client, organiser, event):
    client.post(f"{BASE}/new", data=form(expires_at="2099-05-31T18:00"))
    expires = stored(app, email="li.si@example.org").expires_at
    assert (expires.hour, expires.minute) == (10, 0)  # 18:00 in Shanghai is 10:00 UTC


def test_service_refusal_is_shown_under_its_field_and_keeps_the_input(
    app, client, organiser, event
):
    page = client.post(f"{BASE}/new", data=form(mobile="13812345678"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(
        r'name="mobile"[^>]*>\s*<small class="hint">[^<]*</small>\s*'
        r'<p class="error" role="alert">Give the mobile number in international format',
        text,
    )
    assert 'value="Li Si"' in text
    assert count(app, Invitation) == 0


def test_duplicate_email_is_refused_on_the_form(app, client, organiser, event, make_invitation):
    make_invitation(event, email="li.si@example.org")
    page = client.post(f"{BASE}/new", data=form())
    assert b"already uses this e-mail address" in page.data
    assert count(app, Invitation) == 1


def test_fields_the_form_does_not_offer_cannot_be_posted(app, client, organiser, event, make_event):
    other = make_event()
    client.post(
        f"{BASE}/new",
        data=form(
            state="revoked",
            seats_used="9",
            token="chosen-token",
            event_id=str(other.id),
            sent_at="2020-01-01",
        ),
    )
    created = stored(app, email="li.si@example.org")
    assert created.state == InvitationState.DRAFT and created.seats_used == 0
    assert created.token != "chosen-token" and created.sent_at is None
    assert created.event_id == event.id


def test_posting_the_form_without_csrf_token_is_refused(app, make_user, event):
    from tests.conftest import build_app

    secured = build_app(
        app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path, WTF_CSRF_ENABLED=True
    )
    client = secured.test_client()
    login_page = client.get("/login")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', login_page.data)
    token = token or re.search(rb'name="csrf_token" value="([^"]+)"', login_page.data)
    user = make_user("organizer")
    from tests.factories import PASSWORD

    assert (
        client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1).decode()},
        ).status_code
        == 302
    )
    response = client.post(f"{BASE}/new", data=form())
    assert response.status_code == 400
    assert count(app, Invitation) == 0


def test_edit_form_shows_stored_values(client, organiser, event, make_invitation):
    invitation = make_invitation(event, name_en="Edited Person", category="media")
    text = client.get(f"{BASE}/{invitation.id}/edit").get_data(as_text=True)
    assert 'value="Edited Person"' in text
    assert '<option selected value="media">' in text


def test_organiser_edits_an_invitation(app, client, organiser, event, make_invitation):
    invitation = make_invitation(event, email="li.si@example.org")
    response = client.post(f"{BASE}/{invitation.id}/edit", data=form(seats="4", note="VIP"))
    assert response.status_code == 302
    edited = stored(app, id=invitation.id)
    assert (edited.seats, edited.note) == (4, "VIP")


# --- detail, revoke -------------------------------------------------------------------------


def test_detail_shows_link_qr_and_history(client, organiser, event):
    client.post(f"{BASE}/new", data=form())
    with client.application.app_context():
        invitation = db.session.scalar(select(Invitation))
    text = client.get(f"{BASE}/{invitation.id}").get_data(as_text=True)
    assert f"http://localhost/i/{invitation.token}" in text
    assert 'src="data:image/png;base64,' in text
    assert "Created" in text and "organiser@example.org" in text


def test_detail_lists_registrations_made_from_it(
    client, organiser, event, make_invitation, make_registration
):
    invitation = make_invitation(event, seats=2)
    make_registration(event, invitation=invitation, name_zh="", name_en="Delegate Dora")
    text = client.get(f"{BASE}/{invitation.id}").get_data(as_text=True)
    assert "Delegate Dora" in text and "1 of 2 used" in text


def test_script_in_a_name_is_escaped_on_the_detail_page(client, organiser, event, make_invitation):
    invitation = make_invitation(event, name_zh=SCRIPT, name_en=SCRIPT, note=SCRIPT)
    page = client.get(f"{BASE}/{invitation.id}")
    assert SCRIPT.encode() not in page.data and ESCAPED in page.data


def test_revoke_page_asks_first_and_changes_nothing(app, client, organiser, event, make_invitation):
    invitation = make_invitation(event)
    page = client.get(f"{BASE}/{invitation.id}/revoke")
    assert b"Revoke the invitation of" in page.data
    assert stored(app, id=invitation.id).state == InvitationState.SENT


def test_revoke_by_post_revokes_and_keeps_registrations(
    app, client, organiser, event, make_invitation, make_registration
):
    invitation = make_invitation(event)
    make_registration(event, invitation=invitation)
    response = client.post(f"{BASE}/{invitation.id}/revoke")
    assert response.status_code == 302
    assert stored(app, id=invitation.id).state == InvitationState.REVOKED
    page = client.get(response.headers["Location"])
    assert b"Registrations made from it were kept" in page.data

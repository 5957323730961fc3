"""The public pages: invitation link, registration form, decline, confirmation, manage link."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import build_app
from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.i18n import LANG_COOKIE
from wadconf.models import (
    Event,
    Invitation,
    InvitationLocale,
    InvitationState,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def form(**fields) -> dict[str, str]:
    """A valid registration form submission, with ``fields`` replaced."""
    values = {
        "name_zh": "张三",
        "name_en": "Zhang San",
        "organisation": "示例认证中心",
        "position": "主任",
        "country": "CN",
        "email": "zhang.san@example.org",
        "mobile": "+86 138 1234 5678",
        "locale": "en",
        "dietary": "",
        "accessibility": "",
        "consent": "y",
        "notice_version": "1",
        "submission_key": "s" * 24,
    }
    values.update(fields)
    return values


def set_event(app, event, **values) -> None:
    """Change columns of ``event`` the factory does not take."""
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def registrations(app) -> list[Registration]:
    """Every registration, detached, oldest first."""
    with app.app_context():
        rows = list(db.session.scalars(select(Registration).order_by(Registration.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def invitation_row(app, invitation_id) -> Invitation:
    with app.app_context():
        row = db.session.get(Invitation, invitation_id)
        db.session.expunge(row)
        return row


def register(client, invitation, **fields):
    """POST the registration form of ``invitation``."""
    return client.post(f"/i/{invitation.token}/register", data=form(**fields), headers=EN)


def registered(app, client, make_event, make_invitation, **fields) -> Registration:
    """One registration made through the form; returns it."""
    event = make_event()
    invitation = make_invitation(event)
    assert register(client, invitation, **fields).status_code == 302
    return registrations(app)[-1]


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def make_invitation(make_invitation):
    """Invitations in English unless a test says otherwise, so texts can be asserted in English."""

    def make(event, **fields):
        fields.setdefault("locale", InvitationLocale.EN)
        return make_invitation(event, **fields)

    return make


# The invitation link


def test_invitation_page_greets_the_invitee(client, event, make_invitation):
    invitation = make_invitation(event, name_en="Jane Doe", locale=InvitationLocale.EN)
    page = client.get(f"/i/{invitation.token}", headers=EN).get_data(as_text=True)
    assert "Dear Jane Doe," in page


def test_unknown_token_gives_404(client):
    assert client.get("/i/no-such-token-at-all").status_code == 404


def test_revoked_invitation_gives_the_same_404_as_an_unknown_token(client, event, make_invitation):
    invitation = make_invitation(event, state=InvitationState.REVOKED)
    guess = "x" * len(invitation.token)
    revoked = client.get(f"/i/{invitation.token}", headers=EN)
    unknown = client.get(f"/i/{guess}", headers=EN)
    # The pages differ only where the address itself is echoed (the language switcher).
    assert revoked.status_code == 404
    assert revoked.get_data(as_text=True).replace(invitation.token, guess) == unknown.get_data(
        as_text=True
    )


def test_opening_the_link_marks_the_invitation_opened(app, client, event, make_invitation):
    invitation = make_invitation(event)
    client.get(f"/i/{invitation.token}")
    stored = invitation_row(app, invitation.id)
    assert (stored.state, stored.opened_at is not None) == (InvitationState.OPENED, True)


def test_guessing_tokens_is_rate_limited(client):
    statuses = [client.get(f"/i/guess{n:04d}").status_code for n in range(21)]
    assert (statuses[:20], statuses[20]) == ([404] * 20, 429)


def test_manage_and_invitation_links_share_the_guessing_limit(client):
    for n in range(20):
        client.get(f"/i/guess{n:04d}")
    assert client.get("/r/guess-manage-token").status_code == 429


def test_repeated_visits_of_a_valid_link_are_not_counted_as_guesses(client, event, make_invitation):
    invitation = make_invitation(event)
    statuses = {client.get(f"/i/{invitation.token}").status_code for _ in range(25)}
    assert statuses == {200}


def test_page_is_in_the_invitees_language_not_the_browsers(client, event, make_invitation):
    invitation = make_invitation(event, locale=InvitationLocale.EN)
    page = client.get(f"/i/{invitation.token}", headers=ZH).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_bilingual_invitee_sees_chinese_first(client, event, make_invitation):
    invitation = make_invitation(event, locale=InvitationLocale.BOTH)
    page = client.get(f"/i/{invitation.token}", headers=EN).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page


def test_language_chosen_with_the_switcher_wins(client, event, make_invitation):
    invitation = make_invitation(event, locale=InvitationLocale.ZH)
    client.set_cookie(LANG_COOKIE, "en")
    page = client.get(f"/i/{invitation.token}").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_expired_invitation_shows_a_clear_page(client, event, make_invitation):
    invitation = make_invitation(event, expires_at=utcnow() - timedelta(hours=1))
    response = client.get(f"/i/{invitation.token}/register", headers=EN)
    assert (
        response.status_code,
        "This invitation has expired." in response.get_data(as_text=True),
    ) == (410, True)


def test_closed_registration_shows_a_clear_page(app, client, event, make_invitation):
    set_event(app, event, registration_closes_at=utcnow() - timedelta(hours=1))
    invitation = make_invitation(event)
    response = client.get(f"/i/{invitation.token}/register", headers=EN)
    assert "Registration for this event is closed." in response.get_data(as_text=True)


def test_registration_not_yet_open_says_when_it_opens(app, client, event, make_invitation):
    set_event(app, event, registration_opens_at=utcnow() + timedelta(days=3))
    invitation = make_invitation(event)
    page = client.get(f"/i/{invitation.token}", headers=EN).get_data(as_text=True)
    assert "Registration opens on" in page


def test_pages_are_not_cached(client, event, make_invitation):
    invitation = make_invitation(event)
    assert client.get(f"/i/{invitation.token}").headers["Cache-Control"] == "no-store"


# The form


def test_person_form_is_prefilled_from_the_invitation(client, event, make_invitation):
    invitation = make_invitation(event, name_en="Jane Doe", email="jane@example.org")
    page = client.get(f"/i/{invitation.token}/register", headers=EN).get_data(as_text=True)
    assert 'value="Jane Doe"' in page and 'value="jane@example.org"' in page


def test_form_carries_a_fresh_submission_key(client, event, make_invitation):
    invitation = make_invitation(event)
    keys = {
        re.search(
            r'name="submission_key"[^>]*value="([^"]+)"',
            client.get(f"/i/{invitation.token}/register").get_data(as_text=True),
        ).group(1)
        for _ in range(2)
    }
    assert len(keys) == 2


def test_form_shows_the_privacy_notice(client, event, make_invitation):
    invitation = make_invitation(event)
    page = client.get(f"/i/{invitation.token}/register", headers=EN).get_data(as_text=True)
    assert "Notice on the processing of personal information" in page


def test_countries_are_named_in_the_page_language(client, event, make_invitation):
    invitation = make_invitation(event, locale=InvitationLocale.ZH)
    page = client.get(f"/i/{invitation.token}/register").get_data(as_text=True)
    assert '<option value="FR">法国</option>' in page


def test_gender_is_asked_only_when_the_event_asks(app, client, event, make_invitation):
    invitation = make_invitation(event)
    without = client.get(f"/i/{invitation.token}/register").get_data(as_text=True)
    set_event(app, event, asks_gender=True)
    with_gender = client.get(f"/i/{invitation.token}/register").get_data(as_text=True)
    assert ('name="gender"' in without, 'name="gender"' in with_gender) == (False, True)


def test_identity_document_is_asked_only_when_the_event_requires_it(
    app, client, event, make_invitation
):
    invitation = make_invitation(event)
    without = client.get(f"/i/{invitation.token}/register").get_data(as_text=True)
    set_event(app, event, requires_id_document=True)
    with_id = client.get(f"/i/{invitation.token}/register").get_data(as_text=True)
    assert ('name="id_number"' in without, 'name="id_consent"' in with_id) == (False, True)


def test_registering_redirects_to_the_confirmation_page(app, client, event, make_invitation):
    response = register(client, make_invitation(event))
    [registration] = registrations(app)
    assert response.headers["Location"] == f"/r/{registration.manage_token}/done"


def test_confirmation_page_shows_the_status_and_the_manage_link(
    app, client, event, make_invitation
):
    register(client, make_invitation(event))
    token = registrations(app)[0].manage_token
    page = client.get(f"/r/{token}/done", headers=EN).get_data(as_text=True)
    assert "is confirmed" in page and f"/r/{token}" in page


def test_confirmation_email_is_queued_in_the_delegates_language(
    app, client, event, make_invitation
):
    register(client, make_invitation(event, locale=InvitationLocale.ZH), locale="en")
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.subject == "Registration confirmed: Test Conference"


def test_double_submit_registers_once(app, client, event, make_invitation):
    invitation = make_invitation(event, seats=3)
    first, second = register(client, invitation), register(client, invitation)
    assert (len(registrations(app)), first.headers["Location"]) == (1, second.headers["Location"])


def test_form_keeps_what_was_typed_on_error(client, event, make_invitation):
    response = register(client, make_invitation(event), email="not an address", position="总工程师")
    page = response.get_data(as_text=True)
    assert 'value="总工程师"' in page and 'value="not an address"' in page


def test_bad_email_gets_a_message_next_to_the_field(client, event, make_invitation):
    page = register(client, make_invitation(event), email="nope").get_data(as_text=True)
    assert "This is not a valid e-mail address." in page


def test_missing_english_name_for_a_foreign_delegate_is_explained(client, event, make_invitation):
    page = register(client, make_invitation(event), name_en="", country="FR").get_data(as_text=True)
    assert "Give your name in English or pinyin" in page


def test_every_problem_is_shown_at_once(client, event, make_invitation):
    data = form(email="nope", country="FR", name_en="")
    del data["consent"]
    page = client.post(f"/i/{make_invitation(event).token}/register", data=data).get_data(
        as_text=True
    )
    assert "Registration needs your consent to the privacy notice." in page
    assert "This is not a valid e-mail address." in page
    assert "Give your name in English or pinyin" in page


def test_tampered_notice_version_is_refused_without_error(app, client, event, make_invitation):
    response = register(client, make_invitation(event), notice_version="v1'; drop")
    assert response.status_code == 200 and registrations(app) == []


def test_missing_consent_is_refused(app, client, event, make_invitation):
    data = form()
    del data["consent"]
    page = client.post(
        f"/i/{make_invitation(event).token}/register", data=data, headers=EN
    ).get_data(as_text=True)
    assert "Registration needs your consent to the privacy notice." in page
    assert registrations(app) == []


def test_over_long_name_is_refused(app, client, event, make_invitation):
    page = register(client, make_invitation(event), name_en="x" * 101).get_data(as_text=True)
    assert "At most 100 characters." in page and registrations(app) == []


def test_fields_the_form_does_not_offer_cannot_be_set(
    app, client, event, make_event, make_invitation
):
    other = make_event()
    invitation = make_invitation(event, category="media")
    register(
        client,
        invitation,
        status="confirmed",
        event_id=str(other.id),
        category_id="1",
        registered_by_staff="y",
        seats_used="0",
        manage_token="chosen-by-attacker-123456",
        review_message="approved",
        invitation_id="999",
        id_number="E1234567",
    )
    [registration] = registrations(app)
    assert (
        registration.event_id,
        registration.invitation_id,
        registration.registered_by_staff,
        registration.manage_token,
        registration.review_message,
        registration.id_number,
    ) == (event.id, invitation.id, False, registration.manage_token, "", "")
    assert registration.manage_token != "chosen-by-attacker-123456"


def test_posted_status_is_ignored_when_approval_is_required(app, client, event, make_invitation):
    set_event(app, event, requires_approval=True)
    register(client, make_invitation(event), status="confirmed")
    assert registrations(app)[0].status == RegistrationStatus.PENDING


def test_post_without_csrf_token_is_refused(
    app, backend, database_urls, tmp_path, event, make_invitation
):
    invitation = make_invitation(event)
    strict = build_app(database_urls[backend], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    response = strict.test_client().post(f"/i/{invitation.token}/register", data=form(), headers=EN)
    assert response.status_code == 400 and registrations(app) == []


def test_post_with_the_pages_csrf_token_is_accepted(
    app, backend, database_urls, tmp_path, event, make_invitation
):
    invitation = make_invitation(event)
    strict = build_app(
        database_urls[backend], tmp_path / "csrf", WTF_CSRF_ENABLED=True
    ).test_client()
    page = strict.get(f"/i/{invitation.token}/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = strict.post(f"/i/{invitation.token}/register", data=form(csrf_token=token))
    assert response.status_code == 302 and len(registrations(app)) == 1


# Delegations


def test_delegation_page_shows_seats_and_delegates(client, event, make_invitation):
    invitation = make_invitation(event, seats=3)
    register(client, invitation, name_en="First Delegate", submission_key="a" * 24)
    page = client.get(f"/i/{invitation.token}", headers=EN).get_data(as_text=True)
    assert "1 of 3 seats used." in page and "First Delegate" in page and "Add a delegate" in page


def test_delegation_page_masks_delegates_email(client, event, make_invitation):
    invitation = make_invitation(event, seats=2)
    register(client, invitation, email="zhang.san@example.org")
    page = client.get(f"/i/{invitation.token}", headers=EN).get_data(as_text=True)
    assert "z***@example.org" in page and "zhang.san@example.org" not in page


def test_full_delegation_offers_no_more_delegates(client, event, make_invitation):
    invitation = make_invitation(event, seats=2)
    register(client, invitation, submission_key="a" * 24)
    register(client, invitation, submission_key="b" * 24, email="li@example.org")
    page = client.get(f"/i/{invitation.token}", headers=EN).get_data(as_text=True)
    assert "2 of 2 seats used." in page and "Add a delegate" not in page


def test_third_delegate_on_two_seats_is_refused(app, client, event, make_invitation):
    invitation = make_invitation(event, seats=2)
    for key in "abc":
        register(client, invitation, submission_key=key * 24)
    assert (len(registrations(app)), invitation_row(app, invitation.id).seats_used) == (2, 2)


def test_delegation_form_is_not_prefilled_with_the_focal_persons_name(
    client, event, make_invitation
):
    invitation = make_invitation(event, seats=3, name_en="Focal Person")
    page = client.get(f"/i/{invitation.token}/register", headers=EN).get_data(as_text=True)
    assert 'value="Focal Person"' not in page


def test_replacing_a_delegate_cancels_then_adds(app, client, event, make_invitation):
    invitation = make_invitation(event, seats=1)
    register(client, invitation, submission_key="a" * 24)
    client.post(f"/r/{registrations(app)[0].manage_token}/cancel")
    register(client, invitation, submission_key="b" * 24, name_en="Replacement")
    statuses = [(r.name_en, r.status) for r in registrations(app)]
    assert statuses == [
        ("Zhang San", RegistrationStatus.CANCELLED),
        ("Replacement", RegistrationStatus.CONFIRMED),
    ]


# Declining


def test_decline_with_a_message(app, client, event, make_invitation):
    invitation = make_invitation(event)
    client.post(f"/i/{invitation.token}/decline", data={"message": "另有安排"})
    stored = invitation_row(app, invitation.id)
    assert (stored.state, stored.decline_message) == (InvitationState.DECLINED, "另有安排")


def test_declined_page_thanks_the_invitee(client, event, make_invitation):
    invitation = make_invitation(event)
    response = client.post(
        f"/i/{invitation.token}/decline", data={}, headers=EN, follow_redirects=True
    )
    assert "You declined this invitation." in response.get_data(as_text=True)


# The manage link


def test_manage_page_shows_the_registration(app, client, make_event, make_invitation):
    registration = registered(app, client, make_event, make_invitation, position="总工程师")
    page = client.get(f"/r/{registration.manage_token}", headers=EN).get_data(as_text=True)
    assert "总工程师" in page and "Cancel my registration" in page


def test_invitation_token_used_as_manage_token_gives_404(client, event, make_invitation):
    invitation = make_invitation(event)
    register(client, invitation)
    assert client.get(f"/r/{invitation.token}").status_code == 404


def test_manage_token_used_as_invitation_token_gives_404(app, client, make_event, make_invitation):
    registration = registered(app, client, make_event, make_invitation)
    assert client.get(f"/i/{registration.manage_token}").status_code == 404


def test_edit_changes_the_registration(app, client, make_event, make_invitation):
    registration = registered(app, client, make_event, make_invitation)
    response = client.post(f"/r/{registration.manage_token}/edit", data=form(position="副主任"))
    assert response.status_code == 302 and registrations(app)[0].position == "副主任"


def test_edit_through_one_manage_link_leaves_other_delegates_alone(
    app, client, event, make_invitation
):
    invitation = make_invitation(event, seats=2)
    register(client, invitation, submission_key="a" * 24, name_en="Alpha")
    register(client, invitation, submission_key="b" * 24, name_en="Beta", email="b@example.org")
    first, _second = registrations(app)
    client.post(f"/r/{first.manage_token}/edit", data=form(name_en="Changed"))
    assert [r.name_en for r in registrations(app)] == ["Changed", "Beta"]


def test_edit_after_the_deadline_is_refused(app, client, event, make_invitation):
    register(client, make_invitation(event))
    set_event(app, event, registration_closes_at=utcnow() - timedelta(minutes=1))
    token = registrations(app)[0].manage_token
    client.post(f"/r/{token}/edit", data=form(position="副主任"))
    assert registrations(app)[0].position == "主任"


def test_edit_form_keeps_what_was_typed_on_error(app, client, make_event, make_invitation):
    registration = registered(app, client, make_event, make_invitation)
    page = client.post(
        f"/r/{registration.manage_token}/edit", data=form(mobile="123", dietary="清真")
    ).get_data(as_text=True)
    assert 'value="清真"' in page and registrations(app)[0].dietary == ""


def test_cancel_frees_the_seat_and_sends_an_email(app, client, event, make_invitation):
    invitation = make_invitation(event)
    register(client, invitation)
    client.post(f"/r/{registrations(app)[0].manage_token}/cancel")
    with app.app_context():
        kinds = list(db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))
    assert (invitation_row(app, invitation.id).seats_used, kinds[-1]) == (
        0,
        "registration_cancelled_cancelled",
    )


def test_cancel_needs_post(app, client, make_event, make_invitation):
    registration = registered(app, client, make_event, make_invitation)
    assert client.get(f"/r/{registration.manage_token}/cancel").status_code == 405


def test_personal_data_downloads_as_a_json_attachment(app, client, make_event, make_invitation):
    registration = registered(app, client, make_event, make_invitation)
    response = client.get(f"/r/{registration.manage_token}/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.get_data())["personal_data"]["mobile"] == "+8613812345678"


def test_deletion_request_is_recorded(app, client, make_event, make_invitation):
    registration = registered(app, client, make_event, make_invitation)
    client.post(f"/r/{registration.manage_token}/deletion")
    assert registrations(app)[0].deletion_requested_at is not None


def test_manage_page_masks_the_identity_document(app, client, event, make_invitation):
    set_event(app, event, requires_id_document=True)
    register(
        client, make_invitation(event), id_type="passport", id_number="E12345678", id_consent="y"
    )
    page = client.get(f"/r/{registrations(app)[0].manage_token}").get_data(as_text=True)
    assert "*****5678" in page and "E12345678" not in page


# Script in names is shown as text everywhere


@pytest.fixture
def scripted(app, client, event, make_invitation):
    """A delegation whose delegate typed a script as their name and organisation."""
    invitation = make_invitation(event, seats=2)
    register(client, invitation, name_en=SCRIPT, organisation=SCRIPT, position=SCRIPT)
    return invitation, registrations(app)[0]


@pytest.mark.parametrize("page", ["invitation", "confirmation", "manage", "edit"])
def test_script_in_a_name_is_escaped_on_every_page(client, scripted, page):
    invitation, registration = scripted
    url = {
        "invitation": f"/i/{invitation.token}",
        "confirmation": f"/r/{registration.manage_token}/done",
        "manage": f"/r/{registration.manage_token}",
        "edit": f"/r/{registration.manage_token}/edit",
    }[page]
    body = client.get(url).get_data(as_text=True)
    assert SCRIPT not in body and ESCAPED in body


def test_script_in_a_name_is_escaped_in_the_email_html(app, scripted):
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
    assert SCRIPT not in message.body_html and ESCAPED in message.body_html


def test_script_in_the_invitees_name_is_escaped(client, event, make_invitation):
    invitation = make_invitation(event, name_en=SCRIPT, locale=InvitationLocale.EN)
    body = client.get(f"/i/{invitation.token}").get_data(as_text=True)
    assert SCRIPT not in body and ESCAPED in body


def test_no_registration_without_a_post(app, client, event, make_invitation):
    client.get(f"/i/{make_invitation(event).token}/register")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0

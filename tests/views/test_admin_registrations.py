"""The organisers' registration pages: list, detail, review, cancel/restore, edit, walk-in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import build_app
from tests.factories import PASSWORD
from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import (
    DelegateCategory,
    Event,
    Invitation,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from wadconf.services import audit

EN = {"Accept-Language": "en"}


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def organiser(auth, make_user):
    user = make_user("organizer")
    assert auth.login(user.email).status_code == 302
    return user


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


def outbox_kinds(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))


def category_id(app, event, code) -> int:
    with app.app_context():
        return db.session.scalar(
            select(DelegateCategory.id).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code == code
            )
        )


# --- the list ---------------------------------------------------------------------------


def test_list_shows_the_events_registrations(
    client, organiser, event, make_event, make_registration
):
    make_registration(event, name_en="Here Person")
    make_registration(make_event(), name_en="Elsewhere Person")
    html = page(client, base(event))
    assert "Here Person" in html
    assert "Elsewhere Person" not in html
    assert "1 registrations" in html


def test_list_masks_mobile_numbers(client, organiser, event, make_registration):
    make_registration(event, mobile="+8613812345678")
    html = page(client, base(event))
    assert "138****5678" in html
    assert "13812345678" not in html


def test_list_never_shows_id_numbers(client, organiser, event, make_registration):
    make_registration(event, id_type="passport", id_number="E1234XYZ9")
    html = page(client, base(event))
    assert "E1234XYZ9" not in html
    assert "XYZ9" not in html  # not even the masked tail


def test_list_escapes_a_script_in_a_name(client, organiser, event, make_registration):
    make_registration(event, name_en="<script>alert(1)</script>", organisation="<b>Org</b>")
    html = page(client, base(event))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Org&lt;/b&gt;" in html


def test_list_search_reaches_the_service(client, organiser, event, make_registration):
    make_registration(event, name_zh="张伟", name_en="Zhang Wei")
    make_registration(event, name_zh="李娜", name_en="Li Na")
    html = page(client, base(event), q="李")
    assert "Li Na" in html and "Zhang Wei" not in html


def test_list_filters_by_status_and_category(client, organiser, event, make_registration):
    make_registration(
        event, name_en="Pending Media", category="media", status=RegistrationStatus.PENDING
    )
    make_registration(event, name_en="Confirmed Media", category="media")
    make_registration(
        event, name_en="Pending Expert", category="expert", status=RegistrationStatus.PENDING
    )
    html = page(
        client,
        base(event),
        status="pending",
        category=category_id(client.application, event, "media"),
    )
    assert "Pending Media" in html
    assert "Confirmed Media" not in html and "Pending Expert" not in html


def test_list_sort_links_reverse_the_current_sort(client, organiser, event, make_registration):
    make_registration(event, name_en="Adams")
    make_registration(event, name_en="Brown")
    html = page(client, base(event), sort="name")
    assert html.index("Adams") < html.index("Brown")
    assert re.search(r'href="[^"]*sort=name[^"]*desc=1|href="[^"]*desc=1[^"]*sort=name', html)
    html = page(client, base(event), sort="name", desc="1")
    assert html.index("Brown") < html.index("Adams")


def test_list_pages_carry_the_filters(app, client, organiser, event):
    with app.app_context(), write_intent():
        db.session.add_all(
            Registration(event_id=event.id, name_en=f"Person {n:02d}", country="DE")
            for n in range(51)
        )
        db.session.commit()
    html = page(client, base(event), country="DE", sort="name")
    assert "Page 1 of 2" in html
    assert "Person 49" in html and "Person 50" not in html
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "country=DE" in next_link and "page=2" in next_link
    html = page(client, next_link)
    assert "Person 50" in html and "Person 49" not in html


def test_list_of_an_unknown_event_is_404(client, organiser):
    assert client.get("/admin/events/nope/registrations/").status_code == 404


def test_checkin_staff_cannot_open_the_list(client, auth, make_user, event):
    user = make_user("checkin")
    auth.login(user.email)
    assert client.get(base(event)).status_code == 403


# --- detail -----------------------------------------------------------------------------


def test_detail_shows_the_history_from_the_audit_log(
    app, client, organiser, event, make_registration
):
    registration = make_registration(event)
    with app.app_context(), write_intent():
        audit.record(
            "registration.update",
            obj=db.session.get(Registration, registration.id),
            details={"fields": ["position"]},
        )
        db.session.commit()
    html = page(client, f"{base(event)}{registration.id}")
    assert "registration.update" in html
    assert "position" in html


def test_detail_masks_the_id_number(client, organiser, event, make_registration):
    registration = make_registration(event, id_type="passport", id_number="E1234XYZ9")
    html = page(client, f"{base(event)}{registration.id}")
    assert "E1234XYZ9" not in html
    assert "XYZ9" in html


def test_detail_of_another_events_registration_is_404(
    client, organiser, event, make_event, make_registration
):
    registration = make_registration(make_event())
    assert client.get(f"{base(event)}{registration.id}").status_code == 404


def test_detail_offers_review_only_while_pending(client, organiser, event, make_registration):
    pending = make_registration(event, status=RegistrationStatus.PENDING)
    confirmed = make_registration(event)
    assert "/approve" in page(client, f"{base(event)}{pending.id}")
    assert "/approve" not in page(client, f"{base(event)}{confirmed.id}")


# --- review, cancel, restore ------------------------------------------------------------


def test_approve_by_post_confirms_and_queues_the_email(
    app, client, organiser, event, make_registration
):
    registration = make_registration(event, status=RegistrationStatus.PENDING)
    response = client.post(f"{base(event)}{registration.id}/approve", data={"message": "Welcome"})
    assert response.status_code == 302
    assert stored(app, registration).status == RegistrationStatus.CONFIRMED
    assert outbox_kinds(app) == ["registration_approved"]


def test_reject_by_post_rejects_and_queues_the_email(
    app, client, organiser, event, make_registration
):
    registration = make_registration(event, status=RegistrationStatus.PENDING)
    client.post(f"{base(event)}{registration.id}/reject", data={"message": "Sorry"})
    assert stored(app, registration).status == RegistrationStatus.REJECTED
    assert stored(app, registration).review_message == "Sorry"
    assert outbox_kinds(app) == ["registration_rejected"]


def test_approving_a_confirmed_registration_shows_why_not(
    app, client, organiser, event, make_registration
):
    registration = make_registration(event)
    response = client.post(
        f"{base(event)}{registration.id}/approve", headers=EN, follow_redirects=True
    )
    assert "Only a registration waiting for approval" in response.get_data(as_text=True)
    assert outbox_kinds(app) == []


def test_cancel_and_restore_by_post(app, client, organiser, event, make_registration):
    registration = make_registration(event)
    client.post(f"{base(event)}{registration.id}/cancel")
    assert stored(app, registration).status == RegistrationStatus.CANCELLED
    client.post(f"{base(event)}{registration.id}/restore")
    assert stored(app, registration).status == RegistrationStatus.CONFIRMED


def test_restore_on_a_full_invitation_shows_the_reason(
    app, client, organiser, event, make_invitation, make_registration
):
    invitation = make_invitation(event, seats=1)
    registration = make_registration(
        event, invitation=invitation, status=RegistrationStatus.CANCELLED
    )
    make_registration(event, invitation=invitation)
    response = client.post(
        f"{base(event)}{registration.id}/restore", headers=EN, follow_redirects=True
    )
    assert "All seats of this invitation are taken." in response.get_data(as_text=True)
    assert stored(app, registration).status == RegistrationStatus.CANCELLED


def test_review_post_without_csrf_token_changes_nothing(
    backend, database_urls, tmp_path, app, make_user, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event, status=RegistrationStatus.PENDING)
    user = make_user("organizer")
    guarded = build_app(database_urls[backend], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"{base(event)}{registration.id}/approve", data={"message": "x"})
    assert response.status_code == 400
    assert stored(app, registration).status == RegistrationStatus.PENDING
    # ...and with the token from the detail page it goes through.
    detail = client.get(f"{base(event)}{registration.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', detail).group(1)
    response = client.post(f"{base(event)}{registration.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert stored(app, registration).status == RegistrationStatus.CONFIRMED


# --- edit -------------------------------------------------------------------------------


def _edit_form(registration, **changes) -> dict:
    data = {
        "name_zh": registration.name_zh,
        "name_en": registration.name_en,
        "organisation": registration.organisation,
        "position": registration.position,
        "country": registration.country,
        "email": registration.email,
        "mobile": registration.mobile,
        "category": str(registration.category_id or ""),
        "dietary": "",
        "accessibility": "",
        "locale": registration.locale,
    }
    data.update(changes)
    return data


def test_edit_form_shows_the_current_values(client, organiser, event, make_registration):
    registration = make_registration(event, organisation="Example Testing Lab Co.")
    html = page(client, f"{base(event)}{registration.id}/edit")
    assert 'value="Example Testing Lab Co."' in html


def test_edit_by_post_saves_the_fields(app, client, organiser, event, make_registration):
    registration = make_registration(event)
    response = client.post(
        f"{base(event)}{registration.id}/edit",
        data=_edit_form(registration, position="Director", dietary="Halal"),
    )
    assert response.status_code == 302
    row = stored(app, registration)
    assert (row.position, row.dietary) == ("Director", "Halal")


def test_edit_ignores_fields_the_form_does_not_offer(
    app, client, organiser, event, make_event, make_registration
):
    registration = make_registration(event)
    other = make_event()
    client.post(
        f"{base(event)}{registration.id}/edit",
        data=_edit_form(
            registration,
            status="cancelled",
            event_id=str(other.id),
            manage_token="x" * 30,
            registered_by_staff="y",
        ),
    )
    row = stored(app, registration)
    assert row.status == RegistrationStatus.CONFIRMED
    assert row.event_id == event.id
    assert row.manage_token == registration.manage_token
    assert row.registered_by_staff is False


def test_edit_with_a_bad_mobile_shows_the_error_and_keeps_the_input(
    app, client, organiser, event, make_registration
):
    registration = make_registration(event)
    response = client.post(
        f"{base(event)}{registration.id}/edit",
        headers=EN,
        data=_edit_form(registration, mobile="12345", position="Typed here"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "valid mobile number" in html
    assert 'value="Typed here"' in html
    assert stored(app, registration).position == registration.position


# --- direct registration ----------------------------------------------------------------


def _walk_in_form(app, event, **changes) -> dict:
    data = {
        "invitation": "",
        "name_zh": "王示例",
        "name_en": "Wang Shili",
        "organisation": "示例检测有限公司",
        "position": "",
        "country": "CN",
        "email": "",
        "mobile": "",
        "category": str(category_id(app, event, "expert")),
        "dietary": "",
        "accessibility": "",
        "locale": "zh_Hans",
    }
    data.update(changes)
    return data


def test_walk_in_page_opens(client, organiser, event):
    html = page(client, f"{base(event)}new")
    assert "Register someone directly" in html


def test_walk_in_by_post_adds_a_confirmed_staff_registration(app, client, organiser, event):
    response = client.post(f"{base(event)}new", data=_walk_in_form(app, event))
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Registration))
        assert row.registered_by_staff is True
        assert row.status == RegistrationStatus.CONFIRMED
        assert row.category.code == "expert"
        assert response.headers["Location"].endswith(f"/registrations/{row.id}")


def test_walk_in_on_a_delegation_takes_a_seat(app, client, organiser, event, make_invitation):
    invitation = make_invitation(event, seats=5)
    client.post(f"{base(event)}new", data=_walk_in_form(app, event, invitation=str(invitation.id)))
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).seats_used == 1
        assert db.session.scalar(select(Registration.invitation_id)) == invitation.id


def test_walk_in_on_a_full_invitation_is_refused(
    app, client, organiser, event, make_invitation, make_registration
):
    invitation = make_invitation(event, seats=1)
    make_registration(event, invitation=invitation)
    response = client.post(
        f"{base(event)}new",
        headers=EN,
        data=_walk_in_form(app, event, invitation=str(invitation.id)),
    )
    assert response.status_code == 200
    assert "This invitation has no free seat." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_walk_in_without_any_name_is_refused(app, client, organiser, event):
    response = client.post(
        f"{base(event)}new", headers=EN, data=_walk_in_form(app, event, name_zh="", name_en="")
    )
    assert response.status_code == 200
    assert "Please correct the marked fields." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


# --- summary and menu -------------------------------------------------------------------


def test_summary_counts_per_category(
    app, client, organiser, event, make_registration, make_invitation
):
    make_invitation(event, seats=3, category="intl_org", organisation="Example Accreditation Forum")
    make_registration(event, category="intl_org", status=RegistrationStatus.PENDING)
    html = page(client, f"{base(event)}summary")
    row = re.search(r"International organisation</a></th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    # invitations, seats, declined, confirmed, pending, waitlisted, cancelled, rejected
    assert cells == ["1", "3", "0", "0", "1", "0", "0", "0"]
    assert "Example Accreditation Forum" in html


def test_menu_links_organisers_to_the_current_events_registrations(client, organiser, event):
    html = page(client, "/staff/")
    assert f'href="/admin/events/{event.slug}/registrations/"' in html


def test_menu_has_no_registrations_link_for_checkin_staff(client, auth, make_user, event):
    user = make_user("checkin")
    auth.login(user.email)
    assert "/registrations/" not in page(client, "/staff/")


def test_capacity_is_shown_on_the_summary(app, client, organiser, event):
    with app.app_context(), write_intent():
        db.session.get(Event, event.id).capacity = 600
        db.session.commit()
    assert "Capacity: 600 places." in page(client, f"{base(event)}summary")


def test_walk_in_page_preselects_an_invitation_given_by_link(
    client, organiser, event, make_invitation
):
    invitation = make_invitation(event, seats=1, name_en="Linked Invitee")
    html = page(client, f"{base(event)}new", invitation=invitation.id)
    assert re.search(
        rf'<option selected value="{invitation.id}">[^<]*Linked Invitee', html
    ) or re.search(rf'<option value="{invitation.id}" selected>[^<]*Linked Invitee', html)


def test_walk_in_page_lists_delegations_with_free_seats_only(
    client, organiser, event, make_invitation, make_registration
):
    open_delegation = make_invitation(event, seats=3, organisation="Open Delegation")
    full = make_invitation(event, seats=2, organisation="Full Delegation")
    make_registration(event, invitation=full)
    make_registration(event, invitation=full)
    make_invitation(event, seats=1, organisation="Single Person Org")
    html = page(client, f"{base(event)}new")
    assert "Open Delegation" in html
    assert "Full Delegation" not in html
    assert "Single Person Org" not in html
    assert open_delegation.id


def test_detail_and_summary_escape_script_in_delegate_data(
    app, client, organiser, event, make_invitation, make_registration
):
    invitation = make_invitation(event, seats=3, organisation="<script>alert('org')</script>")
    registration = make_registration(
        event,
        invitation=invitation,
        name_en="<img src=x onerror=1>",
        review_message="<script>alert('msg')</script>",
    )
    for html in (
        page(client, f"{base(event)}{registration.id}"),
        page(client, f"{base(event)}summary"),
    ):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;msg&#39;)&lt;/script&gt;" in page(
        client, f"{base(event)}{registration.id}"
    )


def test_edit_with_an_empty_document_number_keeps_the_stored_one(
    app, client, organiser, event, make_registration
):
    with app.app_context(), write_intent():
        db.session.get(Event, event.id).requires_id_document = True
        db.session.commit()
    registration = make_registration(
        event, id_type="passport", id_number="E1234XYZ9", id_consent_at=utcnow()
    )
    html = page(client, f"{base(event)}{registration.id}/edit")
    assert "E1234XYZ9" not in html  # the form never shows it in full
    response = client.post(
        f"{base(event)}{registration.id}/edit",
        data=_edit_form(registration, id_type="passport", id_number="", position="Head of Unit"),
    )
    assert response.status_code == 302
    row = stored(app, registration)
    assert (row.id_number, row.position) == ("E1234XYZ9", "Head of Unit")

"""Badge pages: the organisers' list and print batches, reissue, and the delegate's e-badge.

The delegate's ``/r/<token>/badge.png`` (registration blueprint) is tested here too, with the
manage page that shows it.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import AuditEntry, Registration, RegistrationStatus, RetiredBadgeCode

EN = {"Accept-Language": "en"}


def _login(auth, make_user, role: str = "organizer"):
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    return user


def _list(event) -> str:
    return f"/admin/events/{event.slug}/badges"


def _print(client, event, **form):
    form.setdefault("layout", "a6")
    return client.post(f"/admin/events/{event.slug}/badges/print", data=form, headers=EN)


def _count(app, registration) -> tuple[int, datetime | None]:
    with app.app_context():
        row = db.session.get(Registration, registration.id)
        return row.badge_print_count, row.badge_printed_at


def _pages(response) -> int:
    return len(PdfReader(io.BytesIO(response.data)).pages)


# --- the list --------------------------------------------------------------------------


def test_list_shows_confirmed_badges_by_default(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event, name_en="Confirmed One")
    make_registration(event, name_en="Pending One", status=RegistrationStatus.PENDING)
    _login(auth, make_user)
    page = client.get(_list(event), headers=EN).get_data(as_text=True)
    assert "Confirmed One" in page
    assert "Pending One" not in page


def test_list_with_any_status_shows_pending_too(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event, name_en="Pending One", status=RegistrationStatus.PENDING)
    _login(auth, make_user)
    assert "Pending One" in client.get(_list(event) + "?status=", headers=EN).get_data(as_text=True)


def test_list_shows_how_often_and_when_a_badge_was_printed(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(
        event, badge_print_count=2, badge_printed_at=datetime(2025, 6, 4, 1, 30, tzinfo=UTC)
    )
    make_registration(event)
    _login(auth, make_user)
    page = client.get(_list(event), headers=EN).get_data(as_text=True)
    assert "printed 2×, last" in page
    assert "9:30" in page  # 01:30 UTC is 09:30 in Shanghai
    assert "never printed" in page


def test_list_escapes_names(client, auth, make_user, make_event, make_registration):
    event = make_event()
    make_registration(event, name_en="<script>alert(1)</script>")
    _login(auth, make_user)
    page = client.get(_list(event), headers=EN).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_gate_staff_may_not_open_the_badge_list(client, auth, make_user, make_event):
    event = make_event()
    _login(auth, make_user, "checkin")
    assert client.get(_list(event)).status_code == 403


def test_organiser_of_another_event_may_not_open_the_badge_list(
    app, client, auth, make_user, make_event
):
    event, other = make_event(), make_event()
    user = make_user("organizer")
    with app.app_context():
        from wadconf.models import StaffUser

        db.session.get(StaffUser, user.id).event_id = other.id
        db.session.commit()
    assert auth.login(user.email).status_code == 302
    assert client.get(_list(event)).status_code == 403


# --- printing --------------------------------------------------------------------------


def test_print_all_listed_gives_one_page_each(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    for _ in range(3):
        make_registration(event)
    make_registration(event, status=RegistrationStatus.CANCELLED)
    _login(auth, make_user)
    response = _print(client, event, scope="all")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert _pages(response) == 3


def test_print_counts_each_badge_and_the_time(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event)
    _login(auth, make_user)
    _print(client, event, scope="all")
    _print(client, event, scope="all")
    count, printed_at = _count(app, registration)
    assert count == 2 and printed_at is not None


def test_print_is_audited_with_the_organiser(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event)
    user = _login(auth, make_user)
    _print(client, event, scope="all", layout="cr80")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "badge.print"))
        assert entry.actor_id == user.id
        assert entry.details["registration_ids"] == [registration.id]
        assert entry.details["layout"] == "cr80"


def test_print_selected_prints_only_the_ticked(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    chosen, other = make_registration(event), make_registration(event)
    _login(auth, make_user)
    response = _print(client, event, scope="selected", ids=[str(chosen.id)])
    assert _pages(response) == 1
    assert (_count(app, chosen)[0], _count(app, other)[0]) == (1, 0)


def test_print_selected_with_nothing_ticked_is_refused(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event)
    _login(auth, make_user)
    assert _print(client, event, scope="selected").status_code == 400


def test_print_follows_the_filter(client, auth, make_user, make_event, make_registration):
    event = make_event()
    make_registration(event, organisation="Alpha Body")
    make_registration(event, organisation="Beta Body")
    _login(auth, make_user)
    assert _pages(_print(client, event, scope="all", q="alpha")) == 1


def test_print_with_nothing_to_print_is_not_found(client, auth, make_user, make_event):
    event = make_event()
    _login(auth, make_user)
    assert _print(client, event, scope="all").status_code == 404


def test_print_of_another_events_registration_prints_nothing(
    client, auth, make_user, make_event, make_registration
):
    event, other = make_event(), make_event()
    foreign = make_registration(other)
    _login(auth, make_user)
    assert _print(client, event, scope="selected", ids=[str(foreign.id)]).status_code == 404


def test_print_in_an_unknown_layout_is_refused(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event)
    _login(auth, make_user)
    assert _print(client, event, scope="all", layout="poster").status_code == 400


def test_print_is_a_post(client, auth, make_user, make_event):
    event = make_event()
    _login(auth, make_user)
    assert client.get(f"/admin/events/{event.slug}/badges/print").status_code == 405


def test_print_form_requires_the_csrf_token(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event)
    _login(auth, make_user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _print(client, event, scope="all").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- one registration's badge ----------------------------------------------------------


def _detail(event, registration) -> str:
    return f"/admin/events/{event.slug}/registrations/{registration.id}"


def test_detail_page_shows_the_print_count_and_the_forms(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    registration = make_registration(
        event, badge_print_count=3, badge_printed_at=datetime(2025, 6, 4, 1, 30, tzinfo=UTC)
    )
    _login(auth, make_user)
    page = client.get(_detail(event, registration), headers=EN).get_data(as_text=True)
    assert "printed 3×, last" in page
    assert f"/admin/events/{event.slug}/badges/print" in page
    assert f"{_detail(event, registration)}/badge/reissue" in page


def test_reissue_from_the_detail_page_retires_the_old_code(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event)
    _login(auth, make_user)
    response = client.post(
        f"{_detail(event, registration)}/badge/reissue", data={"reason": "Lost"}, headers=EN
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Registration, registration.id)
        assert row.badge_code != registration.badge_code
        assert db.session.scalar(
            select(RetiredBadgeCode).where(RetiredBadgeCode.code == registration.badge_code)
        )


def test_reissue_without_a_reason_changes_nothing(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event)
    _login(auth, make_user)
    response = client.post(
        f"{_detail(event, registration)}/badge/reissue",
        data={"reason": ""},
        headers=EN,
        follow_redirects=True,
    )
    assert "Give the reason for the new badge." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Registration, registration.id).badge_code == registration.badge_code


def test_reissue_of_another_events_registration_is_not_found(
    client, auth, make_user, make_event, make_registration
):
    event, other = make_event(), make_event()
    foreign = make_registration(other)
    _login(auth, make_user)
    url = f"/admin/events/{event.slug}/registrations/{foreign.id}/badge/reissue"
    assert client.post(url, data={"reason": "Lost"}).status_code == 404


def test_organiser_preview_of_the_e_badge_decodes(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event)
    _login(auth, make_user)
    response = client.get(f"{_detail(event, registration)}/badge.png")
    assert response.mimetype == "image/png"
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert barcode.text == registration.badge_code


# --- the delegate's e-badge ------------------------------------------------------------


def test_delegate_downloads_the_e_badge_from_the_manage_link(client, make_event, make_registration):
    registration = make_registration(make_event())
    response = client.get(f"/r/{registration.manage_token}/badge.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "no-store" in response.headers["Cache-Control"]
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert barcode.text == registration.badge_code


def test_a_pending_registration_has_no_e_badge(client, make_event, make_registration):
    registration = make_registration(make_event(), status=RegistrationStatus.PENDING)
    assert client.get(f"/r/{registration.manage_token}/badge.png").status_code == 404


def test_the_badge_code_does_not_open_the_e_badge(client, make_event, make_registration):
    registration = make_registration(make_event())
    assert client.get(f"/r/{registration.badge_code}/badge.png").status_code == 404


def test_manage_page_shows_the_e_badge_with_a_download_link(client, make_event, make_registration):
    registration = make_registration(make_event(), locale="en")
    page = client.get(f"/r/{registration.manage_token}", headers=EN).get_data(as_text=True)
    assert f'src="/r/{registration.manage_token}/badge.png"' in page
    assert "Download my e-badge (PNG)" in page


def test_manage_page_of_a_pending_registration_shows_no_badge(
    client, make_event, make_registration
):
    registration = make_registration(make_event(), status=RegistrationStatus.PENDING)
    page = client.get(f"/r/{registration.manage_token}", headers=EN).get_data(as_text=True)
    assert "badge.png" not in page

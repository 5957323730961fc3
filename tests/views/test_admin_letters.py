"""GET /admin/events/<slug>/invitations/letters.pdf: who may print, what gets printed."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pypdfium2
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from tests.factories import PASSWORD
from wadconf.extensions import db
from wadconf.models import AuditEntry, InvitationState

EN = {"Accept-Language": "en"}


def _url(event, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/admin/events/{event.slug}/invitations/letters.pdf" + (f"?{query}" if query else "")


def _login(auth, make_user, role: str = "organizer"):
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    return user


def _page_texts(data: bytes) -> list[str]:
    """Each page's text, whitespace and pypdf's NULs removed (see tests/services/test_letters)."""
    return [
        "".join(page.extract_text().replace("\x00", "").split())
        for page in PdfReader(io.BytesIO(data)).pages
    ]


def test_organiser_gets_one_page_per_ticked_invitation(
    client, auth, make_user, make_event, make_invitation
):
    event = make_event()
    first, second, _third = (make_invitation(event) for _ in range(3))
    _login(auth, make_user)
    response = client.get(_url(event, ids=f"{first.id},{second.id}"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 2


def test_repeated_ids_parameters_are_accepted(client, auth, make_user, make_event, make_invitation):
    event = make_event()
    first, second = make_invitation(event), make_invitation(event)
    _login(auth, make_user)
    response = client.get(f"{_url(event)}?ids={first.id}&ids={second.id}")
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 2


def test_without_ids_every_invitation_not_revoked_is_printed(
    client, auth, make_user, make_event, make_invitation
):
    event = make_event()
    make_invitation(event, name_en="Kept One")
    make_invitation(event, name_en="Kept Two")
    make_invitation(event, name_en="Gone Away", state=InvitationState.REVOKED)
    _login(auth, make_user)
    pages = _page_texts(client.get(_url(event)).data)
    assert len(pages) == 2
    assert not any("GoneAway" in page for page in pages)


def test_the_lists_filters_choose_the_letters(client, auth, make_user, make_event, make_invitation):
    event = make_event()
    make_invitation(event, name_en="Draft Person", state=InvitationState.DRAFT)
    make_invitation(event, name_en="Sent Person", state=InvitationState.SENT)
    _login(auth, make_user)
    pages = _page_texts(client.get(_url(event, status="draft")).data)
    assert len(pages) == 1
    assert "DraftPerson" in pages[0]


def test_qr_code_carries_the_link_of_the_site_as_reached(
    client, auth, make_user, make_event, make_invitation
):
    event = make_event()
    invitation = make_invitation(event)
    site = "https://wad.example.org"
    user = make_user("organizer")
    client.post("/login", data={"email": user.email, "password": PASSWORD}, base_url=site)
    response = client.get(_url(event), base_url=site)
    assert response.status_code == 200
    document = pypdfium2.PdfDocument(response.data)
    try:
        image = document[0].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [
        f"https://wad.example.org/i/{invitation.token}"
    ]


def test_pdf_is_a_download_named_for_the_event(
    client, auth, make_user, make_event, make_invitation
):
    event = make_event()
    make_invitation(event)
    _login(auth, make_user)
    disposition = client.get(_url(event)).headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="invitation-letters-{event.slug}-')
    assert disposition.endswith('.pdf"')


def test_printing_is_audited_with_who_and_which_invitations(
    app, client, auth, make_user, make_event, make_invitation
):
    event = make_event()
    invitation = make_invitation(event)
    organiser = _login(auth, make_user)
    assert client.get(_url(event, ids=invitation.id)).status_code == 200
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitation.letters_print")
        )
        assert (entry.actor_id, entry.event_id) == (organiser.id, event.id)
        assert entry.details["invitation_ids"] == [invitation.id]


def test_checkin_staff_is_refused(app, client, auth, make_user, make_event, make_invitation):
    event = make_event()
    make_invitation(event)
    _login(auth, make_user, "checkin")
    assert client.get(_url(event)).status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEntry).where(AuditEntry.action == "invitation.letters_print")
            )
            is None
        )


def test_anonymous_visitor_is_sent_to_login(client, make_event, make_invitation):
    event = make_event()
    make_invitation(event)
    response = client.get(_url(event))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_malformed_ids_are_a_bad_request(client, auth, make_user, make_event, make_invitation):
    event = make_event()
    make_invitation(event)
    _login(auth, make_user)
    assert client.get(_url(event, ids="1,two")).status_code == 400


def test_nothing_to_print_says_so(client, auth, make_user, make_event, make_invitation):
    event = make_event()
    revoked = make_invitation(event, state=InvitationState.REVOKED)
    _login(auth, make_user)
    response = client.get(_url(event, ids=revoked.id), headers=EN)
    assert response.status_code == 404
    assert "There is no invitation to print a letter for." in response.text


def test_ids_of_another_event_print_nothing(client, auth, make_user, make_event, make_invitation):
    event, other = make_event(), make_event()
    make_invitation(event)
    foreign = make_invitation(other)
    _login(auth, make_user)
    assert client.get(_url(event, ids=foreign.id)).status_code == 404


def test_unknown_event_is_not_found(client, auth, make_user):
    _login(auth, make_user)
    assert client.get("/admin/events/no-such-event/invitations/letters.pdf").status_code == 404


def test_print_selected_with_nothing_selected_prints_nothing(
    app, client, auth, make_user, make_event, make_invitation
):
    event = make_event()
    make_invitation(event)
    auth.login(make_user(role="organizer").email)
    response = client.get(
        f"/admin/events/{event.slug}/invitations/letters.pdf?scope=selected",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "Select at least one invitation." in response.text


def test_list_offers_printing_the_selected_invitations(
    app, client, auth, make_user, make_event, make_invitation
):
    event = make_event()
    make_invitation(event)
    auth.login(make_user(role="organizer").email)
    page = client.get(f"/admin/events/{event.slug}/invitations/", headers={"Accept-Language": "en"})
    assert f'formaction="/admin/events/{event.slug}/invitations/letters.pdf"' in page.text
    assert 'name="scope" value="selected"' in page.text

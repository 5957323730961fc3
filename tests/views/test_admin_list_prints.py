"""/admin/events/<slug>/cards: the card form, the PDF download, who may, and its audit entry."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from tests.services.pdf_support import page_sizes, page_texts
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, ProgrammeKind, Session, SessionPerson
from wadconf.services.categories import category_by_code

EN = {"Accept-Language": "en"}


def _login(auth, make_user, role: str = "organizer"):
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    return user


def _page(event) -> str:
    return f"/admin/events/{event.slug}/cards"


def _download(event) -> str:
    return f"/admin/events/{event.slug}/cards.pdf"


def _session(app, event, *people: tuple[str, str, int | None]) -> int:
    """A plenary with ``people`` (name_zh, name_en, registration id or None); its id."""
    from datetime import UTC, datetime

    with app.app_context(), write_intent():
        session = Session(
            event_id=event.id,
            kind=ProgrammeKind.PLENARY,
            title_zh="开幕式",
            title_en="Opening plenary",
            starts_at=datetime(2025, 6, 5, 1, 0, tzinfo=UTC),
            ends_at=datetime(2025, 6, 5, 2, 0, tzinfo=UTC),
        )
        db.session.add(session)
        db.session.flush()
        for position, (name_zh, name_en, registration_id) in enumerate(people):
            db.session.add(
                SessionPerson(
                    session_id=session.id,
                    registration_id=registration_id,
                    name_zh=name_zh,
                    name_en=name_en,
                    position=position,
                )
            )
        db.session.commit()
        return session.id


def _audit_entries(app) -> list[AuditEntry]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cards.printed"))
        )


def test_page_offers_the_sessions_categories_and_kinds(app, client, auth, make_user, make_event):
    event = make_event()
    _session(app, event)
    _login(auth, make_user)
    response = client.get(_page(event), headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Opening plenary" in html and 'value="table"' in html and 'value="seat"' in html
    assert f'action="{_download(event)}"' in html


def test_registrations_nav_links_to_the_cards(client, auth, make_user, make_event):
    event = make_event()
    _login(auth, make_user)
    html = client.get(f"/admin/events/{event.slug}/registrations/summary", headers=EN).get_data(
        as_text=True
    )
    assert f'href="{_page(event)}"' in html


def test_session_table_cards_download_with_both_scripts(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    delegate = make_registration(event, name_zh="李主席", name_en="Li Zhuxi", organisation="认监委")
    session_id = _session(app, event, ("", "", delegate.id), ("", "John Guest", None))
    _login(auth, make_user)
    response = client.post(
        _download(event), data={"kind": "table", "source": "session", "session": str(session_id)}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('-table-cards.pdf"')
    texts = page_texts(response.data)
    assert len(texts) == 2
    assert texts[0].count("李主席") == 2 and texts[0].count("LiZhuxi") == 2
    assert texts[1].count("JohnGuest") == 2
    assert all(w > h for w, h in page_sizes(response.data))


def test_category_seat_cards(app, client, auth, make_user, make_event, make_registration):
    event = make_event()
    make_registration(event, name_zh="记者甲", category="media")
    make_registration(event, name_zh="官员乙", category="government")
    with app.app_context():
        media = category_by_code(db.session.get(Event, event.id), "media")
    _login(auth, make_user)
    response = client.post(
        _download(event), data={"kind": "seat", "source": "category", "category": str(media.id)}
    )
    assert response.status_code == 200
    (text,) = page_texts(response.data)
    assert "记者甲" in text and "官员乙" not in text


def test_all_confirmed_delegates(client, auth, make_user, make_event, make_registration):
    event = make_event()
    for name in ("甲", "乙", "丙"):
        make_registration(event, name_zh=f"代表{name}")
    _login(auth, make_user)
    response = client.post(_download(event), data={"kind": "seat", "source": "confirmed"})
    (text,) = page_texts(response.data)
    assert all(f"代表{name}" in text for name in "甲乙丙")


def test_download_is_audited_with_who_and_what(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event)
    organiser = _login(auth, make_user)
    client.post(_download(event), data={"kind": "seat", "source": "confirmed"})
    (entry,) = _audit_entries(app)
    assert (entry.actor_id, entry.event_id) == (organiser.id, event.id)
    assert entry.details == {"kind": "seat", "source": "confirmed", "count": 1}


def test_admin_may_download(client, auth, make_user, make_event, make_registration):
    event = make_event()
    make_registration(event)
    _login(auth, make_user, "admin")
    response = client.post(_download(event), data={"kind": "table", "source": "confirmed"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_checkin_staff_and_reporters_are_refused(
    app, client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event)
    for role in ("checkin", "reporter"):
        _login(auth, make_user, role)
        assert client.get(_page(event)).status_code == 403
        response = client.post(_download(event), data={"kind": "table", "source": "confirmed"})
        assert response.status_code == 403
        auth.logout()
    assert _audit_entries(app) == []


def test_anonymous_visitor_is_sent_to_login(client, make_event):
    event = make_event()
    response = client.post(_download(event), data={"kind": "table", "source": "confirmed"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_session_of_another_event_is_refused(app, client, auth, make_user, make_event):
    event, other = make_event(), make_event()
    foreign = _session(app, other, ("王", "Wang", None))
    _login(auth, make_user)
    response = client.post(
        _download(event), data={"kind": "table", "source": "session", "session": str(foreign)}
    )
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == _page(
        event
    )
    assert _audit_entries(app) == []


def test_unknown_kind_is_refused(app, client, auth, make_user, make_event, make_registration):
    event = make_event()
    make_registration(event)
    _login(auth, make_user)
    response = client.post(_download(event), data={"kind": "poster", "source": "confirmed"})
    assert response.status_code == 302
    assert _audit_entries(app) == []


def test_nobody_to_print_says_so(app, client, auth, make_user, make_event):
    event = make_event()
    _login(auth, make_user)
    response = client.post(
        _download(event),
        data={"kind": "table", "source": "confirmed"},
        headers=EN,
        follow_redirects=True,
    )
    assert "Nobody to print a card for." in response.get_data(as_text=True)
    assert _audit_entries(app) == []


def test_csrf_token_is_required(app, client, auth, make_user, make_event, make_registration):
    event = make_event()
    make_registration(event)
    _login(auth, make_user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(_download(event), data={"kind": "table", "source": "confirmed"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code in (302, 400)
    assert response.mimetype != "application/pdf"
    assert _audit_entries(app) == []

"""The public programme pages and exports: published data only, both languages, caching."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from tests.services.schedule_support import (
    add_delegate,
    add_person,
    add_room,
    add_session,
    add_signing,
    add_witness,
    enrol,
)
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, PersonRole, ProgrammeKind, Session, Track
from wadconf.services.schedule_publish import publish_schedule

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@dataclass
class Published:
    slug: str
    opening: str
    digital: str
    green: str
    signing: str
    workshop: str
    delegate_token: str


@pytest.fixture
def published(app, make_event) -> Published:
    """A published programme: a plenary, two tracks, a signing ceremony, an enrolled workshop."""
    detached = make_event()
    with app.app_context(), write_intent():
        event = db.session.get(Event, detached.id)
        hall = add_room(
            event, "main-hall", name_zh="主会场", name_en="Main hall", location_en="Level 1"
        )
        room_b = add_room(event, "room-b", name_zh="B厅", name_en="Room B", position=1)
        tracks = {}
        for code, name_zh, colour in (
            ("digital", "数字化", "#117733"),
            ("green", "绿色", "#aa3377"),
        ):
            tracks[code] = Track(
                event_id=event.id, code=code, name_zh=name_zh, name_en=code.title(), colour=colour
            )
            db.session.add(tracks[code])
        db.session.flush()
        opening = add_session(
            event,
            "Opening ceremony",
            "09:00",
            "10:00",
            room=hall,
            title_zh="开幕式",
            kind=ProgrammeKind.PLENARY,
        )
        speaker = add_delegate(event, name_zh="张三", name_en="Zhang San")
        add_person(opening, speaker, role=PersonRole.CHAIR, job_title_en="Director")
        digital = add_session(
            event,
            "Digital session",
            "10:30",
            "12:00",
            room=hall,
            title_zh="数字化分论坛",
            track_id=tracks["digital"].id,
        )
        green = add_session(
            event,
            "Green session",
            "10:30",
            "12:00",
            room=room_b,
            title_zh="绿色分论坛",
            track_id=tracks["green"].id,
        )
        signing = add_session(
            event,
            "Signing ceremony",
            "13:00",
            "13:30",
            room=hall,
            title_zh="签约仪式",
            kind=ProgrammeKind.SIGNING_CEREMONY,
        )
        agreement = add_signing(signing, add_delegate(event, name_zh="李四", name_en="Li Si"))
        add_witness(agreement, name_zh="王五", name_en="Wang Wu")
        workshop = add_session(
            event,
            "Workshop",
            "14:00",
            "15:00",
            room=room_b,
            title_zh="研讨会",
            requires_enrolment=True,
        )
        delegate = add_delegate(event)
        enrol(workshop, delegate)
        publish_schedule(event)
        db.session.commit()
        return Published(
            event.slug,
            opening.token,
            digital.token,
            green.token,
            signing.token,
            workshop.token,
            delegate.manage_token,
        )


def _edit_unpublished(app, token: str, **fields) -> None:
    with app.app_context(), write_intent():
        session = db.session.scalar(db.select(Session).where(Session.token == token))
        for name, value in fields.items():
            setattr(session, name, value)
        db.session.commit()


# --- the page ------------------------------------------------------------------------


def test_programme_page_before_publication_is_friendly(client, make_event):
    event = make_event()
    response = client.get(f"/events/{event.slug}/programme", headers=EN)
    assert response.status_code == 200
    assert b"has not been published yet" in response.data


def test_programme_of_unknown_or_unpublished_event_is_404(client, make_event):
    hidden = make_event(is_published=False)
    assert client.get("/events/nope/programme").status_code == 404
    assert client.get(f"/events/{hidden.slug}/programme").status_code == 404


def test_programme_shows_titles_in_both_languages(client, published):
    html = client.get(f"/events/{published.slug}/programme", headers=EN).get_data(as_text=True)
    assert "Opening ceremony" in html and "开幕式" in html
    assert 'lang="zh-Hans"' in html  # the second language is marked as such


def test_programme_in_chinese_puts_chinese_first(client, published):
    html = client.get(f"/events/{published.slug}/programme?view=list", headers=ZH).get_data(
        as_text=True
    )
    assert '<html lang="zh-Hans">' in html
    assert html.index("开幕式") < html.index("Opening ceremony")


def test_programme_grid_places_sessions_by_class_not_inline_style(client, published):
    html = client.get(f"/events/{published.slug}/programme", headers=EN).get_data(as_text=True)
    assert "cols-2" in html and "gs-2 ge-14 gc-2" in html  # opening 09:00-10:00, main hall
    assert "style=" not in html


def test_list_view_has_no_grid(client, published):
    html = client.get(f"/events/{published.slug}/programme?view=list", headers=EN).get_data(
        as_text=True
    )
    assert "agenda-grid" not in html
    assert f'data-token="{published.opening}"' in html


def test_track_filter_hides_other_tracks(client, published):
    html = client.get(
        f"/events/{published.slug}/programme?track=digital&view=list", headers=EN
    ).get_data(as_text=True)
    assert published.digital in html and published.opening in html
    assert published.green not in html


def test_unpublished_changes_are_not_shown(app, client, published):
    _edit_unpublished(app, published.opening, title_en="Secret new title")
    html = client.get(f"/events/{published.slug}/programme", headers=EN).get_data(as_text=True)
    assert "Secret new title" not in html and "Opening ceremony" in html


def test_day_without_rooms_shows_the_list_on_every_screen(app, client, make_event):
    detached = make_event()
    with app.app_context(), write_intent():
        event = db.session.get(Event, detached.id)
        add_session(event, "Outing", "09:00", "12:00")
        publish_schedule(event)
        db.session.commit()
    html = client.get(f"/events/{detached.slug}/programme", headers=EN).get_data(as_text=True)
    assert "agenda-grid" not in html
    assert '<ol class="agenda-list">' in html and "Outing" in html


def test_public_pages_are_cacheable_and_vary_by_language(client, published):
    response = client.get(f"/events/{published.slug}/programme", headers=EN)
    assert "public" in response.headers["Cache-Control"]
    assert "Accept-Language" in response.headers["Vary"]


def test_unchanged_calendar_answers_not_modified(client, published):
    first = client.get(f"/events/{published.slug}/programme.ics?lang=en")
    again = client.get(
        f"/events/{published.slug}/programme.ics?lang=en",
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_track_stylesheet_holds_track_colours(client, published):
    response = client.get(f"/events/{published.slug}/programme/tracks.css")
    assert response.mimetype == "text/css"
    assert ".track-1 { --track-colour: #117733; }" in response.get_data(as_text=True)


def test_event_page_links_to_the_programme(client, published):
    html = client.get(f"/events/{published.slug}/", headers=EN).get_data(as_text=True)
    assert f"/events/{published.slug}/programme" in html


# --- one session ---------------------------------------------------------------------


def test_session_page_shows_people_room_and_ics_link(client, published):
    html = client.get(
        f"/events/{published.slug}/programme/s/{published.opening}", headers=EN
    ).get_data(as_text=True)
    assert "Zhang San" in html and "Director" in html
    assert "Main hall" in html and "Level 1" in html
    assert "09:00" in html
    assert f"/programme/s/{published.opening}.ics" in html


def test_signing_ceremony_page_lists_signatories_and_witnesses(client, published):
    html = client.get(
        f"/events/{published.slug}/programme/s/{published.signing}", headers=EN
    ).get_data(as_text=True)
    assert "Li Si" in html and "Party A" in html and "Wang Wu" in html


def test_unknown_session_token_is_404(client, published):
    assert client.get(f"/events/{published.slug}/programme/s/nope").status_code == 404
    assert client.get(f"/events/{published.slug}/programme/s/nope.ics").status_code == 404


# --- exports ---------------------------------------------------------------------------


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def test_programme_ics_has_every_session_in_the_zone(client, published):
    response = client.get(f"/events/{published.slug}/programme.ics?lang=zh")
    assert ".ics" in response.headers["Content-Disposition"]
    events = {str(e["uid"]): e for e in _calendar(response).walk("VEVENT")}
    assert len(events) == 5
    opening = events[f"{published.opening}@wadconf"]
    assert str(opening["summary"]) == "开幕式"
    assert opening.decoded("dtstart").astimezone(UTC) == datetime(2025, 6, 5, 1, 0, tzinfo=UTC)
    assert str(opening["location"]) == "主会场, Level 1"  # no Chinese note: the English one


def test_programme_ics_follows_the_page_language_by_default(client, published):
    calendar = _calendar(client.get(f"/events/{published.slug}/programme.ics", headers=EN))
    titles = {str(e["summary"]) for e in calendar.walk("VEVENT")}
    assert "Opening ceremony" in titles


def test_session_ics_has_one_event(client, published):
    response = client.get(f"/events/{published.slug}/programme/s/{published.signing}.ics?lang=en")
    (vevent,) = _calendar(response).walk("VEVENT")
    assert str(vevent["uid"]) == f"{published.signing}@wadconf"
    assert str(vevent["summary"]) == "Signing ceremony"


def test_programme_json_validates(client, published):
    data = client.get(f"/events/{published.slug}/programme.json").get_json()
    assert data["format"] == "wadconf-programme/1" and data["version"] == 1
    assert {t["code"] for t in data["tracks"]} == {"digital", "green"}
    for session in data["sessions"]:
        assert datetime.fromisoformat(session["starts_at"]).utcoffset() is not None
        assert session["url"].endswith(f"/programme/s/{session['token']}")
        assert session["title_zh"] and session["title_en"]


def test_exports_before_publication_are_404(client, make_event):
    event = make_event()
    assert client.get(f"/events/{event.slug}/programme.ics").status_code == 404
    assert client.get(f"/events/{event.slug}/programme.json").status_code == 404


# --- the personal agenda ------------------------------------------------------------------


def test_personal_ics_has_open_and_enrolled_sessions(client, published):
    response = client.get(f"/r/{published.delegate_token}/agenda.ics")
    uids = {str(e["uid"]) for e in _calendar(response).walk("VEVENT")}
    assert f"{published.workshop}@wadconf" in uids
    assert f"{published.opening}@wadconf" in uids


def test_personal_ics_leaves_out_sessions_not_enrolled_in(client, published, app):
    with app.app_context(), write_intent():
        event = db.session.scalar(db.select(Event).where(Event.slug == published.slug))
        stranger = add_delegate(event)
        db.session.commit()
        token = stranger.manage_token
    uids = {str(e["uid"]) for e in _calendar(client.get(f"/r/{token}/agenda.ics")).walk("VEVENT")}
    assert f"{published.workshop}@wadconf" not in uids
    assert f"{published.opening}@wadconf" in uids


def test_personal_ics_is_private_and_sends_no_referrer(client, published):
    response = client.get(f"/r/{published.delegate_token}/agenda.ics")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_personal_ics_with_unknown_token_is_404(client, published):
    assert client.get("/r/not-a-token/agenda.ics").status_code == 404

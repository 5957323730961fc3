"""Organisers create and edit events through the admin pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select

from wadconf.extensions import db
from wadconf.models import AuditEntry, Event


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer", email="organiser@example.org")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


def form(**fields) -> dict[str, str]:
    """A filled-in event form, with ``fields`` replaced (``None`` leaves a field out)."""
    values = {
        "slug": "wad2025",
        "name_zh": "2025年世界认可日",
        "name_en": "World Accreditation Day 2025",
        "starts_on": "2025-06-05",
        "ends_on": "2025-06-05",
        "timezone": "Asia/Shanghai",
        "default_locale": "zh_Hans",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "is_published": "y",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def _event(app, slug: str) -> Event | None:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is not None:
            db.session.expunge(event)
        return event


def _count_events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Event))


def test_new_event_page_shows_the_form(client, organiser):
    response = client.get("/admin/events/new")
    assert response.status_code == 200
    assert b'name="slug"' in response.data
    assert b'<option selected value="Asia/Shanghai">' in response.data


def test_organiser_creates_an_event_through_the_form(app, client, organiser):
    response = client.post("/admin/events/new", data=form(venue_en=" Xiong'an "))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/events/wad2025/edit")
    event = _event(app, "wad2025")
    assert event.name_en == "World Accreditation Day 2025"
    assert event.venue_en == "Xiong'an"
    assert event.starts_on == date(2025, 6, 5)
    assert event.is_current is True
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.create"))
        assert entry.actor_id == organiser.id


def test_registration_opening_is_read_in_the_chosen_zone(app, client, organiser):
    client.post(
        "/admin/events/new",
        data=form(
            registration_opens_at="2025-05-01T09:00", registration_closes_at="2025-06-01T18:00"
        ),
    )
    event = _event(app, "wad2025")
    assert event.registration_opens_at == datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
    assert event.registration_closes_at == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)


def test_registration_opening_follows_another_chosen_zone(app, client, organiser):
    client.post(
        "/admin/events/new",
        data=form(timezone="Europe/Berlin", registration_opens_at="2025-05-01T09:00"),
    )
    assert _event(app, "wad2025").registration_opens_at == datetime(2025, 5, 1, 7, 0, tzinfo=UTC)


def test_duplicate_slug_rerenders_with_the_message_and_creates_nothing(
    app, client, organiser, make_event
):
    make_event(slug="wad2025")
    response = client.post("/admin/events/new", data=form(name_en="Second try"))
    assert response.status_code == 200
    assert b"Another event already uses this short name." in response.data
    assert b"slug_taken" not in response.data
    assert b'value="Second try"' in response.data  # what was typed is kept
    assert _count_events(app) == 1


def test_bad_slug_shows_its_message_and_creates_nothing(app, client, organiser):
    response = client.post("/admin/events/new", data=form(slug="wad 2025"))
    assert response.status_code == 200
    assert b"lower-case letters, digits and hyphens" in response.data
    assert _count_events(app) == 0


def test_registration_window_reversed_shows_its_message(app, client, organiser):
    response = client.post(
        "/admin/events/new",
        data=form(
            registration_opens_at="2025-05-02T09:00", registration_closes_at="2025-05-01T09:00"
        ),
    )
    assert b"Registration must close after it opens." in response.data
    assert _count_events(app) == 0


def test_missing_required_field_shows_a_field_error(app, client, organiser):
    response = client.post("/admin/events/new", data=form(starts_on=None))
    assert response.status_code == 200
    assert b'class="error"' in response.data
    assert _count_events(app) == 0


def test_form_error_is_shown_in_the_chosen_language(app, client, organiser, make_event):
    make_event(slug="wad2025")
    client.set_cookie("wadconf_lang", "zh_Hans")
    with app.test_request_context(), force_locale("zh_Hans"):
        expected = gettext("Another event already uses this short name.")
    page = client.post("/admin/events/new", data=form()).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    assert escape(expected) in page
    assert _count_events(app) == 1


def test_edit_page_shows_registration_in_the_event_zone(client, organiser, make_event):
    make_event(slug="wad2025", registration_opens_at=datetime(2025, 5, 1, 1, 0, tzinfo=UTC))
    response = client.get("/admin/events/wad2025/edit")
    assert response.status_code == 200
    assert b'value="2025-05-01T09:00"' in response.data


def test_edit_page_saves_changes(app, client, organiser, make_event):
    make_event(slug="wad2025", registration_opens_at=datetime(2025, 5, 1, 1, 0, tzinfo=UTC))
    response = client.post(
        "/admin/events/wad2025/edit",
        data=form(name_en="Renamed", venue_zh="雄安", registration_opens_at="2025-05-01T09:00"),
    )
    assert response.status_code == 302
    event = _event(app, "wad2025")
    assert event.name_en == "Renamed"
    assert event.venue_zh == "雄安"
    assert event.registration_opens_at == datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.update"))
        assert sorted(entry.details["fields"]) == ["name_en", "name_zh", "venue_zh"]


def test_edit_page_can_rename_the_slug(app, client, organiser, make_event):
    make_event(slug="wad2025")
    response = client.post("/admin/events/wad2025/edit", data=form(slug="wad-2025"))
    assert response.headers["Location"].endswith("/admin/events/wad-2025/edit")
    assert _event(app, "wad2025") is None
    assert _event(app, "wad-2025") is not None


def test_edit_page_refuses_a_taken_slug(app, client, organiser, make_event):
    make_event(slug="other")
    make_event(slug="wad2025")
    response = client.post("/admin/events/wad2025/edit", data=form(slug="other", name_en="X"))
    assert response.status_code == 200
    assert b"Another event already uses this short name." in response.data
    assert _event(app, "wad2025").name_en == "Test Conference"


def test_edit_page_of_an_unknown_event_is_not_found(client, organiser):
    assert client.get("/admin/events/nothing/edit").status_code == 404


def test_make_current_post_switches_the_current_event(app, client, organiser, make_event):
    make_event(slug="first")
    make_event(slug="second")
    response = client.post("/admin/events/second/current")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/events/")
    assert _event(app, "second").is_current is True
    assert _event(app, "first").is_current is False


def test_events_page_marks_the_current_event(client, organiser, make_event):
    make_event(slug="first")
    make_event(slug="second")
    page = client.get("/admin/events/").get_data(as_text=True)
    assert "Current" in page
    assert "/admin/events/second/current" in page
    assert "/admin/events/first/current" not in page


def test_registration_times_on_edit_are_read_in_the_event_zone_again(
    app, client, organiser, make_event
):
    make_event(slug="wad2025", timezone="Asia/Shanghai")
    client.post("/admin/events/wad2025/edit", data=form(registration_opens_at="2025-05-01T09:00"))
    opens = _event(app, "wad2025").registration_opens_at
    assert opens.astimezone(ZoneInfo("Asia/Shanghai")).hour == 9

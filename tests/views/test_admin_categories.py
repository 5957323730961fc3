"""Organisers edit an event's delegate categories."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import DelegateCategory, Event

URL = "/admin/events/wad2025/categories"


@pytest.fixture
def organiser(client, auth, make_user):
    """Log the client in as an organiser, reading pages in English."""
    user = make_user(role="organizer")
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", "en")
    return user


@pytest.fixture
def event(make_event):
    """The event whose categories the tests edit."""
    return make_event(slug="wad2025")


def categories(app) -> list[DelegateCategory]:
    """The event's categories in display order (detached)."""
    with app.app_context():
        found = list(
            db.session.scalars(
                select(DelegateCategory)
                .join(Event)
                .where(Event.slug == "wad2025")
                .order_by(DelegateCategory.position, DelegateCategory.id)
            )
        )
        db.session.expunge_all()
        return found


def by_code(app, code: str) -> DelegateCategory:
    """The event's category ``code``."""
    return next(c for c in categories(app) if c.code == code)


def test_page_lists_the_default_categories(client, organiser, event):
    page = client.get(f"{URL}/")
    assert page.status_code == 200
    assert b"Government official" in page.data and b"<code>media</code>" in page.data


def test_organiser_renames_a_category_and_sets_its_colour(app, client, organiser, event):
    media = by_code(app, "media")
    prefix = f"c{media.id}-"
    response = client.post(
        f"{URL}/{media.id}",
        data={
            prefix + "name_zh": "新闻媒体",
            prefix + "name_en": "Press",
            prefix + "colour": "#123456",
            prefix + "requires_approval": "y",
        },
    )
    assert response.status_code == 302
    media = by_code(app, "media")
    assert (media.name_zh, media.name_en, media.colour, media.requires_approval) == (
        "新闻媒体",
        "Press",
        "#123456",
        True,
    )


def test_rename_without_any_name_shows_the_error(app, client, organiser, event):
    media = by_code(app, "media")
    prefix = f"c{media.id}-"
    page = client.post(
        f"{URL}/{media.id}",
        data={prefix + "name_zh": "", prefix + "name_en": "", prefix + "colour": "#123456"},
    )
    assert page.status_code == 200
    assert b"Give the category a name in Chinese or English." in page.data
    assert by_code(app, "media").name_en == "Media"


def test_organiser_adds_a_category(app, client, organiser, event):
    response = client.post(
        f"{URL}/new",
        data={
            "new-code": "guest",
            "new-name_zh": "特邀嘉宾",
            "new-name_en": "Guest",
            "new-colour": "#aa0000",
        },
    )
    assert response.status_code == 302
    assert categories(app)[-1].code == "guest"


def test_adding_a_taken_code_keeps_the_form_and_shows_why(app, client, organiser, event):
    page = client.post(
        f"{URL}/new", data={"new-code": "media", "new-name_en": "Again", "new-colour": "#aa0000"}
    )
    assert b"already has a category with this code" in page.data
    assert b'value="Again"' in page.data


def test_organiser_moves_a_category_up(app, client, organiser, event):
    before = [c.code for c in categories(app)]
    client.post(f"{URL}/{by_code(app, before[2]).id}/move", data={"direction": "up"})
    assert [c.code for c in categories(app)][1:3] == [before[2], before[1]]


def test_another_events_category_is_not_found(app, client, organiser, event, make_event):
    other = make_event()
    with app.app_context():
        theirs = db.session.scalar(
            select(DelegateCategory.id).where(DelegateCategory.event_id == other.id)
        )
    assert client.post(f"{URL}/{theirs}/move", data={"direction": "up"}).status_code == 404

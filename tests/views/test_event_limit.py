"""A staff account limited to one event (StaffUser.event_id) cannot work on another event."""

from __future__ import annotations

import pytest

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import StaffUser


@pytest.fixture
def two_events(make_event):
    return make_event(slug="mine"), make_event(slug="other")


@pytest.fixture
def limited_organiser(app, client, auth, make_user, two_events):
    user = make_user("organizer")
    with app.app_context(), write_intent():
        db.session.get(StaffUser, user.id).event_id = two_events[0].id
        db.session.commit()
    auth.login(user.email)
    return user


PAGES = [
    "/admin/events/{slug}/invitations/",
    "/admin/events/{slug}/registrations/",
    "/admin/events/{slug}/materials/",
    "/admin/events/{slug}/badges",
    "/admin/events/{slug}/checkpoints/",
    "/admin/events/{slug}/series/",
]


@pytest.mark.parametrize("page", PAGES)
def test_limited_organiser_is_refused_another_events_pages(client, limited_organiser, page):
    assert client.get(page.format(slug="other")).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_limited_organiser_opens_their_own_events_pages(client, limited_organiser, page):
    assert client.get(page.format(slug="mine")).status_code == 200

"""The waiting list through the pages: a delegate cancelling, the registration settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Event, OutboxMessage, Registration, RegistrationStatus

EN = {"Accept-Language": "en"}


@pytest.fixture
def organiser(auth, make_user):
    user = make_user("organizer")
    assert auth.login(user.email).status_code == 302
    return user


def status(app, registration) -> RegistrationStatus:
    with app.app_context():
        return db.session.get(Registration, registration.id).status


def stored_event(app, event) -> Event:
    with app.app_context():
        row = db.session.get(Event, event.id)
        db.session.expunge(row)
        return row


def event_form(event, **fields) -> dict[str, str]:
    """The edit form of ``event`` as the page fills it, with ``fields`` replaced."""
    values = {
        "slug": event.slug,
        "name_zh": event.name_zh,
        "name_en": event.name_en,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "default_locale": event.default_locale,
        "is_published": "y",
        "capacity": "" if event.capacity is None else str(event.capacity),
    }
    values.update(fields)
    return values


def test_delegate_cancelling_from_the_manage_link_promotes_the_oldest_waiting(
    app, client, make_event, make_registration
):
    event = make_event(capacity=1)
    seated = make_registration(event)
    newer = make_registration(event, status=RegistrationStatus.WAITLISTED)
    older = make_registration(
        event,
        status=RegistrationStatus.WAITLISTED,
        created_at=utcnow() - timedelta(hours=1),
        email="older@example.org",
    )
    assert client.post(f"/r/{seated.manage_token}/cancel").status_code == 302
    assert (status(app, older), status(app, newer)) == (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    )
    with app.app_context():
        promoted_to = db.session.scalars(
            select(OutboxMessage.to_address).where(
                OutboxMessage.kind.like("registration_promoted%")
            )
        ).all()
    assert promoted_to == ["older@example.org"]


def test_event_form_shows_the_registration_settings(client, organiser, make_event):
    event = make_event(capacity=120)
    html = client.get(f"/admin/events/{event.slug}/edit", headers=EN).get_data(as_text=True)
    assert "Registration settings" in html
    assert 'name="capacity"' in html and 'value="120"' in html
    for name in ("requires_approval", "asks_gender", "requires_id_document"):
        assert f'name="{name}"' in html


def test_event_form_saves_the_registration_settings(app, client, organiser, make_event):
    event = make_event()
    response = client.post(
        f"/admin/events/{event.slug}/edit",
        data=event_form(
            event, capacity="300", requires_approval="y", asks_gender="y", requires_id_document="y"
        ),
    )
    assert response.status_code == 302
    row = stored_event(app, event)
    assert (row.capacity, row.requires_approval, row.asks_gender, row.requires_id_document) == (
        300,
        True,
        True,
        True,
    )


def test_event_form_with_an_empty_capacity_removes_the_limit(app, client, organiser, make_event):
    event = make_event(capacity=50)
    client.post(f"/admin/events/{event.slug}/edit", data=event_form(event, capacity=""))
    assert stored_event(app, event).capacity is None


def test_event_form_refuses_a_negative_capacity(app, client, organiser, make_event):
    event = make_event(capacity=50)
    response = client.post(
        f"/admin/events/{event.slug}/edit", data=event_form(event, capacity="-1"), headers=EN
    )
    assert "Give a number of places from 0 to" in response.get_data(as_text=True)
    assert stored_event(app, event).capacity == 50


def test_raising_the_capacity_in_the_event_form_promotes_the_waiting(
    app, client, organiser, make_event, make_registration
):
    event = make_event(capacity=1)
    make_registration(event)
    queue = [
        make_registration(
            event, status=RegistrationStatus.WAITLISTED, created_at=utcnow() - timedelta(minutes=m)
        )
        for m in (3, 2, 1)
    ]
    client.post(f"/admin/events/{event.slug}/edit", data=event_form(event, capacity="3"))
    assert [status(app, r) for r in queue] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ]

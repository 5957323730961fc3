"""Conference editions: validation, which one is current, finding one by slug."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event
from wadconf.services import DomainError, events
from wadconf.services.events import EventData

SHANGHAI = ZoneInfo("Asia/Shanghai")


def data(slug: str = "wad2025", **fields) -> EventData:
    """Valid event data, with ``fields`` replaced."""
    values = {
        "name_zh": "2025年世界认可日",
        "name_en": "World Accreditation Day 2025",
        "starts_on": date(2025, 6, 5),
        "ends_on": date(2025, 6, 6),
    }
    values.update(fields)
    return EventData(slug=slug, **values)


def _refused(app, event_data: EventData) -> str:
    """The code ``create_event`` refuses ``event_data`` with."""
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            events.create_event(event_data)
        assert db.session.scalar(select(Event)) is None
    return exc.value.code


@pytest.mark.parametrize("slug", ["wad 2025", "wad_2025", "-wad", "w", "a" * 41, "", "wad/2025"])
def test_create_event_refuses_a_bad_slug(app, slug):
    assert _refused(app, data(slug)) == "bad_slug"


def test_create_event_lowercases_an_uppercase_slug(app):
    # Deliberate normalisation: "WAD2025" typed in a form is stored as "wad2025", not refused.
    with app.app_context(), write_intent():
        assert events.create_event(data(" WAD2025 ")).slug == "wad2025"


def test_create_event_accepts_a_slug_of_forty_characters(app):
    with app.app_context(), write_intent():
        assert events.create_event(data("a" * 40)).slug == "a" * 40


def test_create_event_refuses_a_taken_slug(app, make_event):
    make_event(slug="wad2025")
    with app.app_context(), write_intent():
        with pytest.raises(DomainError) as exc:
            events.create_event(data("wad2025"))
    assert exc.value.code == "slug_taken"


def test_create_event_refuses_a_missing_name(app):
    assert _refused(app, data(name_zh=" ", name_en="")) == "name_missing"


def test_create_event_refuses_reversed_dates(app):
    assert (
        _refused(app, data(starts_on=date(2025, 6, 6), ends_on=date(2025, 6, 5)))
        == "dates_reversed"
    )


def test_create_event_refuses_an_unknown_timezone(app):
    assert _refused(app, data(timezone="Mars/Olympus_Mons")) == "bad_timezone"


def test_create_event_refuses_an_unknown_locale(app):
    assert _refused(app, data(default_locale="fr")) == "bad_locale"


def test_create_event_refuses_registration_closing_before_it_opens(app):
    opens = datetime(2025, 5, 1, 9, 0, tzinfo=SHANGHAI)
    closes = datetime(2025, 4, 30, 9, 0, tzinfo=SHANGHAI)
    assert (
        _refused(app, data(registration_opens_at=opens, registration_closes_at=closes))
        == "registration_window_reversed"
    )


def test_create_event_refuses_registration_closing_when_it_opens(app):
    at = datetime(2025, 5, 1, 9, 0, tzinfo=SHANGHAI)
    assert (
        _refused(app, data(registration_opens_at=at, registration_closes_at=at))
        == "registration_window_reversed"
    )


def test_first_event_becomes_current_and_second_does_not(app):
    with app.app_context(), write_intent():
        first = events.create_event(data("first"))
        second = events.create_event(data("second"))
        assert first.is_current is True
        assert second.is_current is False


def test_create_event_audits_the_creation(app):
    with app.app_context(), write_intent():
        event = events.create_event(data("wad2025"))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.create"))
        assert entry.event_id == event.id
        assert entry.details == {"slug": "wad2025"}


def test_make_current_switches_the_current_event(app, make_event):
    first, second = make_event(slug="first"), make_event(slug="second")
    with app.app_context(), write_intent():
        events.make_current(db.session.get(Event, second.id))
        db.session.expire_all()
        assert db.session.get(Event, first.id).is_current is False
        assert db.session.get(Event, second.id).is_current is True
        assert events.current_event().slug == "second"


def test_update_event_returns_the_changed_fields_and_audits_them(app, make_event):
    made = make_event(slug="wad2025", name_en="Old name")
    with app.app_context(), write_intent():
        event = db.session.get(Event, made.id)
        new = EventData.from_event(event)
        new.name_en, new.venue_en = "New name", "Xiong'an"
        changed = events.update_event(event, new)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.update"))
        assert sorted(changed) == ["name_en", "venue_en"]
        assert event.name_en == "New name"
        assert entry.details == {"fields": changed}
        assert entry.event_id == event.id


def test_update_event_without_changes_records_nothing(app, make_event):
    made = make_event(registration_opens_at=datetime(2025, 5, 1, 1, 0, tzinfo=UTC))
    with app.app_context(), write_intent():
        event = db.session.get(Event, made.id)
        new = EventData.from_event(event)
        # The same instant given in another zone is no change.
        new.registration_opens_at = datetime(2025, 5, 1, 9, 0, tzinfo=SHANGHAI)
        assert events.update_event(event, new) == []
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.update")) is None
        )


def test_update_event_may_keep_its_own_slug_but_not_take_another(app, make_event):
    make_event(slug="taken")
    made = make_event(slug="mine")
    with app.app_context(), write_intent():
        event = db.session.get(Event, made.id)
        assert events.update_event(event, EventData.from_event(event)) == []
        new = EventData.from_event(event)
        new.slug = "taken"
        with pytest.raises(DomainError) as exc:
            events.update_event(event, new)
        assert event.slug == "mine"
    assert exc.value.code == "slug_taken"


def test_resolve_event_without_slug_returns_the_only_event(app, make_event):
    make_event(slug="only")
    with app.app_context():
        assert events.resolve_event(None).slug == "only"


def test_resolve_event_without_slug_returns_the_current_of_two(app, make_event):
    make_event(slug="first")
    second = make_event(slug="second")
    with app.app_context(), write_intent():
        events.make_current(db.session.get(Event, second.id))
        assert events.resolve_event(None).slug == "second"


def test_the_only_event_counts_as_current_even_when_not_marked(app, make_event):
    make_event(slug="only")
    with app.app_context(), write_intent():
        db.session.execute(update(Event).values(is_current=False))
        assert events.current_event().slug == "only"


def test_resolve_event_without_slug_refuses_two_events_with_none_current(app, make_event):
    make_event(slug="first")
    make_event(slug="second")
    with app.app_context(), write_intent():
        db.session.execute(update(Event).values(is_current=False))
        assert events.current_event() is None
        with pytest.raises(DomainError) as exc:
            events.resolve_event(None)
    assert exc.value.code == "no_event"


def test_resolve_event_refuses_an_unknown_slug(app, make_event):
    make_event(slug="wad2025")
    with app.app_context():
        with pytest.raises(DomainError) as exc:
            events.resolve_event("wad1999")
    assert exc.value.code == "unknown_event"
    assert "wad1999" in str(exc.value.message)


def test_resolve_event_without_any_event_is_no_event(app):
    with app.app_context():
        with pytest.raises(DomainError) as exc:
            events.resolve_event(None)
    assert exc.value.code == "no_event"


def test_list_events_can_leave_out_unpublished_ones(app, make_event):
    make_event(slug="shown")
    make_event(slug="hidden", is_published=False)
    with app.app_context():
        assert {e.slug for e in events.list_events()} == {"shown", "hidden"}
        assert [e.slug for e in events.list_events(published_only=True)] == ["shown"]


def test_registration_times_round_trip_as_aware_utc(app):
    opens = datetime(2025, 5, 1, 9, 0, tzinfo=SHANGHAI)
    closes = datetime(2025, 6, 1, 18, 30, tzinfo=SHANGHAI)
    with app.app_context(), write_intent():
        events.create_event(data(registration_opens_at=opens, registration_closes_at=closes))
        db.session.commit()
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "wad2025"))
        assert event.registration_opens_at == opens
        assert event.registration_opens_at.tzinfo is UTC
        assert event.registration_opens_at.hour == 1
        assert event.registration_closes_at == closes
        assert event.registration_closes_at.tzinfo is UTC
        assert event.created_at.tzinfo is UTC


def test_a_naive_datetime_is_refused_on_write(app):
    with app.app_context(), write_intent():
        with pytest.raises(Exception, match="naive datetime"):
            events.create_event(data(registration_opens_at=datetime(2025, 5, 1, 9, 0)))


def test_registration_is_open_only_inside_its_window(app, make_event):
    event = make_event(
        registration_opens_at=datetime(2025, 5, 1, 9, 0, tzinfo=SHANGHAI),
        registration_closes_at=datetime(2025, 6, 1, 9, 0, tzinfo=SHANGHAI),
    )
    assert not event.registration_is_open(datetime(2025, 5, 1, 0, 59, tzinfo=UTC))
    assert event.registration_is_open(datetime(2025, 5, 1, 1, 0, tzinfo=UTC))
    assert not event.registration_is_open(datetime(2025, 6, 1, 1, 0, tzinfo=UTC))

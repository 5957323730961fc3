"""Conference editions: creation, editing, which one is current."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from wadconf.extensions import db
from wadconf.models import Event, StaffUser
from wadconf.services import DomainError, audit, waitlist
from wadconf.services import registration as registration_service

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
#: Far above any venue; stops a typo of three extra zeros.
MAX_CAPACITY = 100_000


@dataclass
class EventData:
    """What an organiser fills in for an event. Datetimes are aware."""

    slug: str
    name_zh: str
    name_en: str
    starts_on: date
    ends_on: date
    timezone: str = "Asia/Shanghai"
    theme_zh: str = ""
    theme_en: str = ""
    intl_theme_zh: str = ""
    intl_theme_en: str = ""
    organiser_zh: str = ""
    organiser_en: str = ""
    venue_zh: str = ""
    venue_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    default_locale: str = "zh_Hans"
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    is_published: bool = True
    #: Registration settings: beyond ``capacity`` (confirmed + pending) registrations wait.
    capacity: int | None = None
    requires_approval: bool = False
    asks_gender: bool = False
    requires_id_document: bool = False

    @classmethod
    def from_event(cls, event: Event) -> EventData:
        """The editable fields of an existing event."""
        return cls(**{f.name: getattr(event, f.name) for f in fields(cls)})


def _validate(data: EventData, *, existing: Event | None) -> None:
    data.slug = data.slug.strip().lower()
    if not SLUG_RE.match(data.slug):
        raise DomainError(
            "bad_slug",
            _l("The short name may use lower-case letters, digits and hyphens (2 to 40)."),
        )
    taken = db.session.scalar(select(Event.id).where(Event.slug == data.slug))
    if taken is not None and (existing is None or taken != existing.id):
        raise DomainError("slug_taken", _l("Another event already uses this short name."))
    if not (data.name_zh.strip() or data.name_en.strip()):
        raise DomainError("name_missing", _l("Give the event a name in Chinese or English."))
    if data.ends_on < data.starts_on:
        raise DomainError("dates_reversed", _l("The last day is before the first day."))
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError("bad_timezone", _l("Unknown time zone.")) from exc
    if data.default_locale not in {"zh_Hans", "en"}:
        raise DomainError("bad_locale", _l("Unknown language."))
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and closes <= opens:
        raise DomainError(
            "registration_window_reversed", _l("Registration must close after it opens.")
        )
    if data.capacity is not None and not 0 <= data.capacity <= MAX_CAPACITY:
        raise DomainError(
            "bad_capacity",
            _l("The capacity is a number of places from 0 to %(n)d.", n=MAX_CAPACITY),
        )


def create_event(data: EventData, *, by: StaffUser | None = None) -> Event:
    """Create an event; the first one becomes current."""
    _validate(data, existing=None)
    event = Event(**{f.name: getattr(data, f.name) for f in fields(EventData)})
    event.is_current = db.session.scalar(select(Event.id).limit(1)) is None
    db.session.add(event)
    db.session.flush()
    from wadconf.services.categories import ensure_default_categories

    ensure_default_categories(event)
    audit.record(
        "event.create", obj=event, actor=by, event_id=event.id, details={"slug": event.slug}
    )
    return event


def update_event(event: Event, data: EventData, *, by: StaffUser | None = None) -> list[str]:
    """Apply ``data`` to ``event``; returns the names of the fields that changed.

    A capacity raised (or removed) promotes waitlisted registrations into the new places, in
    this transaction.
    """
    _validate(data, existing=event)
    # Locked before anything is read or changed: registrations and cancellations also lock the
    # event first, so the places counted below cannot be taken meanwhile (PostgreSQL).
    event = registration_service.lock_event(event)
    changed = []
    for f in fields(EventData):
        new = getattr(data, f.name)
        if getattr(event, f.name) != new:
            changed.append(f.name)
            setattr(event, f.name, new)
    if changed:
        db.session.flush()
        audit.record(
            "event.update", obj=event, actor=by, event_id=event.id, details={"fields": changed}
        )
    if "capacity" in changed:
        waitlist.promote_waitlisted(event, by=by)
    return changed


def make_current(event: Event, *, by: StaffUser | None = None) -> None:
    """Make ``event`` the edition used when none is named."""
    db.session.execute(update(Event).where(Event.id != event.id).values(is_current=False))
    event.is_current = True
    db.session.flush()
    audit.record("event.make_current", obj=event, actor=by, event_id=event.id)


def get_event(slug: str) -> Event | None:
    """The event with this short name."""
    return db.session.scalar(select(Event).where(Event.slug == slug))


def list_events(*, published_only: bool = False) -> list[Event]:
    """Events, newest first."""
    query = select(Event).order_by(Event.starts_on.desc())
    if published_only:
        query = query.where(Event.is_published.is_(True))
    return list(db.session.scalars(query))


def current_event() -> Event | None:
    """The event marked current, else the only one there is."""
    event = db.session.scalar(select(Event).where(Event.is_current.is_(True)))
    if event is not None:
        return event
    events = list(db.session.scalars(select(Event).limit(2)))
    return events[0] if len(events) == 1 else None


def resolve_event(slug: str | None) -> Event:
    """The event named by ``slug``, or the current one; raises ``no_event``/``unknown_event``."""
    if slug:
        event = get_event(slug)
        if event is None:
            raise DomainError(
                "unknown_event", _l("No event has the short name %(slug)s.", slug=slug)
            )
        return event
    event = current_event()
    if event is None:
        raise DomainError("no_event", _l("There is no current event; name one with --event."))
    return event

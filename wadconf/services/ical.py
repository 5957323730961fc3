"""iCalendar (RFC 5545) of the published programme, one session, or a delegate's agenda.

Each session is a VEVENT whose UID is ``<session token>@wadconf`` (stable across
publications, so calendar apps update rather than duplicate) and whose SEQUENCE is the
publication number; DTSTART/DTEND carry the event's zone (TZID) and the calendar holds
its VTIMEZONE. SUMMARY is in the requested language, DESCRIPTION adds the other one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as VEvent

from wadconf.services.agenda import AgendaSession, PersonalSession, Programme

PRODID = "-//wadconf//programme//EN"
UID_DOMAIN = "wadconf"


def pick_text(obj, field: str, lang: str) -> tuple[str, str]:
    """(the field in ``lang``, in the other language), each falling back to the other."""
    zh, en = getattr(obj, f"{field}_zh", "") or "", getattr(obj, f"{field}_en", "") or ""
    first, second = (zh, en) if lang == "zh" else (en, zh)
    return first or second, second if first else ""


def session_uid(token: str) -> str:
    return f"{token}@{UID_DOMAIN}"


def _description(session: AgendaSession, lang: str, url: str | None) -> str:
    title, other_title = pick_text(session, "title", lang)
    text, other_text = pick_text(session, "description", lang)
    lines = [part for part in (text, other_title if other_title != title else "", other_text)]
    people = []
    for person in session.people:
        name, _ = pick_text(person, "name", lang)
        job, _ = pick_text(person, "job_title", lang)
        people.append(f"{name} ({job})" if job else name)
    if people:
        lines.append("; ".join(people))
    for agreement in session.agreements:
        lines.append(pick_text(agreement, "title", lang)[0])
    if url:
        lines.append(url)
    return "\n\n".join(line for line in lines if line)


def _location(session: AgendaSession, lang: str) -> str:
    if session.room is None:
        return ""
    name = pick_text(session.room, "name", lang)[0]
    where = pick_text(session.room, "location", lang)[0]
    return f"{name}, {where}" if where else name


def session_event(
    session: AgendaSession,
    *,
    sequence: int,
    lang: str,
    stamp: datetime,
    url: str | None = None,
    tentative: bool = False,
) -> VEvent:
    """One VEVENT (times in the event's zone, as the agenda shows them)."""
    event = VEvent()
    event.add("uid", session_uid(session.token))
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", pick_text(session, "title", lang)[0])
    description = _description(session, lang, url)
    if description:
        event.add("description", description)
    location = _location(session, lang)
    if location:
        event.add("location", location)
    if session.track is not None:
        event.add("categories", [pick_text(session.track, "name", lang)[0]])
    if url:
        event.add("url", url)
    event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    return event


def _calendar(programme: Programme, name: str, events: Iterable[VEvent]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", programme.zone.key)
    for event in events:
        calendar.add_component(event)
    # The zone's rules around the programme's dates only: small, and what clients need.
    days = [s.starts_at.date() for s in programme.sessions] or [programme.published_at.date()]
    calendar.add_missing_timezones(
        first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366)
    )
    return calendar.to_ical()


def calendar_name(programme: Programme, lang: str) -> str:
    return pick_text(programme.event, "name", lang)[0]


def programme_calendar(
    programme: Programme,
    sessions: Iterable[AgendaSession],
    *,
    lang: str,
    url_for_session: Callable[[str], str] | None = None,
    name: str | None = None,
) -> bytes:
    """The calendar of ``sessions`` (the programme, a filtered part, or one session)."""
    stamp = _stamp(programme)
    events = [
        session_event(
            s,
            sequence=programme.version,
            lang=lang,
            stamp=stamp,
            url=url_for_session(s.token) if url_for_session else None,
        )
        for s in sessions
    ]
    return _calendar(programme, name or calendar_name(programme, lang), events)


def personal_calendar(
    programme: Programme,
    agenda: Iterable[PersonalSession],
    *,
    lang: str,
    name: str,
    url_for_session: Callable[[str], str] | None = None,
) -> bytes:
    """A delegate's agenda; waitlisted sessions are TENTATIVE."""
    stamp = _stamp(programme)
    events = [
        session_event(
            item.session,
            sequence=programme.version,
            lang=lang,
            stamp=stamp,
            url=url_for_session(item.session.token) if url_for_session else None,
            tentative=item.is_tentative,
        )
        for item in agenda
    ]
    return _calendar(programme, name, events)


def _stamp(programme: Programme) -> datetime:
    """DTSTAMP: when the publication was made (stable for caches and diffing), in UTC."""
    stamp = programme.published_at
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).replace(microsecond=0)

"""The published programme as delegates see it: days, rooms, sessions, a track filter.

Everything here reads the latest :class:`~wadconf.models.ScheduleVersion` snapshot
(see :mod:`wadconf.services.schedule_publish`), never the organisers' working copy,
so unpublished edits stay invisible. Times are turned into the event's zone.
The grid layout of a day is in :mod:`wadconf.services.agenda_grid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    Enrolment,
    EnrolmentStatus,
    Event,
    Registration,
    ScheduleVersion,
    Session,
    SessionPerson,
    Signatory,
    Witness,
)
from wadconf.services.agenda_grid import AgendaDay, lay_out
from wadconf.services.schedule_publish import latest_version


@dataclass(frozen=True)
class AgendaRoom:
    code: str
    name_zh: str
    name_en: str
    location_zh: str
    location_en: str
    capacity: int | None


@dataclass(frozen=True)
class AgendaTrack:
    code: str
    name_zh: str
    name_en: str
    colour: str
    #: Position among the event's tracks, 1-based (CSS class ``track-N`` colours by it).
    number: int


@dataclass(frozen=True)
class AgendaPerson:
    role: str
    name_zh: str
    name_en: str
    organisation_zh: str = ""
    organisation_en: str = ""
    job_title_zh: str = ""
    job_title_en: str = ""


@dataclass(frozen=True)
class AgendaSignatory:
    name_zh: str
    name_en: str
    job_title_zh: str
    job_title_en: str
    signing_order: int
    party_zh: str
    party_en: str


@dataclass(frozen=True)
class AgendaParty:
    name_zh: str
    name_en: str
    signatories: list[AgendaSignatory]


@dataclass(frozen=True)
class AgendaAgreement:
    title_zh: str
    title_en: str
    parties: list[AgendaParty]
    witnesses: list[AgendaPerson]

    @property
    def signing_order(self) -> list[AgendaSignatory]:
        """Every party's signatories in the order the organisers arranged."""
        everyone = [s for party in self.parties for s in party.signatories]
        return sorted(everyone, key=lambda s: s.signing_order)


@dataclass(frozen=True)
class AgendaSession:
    token: str
    kind: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    #: Aware datetimes in the event's zone.
    starts_at: datetime
    ends_at: datetime
    room: AgendaRoom | None
    track: AgendaTrack | None
    capacity: int | None
    requires_enrolment: bool
    people: list[AgendaPerson]
    agreements: list[AgendaAgreement]

    @property
    def day(self) -> date:
        return self.starts_at.date()


@dataclass
class Programme:
    """One publication, ready for the page, the exports and iCalendar."""

    event: Event
    version: int
    published_at: datetime
    zone: ZoneInfo
    rooms: list[AgendaRoom]
    tracks: list[AgendaTrack]
    sessions: list[AgendaSession]

    def session(self, token: str) -> AgendaSession | None:
        return next((s for s in self.sessions if s.token == token), None)

    def track(self, code: str | None) -> AgendaTrack | None:
        return next((t for t in self.tracks if t.code == code), None)

    def filtered(self, track: AgendaTrack | None) -> list[AgendaSession]:
        """Sessions of ``track`` and those of no track (plenary, breaks: for everyone)."""
        if track is None:
            return list(self.sessions)
        return [s for s in self.sessions if s.track is None or s.track.code == track.code]

    def days(self, track: AgendaTrack | None = None) -> list[AgendaDay]:
        """The (filtered) sessions grouped by local day, each day laid out as a grid."""
        by_day: dict[date, list[AgendaSession]] = {}
        for session in self.filtered(track):
            by_day.setdefault(session.day, []).append(session)
        return [lay_out(day, sessions, self.rooms) for day, sessions in sorted(by_day.items())]


def _room(data: dict[str, Any]) -> AgendaRoom:
    return AgendaRoom(
        code=data["code"],
        name_zh=data.get("name_zh", ""),
        name_en=data.get("name_en", ""),
        location_zh=data.get("location_zh", ""),
        location_en=data.get("location_en", ""),
        capacity=data.get("capacity"),
    )


def _person(data: dict[str, Any], role: str = "") -> AgendaPerson:
    return AgendaPerson(
        role=data.get("role", role),
        name_zh=data.get("name_zh", ""),
        name_en=data.get("name_en", ""),
        organisation_zh=data.get("organisation_zh", ""),
        organisation_en=data.get("organisation_en", ""),
        job_title_zh=data.get("job_title_zh", ""),
        job_title_en=data.get("job_title_en", ""),
    )


def _agreement(data: dict[str, Any]) -> AgendaAgreement:
    parties = [
        AgendaParty(
            name_zh=p.get("name_zh", ""),
            name_en=p.get("name_en", ""),
            signatories=[
                AgendaSignatory(
                    name_zh=s.get("name_zh", ""),
                    name_en=s.get("name_en", ""),
                    job_title_zh=s.get("job_title_zh", ""),
                    job_title_en=s.get("job_title_en", ""),
                    signing_order=s.get("signing_order", 0),
                    party_zh=p.get("name_zh", ""),
                    party_en=p.get("name_en", ""),
                )
                for s in p.get("signatories", [])
            ],
        )
        for p in data.get("parties", [])
    ]
    return AgendaAgreement(
        title_zh=data.get("title_zh", ""),
        title_en=data.get("title_en", ""),
        parties=parties,
        witnesses=[_person(w, "witness") for w in data.get("witnesses", [])],
    )


def _aware(value: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(value).astimezone(zone)


def programme_from_snapshot(event: Event, version: ScheduleVersion) -> Programme:
    """The view model of one publication."""
    snapshot = version.snapshot or {}
    zone = ZoneInfo(snapshot.get("event", {}).get("timezone") or event.timezone)
    rooms = [_room(r) for r in snapshot.get("rooms", [])]
    tracks = [
        AgendaTrack(
            code=t["code"],
            name_zh=t.get("name_zh", ""),
            name_en=t.get("name_en", ""),
            colour=t.get("colour", ""),
            number=number,
        )
        for number, t in enumerate(snapshot.get("tracks", []), start=1)
    ]
    rooms_by_code = {r.code: r for r in rooms}
    tracks_by_code = {t.code: t for t in tracks}
    sessions = [
        AgendaSession(
            token=s["token"],
            kind=s.get("kind", "other"),
            title_zh=s.get("title_zh", ""),
            title_en=s.get("title_en", ""),
            description_zh=s.get("description_zh", ""),
            description_en=s.get("description_en", ""),
            starts_at=_aware(s["starts_at"], zone),
            ends_at=_aware(s["ends_at"], zone),
            room=rooms_by_code.get(s.get("room")),
            track=tracks_by_code.get(s.get("track")),
            capacity=s.get("capacity"),
            requires_enrolment=bool(s.get("requires_enrolment")),
            people=[_person(p) for p in s.get("people", [])],
            agreements=[_agreement(a) for a in s.get("agreements", [])],
        )
        for s in snapshot.get("sessions", [])
    ]
    sessions.sort(key=lambda s: (s.starts_at, s.ends_at))
    return Programme(
        event=event,
        version=version.number,
        published_at=version.published_at,
        zone=zone,
        rooms=rooms,
        tracks=tracks,
        sessions=sessions,
    )


def published_programme(event: Event) -> Programme | None:
    """What delegates see now, or ``None`` before the first publication."""
    version = latest_version(event)
    return programme_from_snapshot(event, version) if version is not None else None


# --- A delegate's personal agenda -------------------------------------------------


@dataclass(frozen=True)
class PersonalSession:
    """A published session on a delegate's agenda, and why it is there."""

    session: AgendaSession
    #: ``open`` (needs no enrolment), ``enrolled``, ``waitlisted`` or ``role`` (only a role).
    status: str
    #: What the delegate does there: chair, speaker, moderator, guest_of_honour, signatory, witness.
    roles: tuple[str, ...]

    @property
    def is_tentative(self) -> bool:
        """Waitlisted: on the agenda, but not a place yet (iCalendar STATUS:TENTATIVE)."""
        return self.status == "waitlisted"


def _tokens_with_roles(registration: Registration) -> dict[str, set[str]]:
    """Session token -> the delegate's roles there (working copy; filtered by the snapshot)."""
    roles: dict[str, set[str]] = {}
    people = db.session.execute(
        select(Session.token, SessionPerson.role)
        .join(SessionPerson, SessionPerson.session_id == Session.id)
        .where(SessionPerson.registration_id == registration.id)
    ).all()
    for token, role in people:
        roles.setdefault(token, set()).add(str(role))
    signing = db.session.execute(
        select(Session.token)
        .join(Agreement, Agreement.session_id == Session.id)
        .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
        .join(Signatory, Signatory.party_id == AgreementParty.id)
        .where(Signatory.registration_id == registration.id)
    ).scalars()
    for token in signing:
        roles.setdefault(token, set()).add("signatory")
    witnessing = db.session.execute(
        select(Session.token)
        .join(Agreement, Agreement.session_id == Session.id)
        .join(Witness, Witness.agreement_id == Agreement.id)
        .where(Witness.registration_id == registration.id)
    ).scalars()
    for token in witnessing:
        roles.setdefault(token, set()).add("witness")
    return roles


def _enrolments(registration: Registration) -> dict[str, str]:
    """Session token -> ``enrolled`` / ``waitlisted`` for the delegate's live enrolments."""
    rows = db.session.execute(
        select(Session.token, Enrolment.status)
        .join(Enrolment, Enrolment.session_id == Session.id)
        .where(
            Enrolment.registration_id == registration.id,
            Enrolment.status.in_([EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED]),
        )
    ).all()
    return {token: str(status) for token, status in rows}


def personal_agenda(registration: Registration) -> list[PersonalSession]:
    """The published sessions a delegate will attend, in time order.

    A delegate expects on their agenda: every session open to all (no enrolment
    needed: plenary, releases, ceremonies, breaks), the sessions they enrolled in,
    the ones where they are on the waiting list (marked ``waitlisted``, TENTATIVE in
    iCalendar), and every session where they have a role (chair, speaker, moderator,
    guest of honour, signatory, witness) even if it requires enrolment. Sessions
    needing enrolment they did not enrol in are left out. Only the published
    programme counts; a cancelled registration has an empty agenda.
    """
    if not registration.is_active:
        return []
    programme = published_programme(registration.event)
    if programme is None:
        return []
    roles = _tokens_with_roles(registration)
    enrolments = _enrolments(registration)
    agenda = []
    for session in programme.sessions:
        mine = tuple(sorted(roles.get(session.token, ())))
        enrolment = enrolments.get(session.token)
        if enrolment is not None:
            status = enrolment
        elif not session.requires_enrolment:
            status = "open"
        elif mine:
            status = "role"
        else:
            continue
        agenda.append(PersonalSession(session, status, mine))
    return agenda


def personal_sessions(registration: Registration) -> list[dict[str, Any]]:
    """:func:`personal_agenda` as plain dicts (for templates and JSON; see :func:`session_json`).

    Each dict is the session's JSON export plus ``status`` (``open``, ``enrolled``,
    ``waitlisted``, ``role``) and ``roles`` (list of role codes).
    """
    return [
        {**session_json(item.session), "status": item.status, "roles": list(item.roles)}
        for item in personal_agenda(registration)
    ]


# --- The JSON export ----------------------------------------------------------------

#: Name and version of the JSON export's shape; bumped on incompatible changes.
JSON_FORMAT = "wadconf-programme/1"


def _bilingual(obj: Any, *fields: str) -> dict[str, str]:
    return {f"{f}_{lang}": getattr(obj, f"{f}_{lang}") for f in fields for lang in ("zh", "en")}


def session_json(session: AgendaSession) -> dict[str, Any]:
    """One session in the JSON export (stable keys; times ISO 8601 with the zone's offset)."""
    return {
        "token": session.token,
        "kind": session.kind,
        **_bilingual(session, "title", "description"),
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "room": session.room.code if session.room else None,
        "track": session.track.code if session.track else None,
        "requires_enrolment": session.requires_enrolment,
        "capacity": session.capacity,
        "people": [
            {"role": p.role, **_bilingual(p, "name", "organisation", "job_title")}
            for p in session.people
        ],
        "agreements": [
            {
                **_bilingual(a, "title"),
                "parties": [
                    {
                        **_bilingual(party, "name"),
                        "signatories": [
                            {
                                **_bilingual(s, "name", "job_title"),
                                "signing_order": s.signing_order,
                            }
                            for s in party.signatories
                        ],
                    }
                    for party in a.parties
                ],
                "witnesses": [
                    _bilingual(w, "name", "organisation", "job_title") for w in a.witnesses
                ],
            }
            for a in session.agreements
        ],
    }


def programme_json(programme: Programme, *, session_url=None) -> dict[str, Any]:
    """The whole publication as JSON.

    Top level: ``format`` (:data:`JSON_FORMAT`), ``event`` (slug, name_zh, name_en,
    timezone), ``version`` (publication number), ``published_at``, ``rooms`` (code,
    name_zh/en, location_zh/en, capacity), ``tracks`` (code, name_zh/en, colour) and
    ``sessions`` (see :func:`session_json`; with ``url`` when ``session_url(token)`` is
    given). Every time is ISO 8601 with its offset.
    """
    event = programme.event
    sessions = []
    for session in programme.sessions:
        data = session_json(session)
        if session_url is not None:
            data["url"] = session_url(session.token)
        sessions.append(data)
    return {
        "format": JSON_FORMAT,
        "event": {
            "slug": event.slug,
            "name_zh": event.name_zh,
            "name_en": event.name_en,
            "timezone": str(programme.zone.key),
        },
        "version": programme.version,
        "published_at": programme.published_at.isoformat(),
        "rooms": [
            {
                "code": r.code,
                **_bilingual(r, "name", "location"),
                "capacity": r.capacity,
            }
            for r in programme.rooms
        ],
        "tracks": [
            {"code": t.code, **_bilingual(t, "name"), "colour": t.colour} for t in programme.tracks
        ],
        "sessions": sessions,
    }

"""What the clash rules read: one event's programme, loaded in a few queries.

Plain records (no ORM objects), so the rules in :mod:`wadconf.services.clashes` are
pure functions over them, and :func:`overlapping_pairs` sweeps any set of slots.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    Enrolment,
    EnrolmentStatus,
    Event,
    Registration,
    RegistrationStatus,
    Room,
    RoomAvailability,
    Session,
    SessionPerson,
    Signatory,
    Witness,
)


@dataclass(frozen=True)
class Slot:
    """A session's place in time and space (its own capacity; ``None``: the room's)."""

    id: int
    title_zh: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    room_id: int | None
    capacity: int | None


@dataclass
class RoomInfo:
    """A room with its availability windows (none: the whole event)."""

    id: int
    name_zh: str
    name_en: str
    capacity: int | None
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class Person:
    """Someone holding a place in a session: a registration or an external name."""

    session_id: int
    registration_id: int | None
    name_zh: str
    name_en: str

    @property
    def label(self) -> str:
        """Both names when both are known, for messages."""
        if self.name_zh and self.name_en:
            return f"{self.name_zh} {self.name_en}"
        return self.name_zh or self.name_en


@dataclass
class Programme:
    """One event's programme as the rules see it (all of it, or the sessions in a window)."""

    event: Event
    slots: dict[int, Slot]
    rooms: dict[int, RoomInfo]
    people: list[Person]
    #: Signatories (their session and registration) with the registration's status.
    signatories: list[tuple[Person, RegistrationStatus]]
    #: (session id, registration id) of enrolled (not waitlisted, not cancelled) delegates.
    enrolled: list[tuple[int, int]]
    #: Chinese first (the current locale is Chinese) or English first, for messages.
    zh_first: bool = True

    def text(self, obj: object, field_name: str) -> str:
        """``bi()`` with the locale looked up once per check instead of once per message."""
        zh = getattr(obj, f"{field_name}_zh", "") or ""
        en = getattr(obj, f"{field_name}_en", "") or ""
        return (zh or en) if self.zh_first else (en or zh)

    def labels(self, registration_ids: Iterable[int]) -> dict[int, str]:
        """Display names of some registrations (one query per 2,000), for messages."""
        wanted = sorted(set(registration_ids))
        found: dict[int, str] = {}
        for start in range(0, len(wanted), 2000):
            for rid, zh, en in db.session.execute(
                select(Registration.id, Registration.name_zh, Registration.name_en).where(
                    Registration.id.in_(wanted[start : start + 2000])
                )
            ):
                found[rid] = Person(0, rid, zh, en).label
        return found


def load_programme(event: Event, *, window: tuple[datetime, datetime] | None = None) -> Programme:
    """Everything the rules read about ``event``, in seven queries whatever its size.

    With ``window``, only the sessions overlapping it (and what is in them): enough to
    find every clash of a session whose own times are the window, and much less to read.
    """
    in_scope = [Session.event_id == event.id]
    if window is not None:
        in_scope += [Session.starts_at < window[1], Session.ends_at > window[0]]
    slots = {
        row.id: Slot(*row)
        for row in db.session.execute(
            select(
                Session.id,
                Session.title_zh,
                Session.title_en,
                Session.starts_at,
                Session.ends_at,
                Session.room_id,
                Session.capacity,
            ).where(*in_scope)
        )
    }
    rooms: dict[int, RoomInfo] = {
        row.id: RoomInfo(*row)
        for row in db.session.execute(
            select(Room.id, Room.name_zh, Room.name_en, Room.capacity).where(
                Room.event_id == event.id
            )
        )
    }
    for room_id, starts_at, ends_at in db.session.execute(
        select(RoomAvailability.room_id, RoomAvailability.starts_at, RoomAvailability.ends_at)
        .join(Room, Room.id == RoomAvailability.room_id)
        .where(Room.event_id == event.id)
    ):
        rooms[room_id].windows.append((starts_at, ends_at))

    def person(row) -> Person:
        # A registration's own name wins over anything typed beside it.
        if row.registration_id is not None:
            return Person(row.session_id, row.registration_id, row.reg_zh, row.reg_en)
        return Person(row.session_id, None, row.name_zh.strip(), row.name_en.strip())

    reg_names = (Registration.name_zh.label("reg_zh"), Registration.name_en.label("reg_en"))
    people = [
        person(row)
        for row in db.session.execute(
            select(
                SessionPerson.session_id,
                SessionPerson.registration_id,
                SessionPerson.name_zh,
                SessionPerson.name_en,
                *reg_names,
            )
            .join(Session, Session.id == SessionPerson.session_id)
            .outerjoin(Registration, Registration.id == SessionPerson.registration_id)
            .where(*in_scope)
        )
    ]
    people += [
        person(row)
        for row in db.session.execute(
            select(
                Agreement.session_id,
                Witness.registration_id,
                Witness.name_zh,
                Witness.name_en,
                *reg_names,
            )
            .join(Agreement, Agreement.id == Witness.agreement_id)
            .join(Session, Session.id == Agreement.session_id)
            .outerjoin(Registration, Registration.id == Witness.registration_id)
            .where(*in_scope)
        )
    ]
    signatories = [
        (Person(row.session_id, row.registration_id, row.name_zh, row.name_en), row.status)
        for row in db.session.execute(
            select(
                Agreement.session_id,
                Signatory.registration_id,
                Registration.name_zh,
                Registration.name_en,
                Registration.status,
            )
            .join(AgreementParty, AgreementParty.id == Signatory.party_id)
            .join(Agreement, Agreement.id == AgreementParty.agreement_id)
            .join(Session, Session.id == Agreement.session_id)
            .join(Registration, Registration.id == Signatory.registration_id)
            .where(*in_scope)
        )
    ]
    people += [person for person, _status in signatories]
    # Thousands of rows at a big event: ids only; names are read for the few that clash.
    enrolled = [
        (session_id, registration_id)
        for session_id, registration_id in db.session.execute(
            select(Enrolment.session_id, Enrolment.registration_id)
            .join(Session, Session.id == Enrolment.session_id)
            .where(*in_scope, Enrolment.status == EnrolmentStatus.ENROLLED)
        )
    ]
    return Programme(event, slots, rooms, people, signatories, enrolled)


def overlapping_pairs(slots: Iterable[Slot]) -> Iterator[tuple[Slot, Slot]]:
    """Every pair of overlapping slots, each once, earlier start first (a sweep by start)."""
    active: list[Slot] = []
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.id)):
        # Slots ending at or before this start can overlap nothing from here on.
        active = [a for a in active if a.ends_at > slot.starts_at]
        for earlier in active:
            yield earlier, slot
        active.append(slot)

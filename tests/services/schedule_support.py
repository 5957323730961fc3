"""Helpers for the schedule tests: a programme built row by row inside one app context.

The rows are added directly (not through the schedule service) so a test can build
any clash it wants, then look at what the rules or the service say about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    Enrolment,
    EnrolmentStatus,
    Event,
    PersonRole,
    ProgrammeKind,
    Registration,
    RegistrationStatus,
    Room,
    Session,
    SessionPerson,
    Signatory,
    Witness,
)
from wadconf.services.clashes import schedule_clashes

ZONE = ZoneInfo("Asia/Shanghai")
#: The day ``make_event`` gives an event by default.
DAY = date(2025, 6, 5)


def at(hhmm: str, day: date = DAY) -> datetime:
    """``hhmm`` on ``day`` in the event's zone (Shanghai), as an aware datetime."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


@pytest.fixture
def event(app, make_event) -> Iterator[Event]:
    """A one-day event (5 June 2025, Shanghai), attached to an open app context."""
    detached = make_event()
    with app.app_context(), write_intent():
        yield db.session.get(Event, detached.id)
        db.session.rollback()


@pytest.fixture
def other_event(make_event) -> Event:
    """A second event, detached (ask for it before ``event``: ``event`` holds the write lock)."""
    return make_event()


def add_room(event: Event, code: str = "hall", *, capacity: int | None = 100, **fields) -> Room:
    room = Room(
        event_id=event.id,
        code=code,
        name_zh=fields.pop("name_zh", f"{code}厅"),
        name_en=fields.pop("name_en", f"Room {code}"),
        capacity=capacity,
        **fields,
    )
    db.session.add(room)
    db.session.flush()
    return room


def add_session(
    event: Event,
    title: str,
    start: str,
    end: str,
    *,
    room: Room | None = None,
    day: date = DAY,
    **fields,
) -> Session:
    session = Session(
        event_id=event.id,
        title_en=title,
        title_zh=fields.pop("title_zh", f"会议{title}"),
        starts_at=at(start, day),
        ends_at=at(end, day),
        room_id=room.id if room is not None else None,
        kind=fields.pop("kind", ProgrammeKind.THEMATIC_EXCHANGE),
        **fields,
    )
    db.session.add(session)
    db.session.flush()
    return session


_numbers = iter(range(1, 1_000_000))


def add_delegate(
    event: Event, *, status: RegistrationStatus = RegistrationStatus.CONFIRMED, **fields
) -> Registration:
    n = next(_numbers)
    registration = Registration(
        event_id=event.id,
        name_zh=fields.pop("name_zh", f"代表{n}"),
        name_en=fields.pop("name_en", f"Delegate {n}"),
        email=f"schedule{n}@example.org",
        status=status,
        **fields,
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def add_person(
    session: Session,
    registration: Registration | None = None,
    *,
    role: PersonRole = PersonRole.SPEAKER,
    **names,
) -> SessionPerson:
    person = SessionPerson(
        session_id=session.id,
        role=role,
        registration_id=registration.id if registration is not None else None,
        **names,
    )
    db.session.add(person)
    db.session.flush()
    return person


def add_signing(session: Session, *signatories: Registration) -> Agreement:
    """One agreement in ``session`` with one party, signed by ``signatories`` in order."""
    agreement = Agreement(session_id=session.id, title_zh="合作协议", title_en="Agreement")
    party = AgreementParty(name_zh="甲方", name_en="Party A")
    agreement.parties.append(party)
    for order, registration in enumerate(signatories, start=1):
        party.signatories.append(Signatory(registration_id=registration.id, signing_order=order))
    db.session.add(agreement)
    db.session.flush()
    return agreement


def add_witness(agreement: Agreement, registration: Registration | None = None, **names):
    witness = Witness(
        agreement_id=agreement.id,
        registration_id=registration.id if registration is not None else None,
        **names,
    )
    db.session.add(witness)
    db.session.flush()
    return witness


def enrol(
    session: Session,
    registration: Registration,
    status: EnrolmentStatus = EnrolmentStatus.ENROLLED,
) -> Enrolment:
    enrolment = Enrolment(session_id=session.id, registration_id=registration.id, status=status)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def clashes(event: Event, code: str | None = None):
    """The event's clashes (of one rule, when ``code`` is given)."""
    return [c for c in schedule_clashes(event) if code is None or c.code == code]

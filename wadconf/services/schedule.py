"""Building the programme: sessions created, changed, moved, copied, with clash checks.

Every change that can make a clash goes through :func:`save_checked`: the change
is made inside a savepoint and flushed, the clashes of the changed session are
compared with those it had before, and a change that brings new ones is undone
with ``DomainError("clashes_need_confirmation")`` unless the organiser confirmed
(``confirm_clashes=True``), like an editor who must say "yes, I mean it". The
clashes the session has after the change come back as warnings either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    Event,
    ProgrammeKind,
    ProgrammePart,
    Room,
    Session,
    SessionPerson,
    Signatory,
    StaffUser,
    Track,
    Witness,
)
from wadconf.services import DomainError, audit
from wadconf.services.clashes import Clash, session_clashes


class _Keep:
    """Marks an argument left as it is (``room_id=KEEP``), since ``None`` means "no room"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class SessionResult(NamedTuple):
    """A saved session and the clashes it has now (empty when there are none)."""

    session: Session
    warnings: list[Clash]


@dataclass
class SessionData:
    """What an organiser sets on a session."""

    starts_at: datetime
    ends_at: datetime
    title_zh: str = ""
    title_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    kind: ProgrammeKind = ProgrammeKind.OTHER
    room_id: int | None = None
    track_id: int | None = None
    part_id: int | None = None
    #: ``None``: the room's capacity.
    capacity: int | None = None
    requires_enrolment: bool = False
    position: int = 0

    @classmethod
    def of(cls, session: Session) -> SessionData:
        """The data of an existing session (to change a few fields with ``replace``)."""
        return cls(**{f.name: getattr(session, f.name) for f in fields(cls)})


def _belongs(model: type, row_id: int | None, event: Event, code: str) -> None:
    if row_id is None:
        return
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        raise DomainError(code, _("That choice does not belong to this event."))


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    """Refuse naive times and intervals that do not end after they start."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        # A naive time would be read as UTC and land hours off in the event's zone.
        raise DomainError("session_time_naive", _("Times must carry their time zone."))
    if ends_at <= starts_at:
        raise DomainError("session_ends_before_start", _("A session must end after it starts."))


def validate(event: Event, data: SessionData, *, session: Session | None = None) -> None:
    """Raise :class:`DomainError` when ``data`` cannot be a session of ``event``."""
    if not (data.title_zh.strip() or data.title_en.strip()):
        raise DomainError(
            "session_title_required", _("Give the session a title in at least one language.")
        )
    check_times(data.starts_at, data.ends_at)
    if data.capacity is not None and data.capacity < 1:
        raise DomainError("capacity_invalid", _("The capacity must be at least 1."))
    _belongs(Room, data.room_id, event, "room_not_in_event")
    _belongs(Track, data.track_id, event, "track_not_in_event")
    _belongs(ProgrammePart, data.part_id, event, "part_not_in_event")
    if session is not None and session.agreements and data.kind != ProgrammeKind.SIGNING_CEREMONY:
        raise DomainError(
            "session_has_agreements",
            _("The session holds agreements: remove them before changing its kind."),
        )


def save_checked(
    event: Event,
    change: Callable[[], Session],
    *,
    session_id: int | None,
    confirm_clashes: bool,
) -> SessionResult:
    """Run ``change`` (which returns the changed session) and check the clashes it makes.

    ``session_id`` names the session as it was before (``None`` for a new one). New
    clashes without ``confirm_clashes`` undo the change and raise
    ``clashes_need_confirmation`` with ``warnings`` (all the session's clashes after the
    change) and ``new_warnings`` (those the change brought) in the error's params.
    """
    # Two organisers saving at once must not both pass the check and make a clash together:
    # editing an event's programme is serialised on its row (SQLite's write lock does it too).
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    before = {c.key for c in session_clashes(event, session_id)} if session_id else set()
    savepoint = db.session.begin_nested()
    try:
        session = change()
        db.session.flush()
        after = session_clashes(event, session.id)
    except BaseException:
        savepoint.rollback()
        raise
    new = [c for c in after if c.key not in before]
    if new and not confirm_clashes:
        savepoint.rollback()
        raise DomainError(
            "clashes_need_confirmation",
            _("This change makes new clashes. Look at the warnings and confirm to save anyway."),
            warnings=after,
            new_warnings=new,
        )
    savepoint.commit()
    # A checkpoint linked to the session follows it (rule, window, room): check-in link.
    from wadconf.services.session_checkpoints import sync_session_checkpoint

    sync_session_checkpoint(session)
    return SessionResult(session, after)


def _apply(session: Session, data: SessionData) -> None:
    for f in fields(SessionData):
        value = getattr(data, f.name)
        setattr(session, f.name, value.strip() if isinstance(value, str) else value)
    # Set the relationships too: a loaded ``session.room`` would otherwise keep naming the
    # old room until the object is expired (capacity, snapshots and the editor read it).
    session.room = db.session.get(Room, data.room_id) if data.room_id is not None else None
    session.track = db.session.get(Track, data.track_id) if data.track_id is not None else None
    session.part = db.session.get(ProgrammePart, data.part_id) if data.part_id is not None else None


def _audit(action: str, session: Session, by: StaffUser | None, result: SessionResult) -> None:
    audit.record(
        action,
        obj=session,
        actor=by,
        details={
            "title": session.title_en or session.title_zh,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "room_id": session.room_id,
            "clashes": [c.code for c in result.warnings],
        },
    )


def create_session(
    event: Event,
    data: SessionData,
    *,
    confirm_clashes: bool = False,
    by: StaffUser | None = None,
) -> SessionResult:
    """Add a session to ``event``'s programme."""
    validate(event, data)

    def change() -> Session:
        session = Session(event_id=event.id)
        _apply(session, data)
        db.session.add(session)
        return session

    result = save_checked(event, change, session_id=None, confirm_clashes=confirm_clashes)
    _audit("schedule.session_create", result.session, by, result)
    return result


def update_session(
    session: Session,
    data: SessionData,
    *,
    confirm_clashes: bool = False,
    by: StaffUser | None = None,
) -> SessionResult:
    """Change any of a session's fields."""
    event = session.event
    validate(event, data, session=session)

    def change() -> Session:
        _apply(session, data)
        return session

    result = save_checked(event, change, session_id=session.id, confirm_clashes=confirm_clashes)
    _audit("schedule.session_update", session, by, result)
    return result


def move_session(
    session: Session,
    *,
    starts_at: datetime,
    ends_at: datetime | None = None,
    room_id: int | None = KEEP,
    confirm_clashes: bool = False,
    by: StaffUser | None = None,
) -> SessionResult:
    """Move (new start, same length), resize (new end) or re-room a session (the editor's drag)."""
    if ends_at is None:
        ends_at = starts_at + (session.ends_at - session.starts_at)
    data = replace(
        SessionData.of(session),
        starts_at=starts_at,
        ends_at=ends_at,
        room_id=session.room_id if room_id is KEEP else room_id,
    )
    return update_session(session, data, confirm_clashes=confirm_clashes, by=by)


def _copy_agreements(source: Session, target: Session) -> None:
    for agreement in source.agreements:
        new = Agreement(
            title_zh=agreement.title_zh, title_en=agreement.title_en, position=agreement.position
        )
        target.agreements.append(new)
        for party in agreement.parties:
            new_party = AgreementParty(
                name_zh=party.name_zh, name_en=party.name_en, position=party.position
            )
            new.parties.append(new_party)
            for signatory in party.signatories:
                new_party.signatories.append(
                    Signatory(
                        registration_id=signatory.registration_id,
                        job_title_zh=signatory.job_title_zh,
                        job_title_en=signatory.job_title_en,
                        signing_order=signatory.signing_order,
                    )
                )
        for witness in agreement.witnesses:
            new.witnesses.append(
                Witness(
                    **{
                        column: getattr(witness, column)
                        for column in (
                            "registration_id",
                            "name_zh",
                            "name_en",
                            "organisation_zh",
                            "organisation_en",
                            "job_title_zh",
                            "job_title_en",
                            "position",
                        )
                    }
                )
            )


def copy_session(
    session: Session,
    *,
    starts_at: datetime | None = None,
    room_id: int | None = KEEP,
    confirm_clashes: bool = False,
    by: StaffUser | None = None,
) -> SessionResult:
    """A new session like ``session``, with its people and agreements but no enrolments.

    By default the copy follows the original in the same room (``starts_at`` = the
    original's end), so copying alone makes no room clash.
    """
    event = session.event
    starts_at = session.ends_at if starts_at is None else starts_at
    data = replace(
        SessionData.of(session),
        starts_at=starts_at,
        ends_at=starts_at + (session.ends_at - session.starts_at),
        room_id=session.room_id if room_id is KEEP else room_id,
    )
    validate(event, data)

    def change() -> Session:
        copy = Session(event_id=event.id)
        _apply(copy, data)
        for person in session.people:
            copy.people.append(
                SessionPerson(
                    **{
                        column: getattr(person, column)
                        for column in (
                            "role",
                            "registration_id",
                            "name_zh",
                            "name_en",
                            "organisation_zh",
                            "organisation_en",
                            "job_title_zh",
                            "job_title_en",
                            "position",
                        )
                    }
                )
            )
        _copy_agreements(session, copy)
        db.session.add(copy)
        return copy

    result = save_checked(event, change, session_id=None, confirm_clashes=confirm_clashes)
    audit.record(
        "schedule.session_copy",
        obj=result.session,
        actor=by,
        details={"from": session.id, "clashes": [c.code for c in result.warnings]},
    )
    return result


def delete_session(session: Session, *, by: StaffUser | None = None) -> None:
    """Remove a session with its people, agreements and enrolments (never makes a clash)."""
    audit.record(
        "schedule.session_delete",
        obj=session,
        actor=by,
        details={"title": session.title_en or session.title_zh, "token": session.token},
    )
    # Its checkpoint stops admitting anyone (the scans stay; the database unlinks it).
    from wadconf.services.session_checkpoints import close_session_checkpoints

    close_session_checkpoints(session, by=by)
    db.session.delete(session)
    db.session.flush()


def sessions_of(event: Event) -> list[Session]:
    """``event``'s sessions in time order (the editor's list view)."""
    return list(
        db.session.scalars(
            select(Session)
            .where(Session.event_id == event.id)
            .order_by(Session.starts_at, Session.position, Session.id)
        )
    )

"""Signing readiness: before and during each signing ceremony, who of its signatories is here.

For every signing ceremony (a :class:`Session` of kind ``signing_ceremony``), agreement
by agreement in signing order, party by party, each signatory with

- the registration's status (only a confirmed delegate can be admitted anywhere);
- **at the venue**: the first live entry (not annulled) at an entrance checkpoint;
- **in the hall**: the first admitted scan (``ok`` not undone, or ``already_checked_in``)
  at the ceremony's own checkpoint (``Checkpoint.session_id``), at any time, or at a
  checkpoint standing at the ceremony's room and linked to no session, from
  :data:`~wadconf.services.attendance.ATTENDANCE_LEAD` before the start until the end
  (the attendance rule of :mod:`wadconf.services.attendance`); an exit scan after it at an
  entry-and-exit checkpoint marks the signatory as having left.

A few queries for the event and three per ceremony; no query per signatory.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    Agreement,
    AgreementParty,
    CheckIn,
    Checkpoint,
    CheckpointKind,
    Event,
    ProgrammeKind,
    Registration,
    RegistrationStatus,
    Scan,
    ScanDirection,
    Session,
    Signatory,
    Verdict,
    Witness,
)
from wadconf.services.attendance import ATTENDANCE_LEAD, admitted_scans


class Phase(enum.StrEnum):
    """Where a ceremony stands at the moment of the view."""

    UPCOMING = "upcoming"
    UNDER_WAY = "under_way"
    ENDED = "ended"


@dataclass(frozen=True)
class Presence:
    """Where one delegate stands for one ceremony."""

    registration: Registration
    venue_at: datetime | None = None
    hall_at: datetime | None = None
    #: An exit scan after the entry (entry-and-exit checkpoints).
    left_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        """Whether the registration is confirmed (otherwise no gate admits them)."""
        return self.registration.status == RegistrationStatus.CONFIRMED

    @property
    def in_hall(self) -> bool:
        """Admitted to the hall and not seen leaving since."""
        return self.hall_at is not None and self.left_at is None

    @property
    def state(self) -> str:
        """``hall``, ``left``, ``venue``, ``absent`` or ``unconfirmed`` (the row's icon)."""
        if self.in_hall:
            return "hall"
        if self.hall_at is not None:
            return "left"
        if self.venue_at is not None:
            return "venue"
        return "absent" if self.confirmed else "unconfirmed"


@dataclass(frozen=True)
class SignatoryRow:
    signatory: Signatory
    presence: Presence


@dataclass(frozen=True)
class PartyRows:
    party: AgreementParty
    signatories: list[SignatoryRow]


@dataclass(frozen=True)
class AgreementRows:
    agreement: Agreement
    parties: list[PartyRows]
    #: Witnesses who are registered delegates, with their presence; named ones without.
    witnesses: list[tuple[Witness, Presence | None]]

    @property
    def in_hall(self) -> int:
        """Distinct signatories of this agreement in the hall."""
        return len(
            {
                r.presence.registration.id
                for p in self.parties
                for r in p.signatories
                if r.presence.in_hall
            }
        )

    @property
    def total(self) -> int:
        """Distinct signatories of this agreement."""
        return len({r.presence.registration.id for p in self.parties for r in p.signatories})


@dataclass(frozen=True)
class CeremonyReadiness:
    """One ceremony: its agreements and the counts the organisers watch."""

    session: Session
    phase: Phase
    agreements: list[AgreementRows]
    #: The checkpoints read as "the hall" (the linked one, and the room's).
    hall_checkpoints: list[Checkpoint] = field(default_factory=list)

    def _signatories(self) -> dict[int, Presence]:
        return {
            r.presence.registration.id: r.presence
            for a in self.agreements
            for p in a.parties
            for r in p.signatories
        }

    @property
    def total(self) -> int:
        """Distinct signatories of the ceremony."""
        return len(self._signatories())

    @property
    def in_hall(self) -> int:
        """Distinct signatories in the hall now."""
        return sum(p.in_hall for p in self._signatories().values())

    @property
    def at_venue(self) -> int:
        """Distinct signatories who entered the venue (or the hall)."""
        return sum(
            p.venue_at is not None or p.hall_at is not None for p in self._signatories().values()
        )

    @property
    def unconfirmed(self) -> int:
        """Distinct signatories whose registration is not confirmed."""
        return sum(not p.confirmed for p in self._signatories().values())

    @property
    def ready(self) -> bool:
        """Every signatory is in the hall (and there is at least one)."""
        return self.total > 0 and self.in_hall == self.total


def ceremonies(event: Event) -> list[Session]:
    """``event``'s signing ceremonies in time order."""
    return list(
        db.session.scalars(
            select(Session)
            .where(Session.event_id == event.id, Session.kind == ProgrammeKind.SIGNING_CEREMONY)
            .order_by(Session.starts_at, Session.position, Session.id)
        )
    )


def _phase(session: Session, now: datetime) -> Phase:
    if now < session.starts_at:
        return Phase.UPCOMING
    return Phase.UNDER_WAY if now < session.ends_at else Phase.ENDED


def _venue_entries(event: Event, ids: set[int]) -> dict[int, datetime]:
    """First live entry at an entrance, per registration."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(CheckIn.registration_id, func.min(CheckIn.checked_in_at))
        .join(Checkpoint, Checkpoint.id == CheckIn.checkpoint_id)
        .where(
            CheckIn.event_id == event.id,
            CheckIn.registration_id.in_(ids),
            CheckIn.annulled_at.is_(None),
            Checkpoint.kind == CheckpointKind.ENTRANCE,
        )
        .group_by(CheckIn.registration_id)
    ).all()
    return {reg: _aware(at) for reg, at in rows}


def _aware(value):
    from wadconf.services.checkin_sql import as_datetime

    return as_datetime(value)


def _hall_checkpoints(event: Event, sessions: list[Session]) -> dict[int, list[Checkpoint]]:
    """Per ceremony: its linked checkpoints and the unlinked ones standing at its room."""
    rooms = {s.room_id for s in sessions if s.room_id is not None}
    ids = [s.id for s in sessions]
    found = list(
        db.session.scalars(
            select(Checkpoint)
            .where(
                Checkpoint.event_id == event.id,
                or_(
                    Checkpoint.session_id.in_(ids),
                    and_(Checkpoint.session_id.is_(None), Checkpoint.room_id.in_(rooms)),
                ),
            )
            .order_by(Checkpoint.position, Checkpoint.id)
        )
    )
    return {
        s.id: [
            c
            for c in found
            if c.session_id == s.id
            or (c.session_id is None and s.room_id is not None and c.room_id == s.room_id)
        ]
        for s in sessions
    }


def _hall_times(
    session: Session, checkpoints: list[Checkpoint], ids: set[int]
) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """First admission and last exit (after it) in the hall, per registration."""
    linked = [c.id for c in checkpoints if c.session_id == session.id]
    by_room = [c.id for c in checkpoints if c.session_id is None]
    if not ids or not (linked or by_room):
        return {}, {}
    in_window = and_(
        Scan.scanned_at >= session.starts_at - ATTENDANCE_LEAD,
        Scan.scanned_at < session.ends_at,
    )
    where_here = or_(
        Scan.checkpoint_id.in_(linked),
        and_(Scan.checkpoint_id.in_(by_room), in_window),
    )
    entries = dict(
        db.session.execute(
            admitted_scans()
            .with_only_columns(Scan.registration_id, func.min(Scan.scanned_at))
            .where(Scan.registration_id.in_(ids), where_here)
            .group_by(Scan.registration_id)
        ).all()
    )
    exits = dict(
        db.session.execute(
            select(Scan.registration_id, func.max(Scan.scanned_at))
            .where(
                Scan.registration_id.in_(ids),
                where_here,
                Scan.direction == ScanDirection.OUT,
                Scan.verdict == Verdict.OK,
            )
            .group_by(Scan.registration_id)
        ).all()
    )
    last_in = dict(
        db.session.execute(
            admitted_scans()
            .with_only_columns(Scan.registration_id, func.max(Scan.scanned_at))
            .where(Scan.registration_id.in_(ids), where_here)
            .group_by(Scan.registration_id)
        ).all()
    )
    left = {
        reg: _aware(at)
        for reg, at in exits.items()
        if reg in last_in and _aware(at) > _aware(last_in[reg])
    }
    return {reg: _aware(at) for reg, at in entries.items()}, left


def _load(sessions: list[Session]) -> None:
    """Load the ceremonies' agreements, parties, signatories and witnesses in a few queries."""
    if not sessions:
        return
    db.session.scalars(
        select(Session)
        .where(Session.id.in_([s.id for s in sessions]))
        .options(
            selectinload(Session.agreements)
            .selectinload(Agreement.parties)
            .selectinload(AgreementParty.signatories)
            .selectinload(Signatory.registration),
            selectinload(Session.agreements)
            .selectinload(Agreement.witnesses)
            .selectinload(Witness.registration),
        )
    ).all()


def readiness(
    event: Event, *, session_id: int | None = None, now: datetime | None = None
) -> list[CeremonyReadiness]:
    """The readiness of ``event``'s signing ceremonies (or of the one session ``session_id``)."""
    now = now or utcnow()
    sessions = ceremonies(event)
    if session_id is not None:
        sessions = [s for s in sessions if s.id == session_id] or list(
            db.session.scalars(
                select(Session).where(Session.id == session_id, Session.event_id == event.id)
            )
        )
    _load(sessions)
    people: set[int] = set()
    for s in sessions:
        for agreement in s.agreements:
            people |= {sig.registration_id for p in agreement.parties for sig in p.signatories}
            people |= {w.registration_id for w in agreement.witnesses if w.registration_id}
    venue = _venue_entries(event, people)
    halls = _hall_checkpoints(event, sessions)
    result = []
    for s in sessions:
        hall, left = _hall_times(s, halls[s.id], people)

        def presence(registration: Registration, hall=hall, left=left) -> Presence:
            rid = registration.id
            return Presence(registration, venue.get(rid), hall.get(rid), left.get(rid))

        agreements = [
            AgreementRows(
                agreement=a,
                parties=[
                    PartyRows(
                        party=p,
                        signatories=[
                            SignatoryRow(sig, presence(sig.registration)) for sig in p.signatories
                        ],
                    )
                    for p in a.parties
                ],
                witnesses=[
                    (w, presence(w.registration) if w.registration is not None else None)
                    for w in a.witnesses
                ],
            )
            for a in s.agreements
        ]
        result.append(CeremonyReadiness(s, _phase(s, now), agreements, halls[s.id]))
    return result

"""The programme: rooms, tracks, sessions and the people in them, enrolments, publications.

Sessions are the organisers' working copy; delegates see the latest
:class:`ScheduleVersion`, a snapshot taken when the organisers publish. Signing
ceremonies (agreements, parties, signatories, witnesses) are in
:mod:`wadconf.models.signing`.

All times are aware UTC (shown in the event's zone). Intervals are half-open,
``[starts_at, ends_at)``: a session ending at 10:00 and one starting at 10:00 do
not overlap.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.event import Event
    from wadconf.models.people import StaffUser
    from wadconf.models.registration import Registration
    from wadconf.models.signing import Agreement


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


def new_session_token() -> str:
    """A random public name for a session (agenda URLs, iCalendar UIDs): never the row id."""
    return secrets.token_urlsafe(12)


class ProgrammeKind(enum.StrEnum):
    """Kinds of programme item, shared by programme parts and sessions."""

    PLENARY = "plenary"
    RELEASE = "release"
    SIGNING_CEREMONY = "signing_ceremony"
    THEMATIC_EXCHANGE = "thematic_exchange"
    BREAK = "break"
    OTHER = "other"


class PersonRole(enum.StrEnum):
    """What a person does in a session."""

    CHAIR = "chair"
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    GUEST_OF_HONOUR = "guest_of_honour"


class EnrolmentStatus(enum.StrEnum):
    """Where a delegate's enrolment in a session stands."""

    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Room(db.Model):
    """A room of the venue: main hall, signing hall, track rooms."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Short stable identifier within the event (``main-hall``).
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: Seats; ``None``: not limited (sessions in the room then have no default capacity).
    capacity: Mapped[int | None]
    location_zh: Mapped[str] = mapped_column(String(300), default="")
    location_en: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="rooms")
    #: When the room may be used; none at all: the whole event.
    availabilities: Mapped[list[RoomAvailability]] = relationship(
        back_populates="room",
        cascade="all, delete-orphan",
        order_by="RoomAvailability.starts_at",
    )


class RoomAvailability(db.Model):
    """A window in which a room may be used (the venue books it out in windows)."""

    __tablename__ = "room_availabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    room: Mapped[Room] = relationship(back_populates="availabilities")


class ProgrammePart(db.Model):
    """One announced item of the programme (an address, a release, a signing, a track)."""

    __tablename__ = "programme_parts"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[ProgrammeKind] = mapped_column(_enum(ProgrammeKind, 30))
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="programme_parts")
    room: Mapped[Room | None] = relationship()


class Track(db.Model):
    """A thematic track: sessions of one theme, shown in one colour, filterable on the agenda."""

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Short stable identifier within the event (``digital``), used in agenda filters.
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: ``#rrggbb``.
    colour: Mapped[str] = mapped_column(String(7), default="#0b4f8a")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()


class Session(db.Model):
    """One slot of the programme: a plenary, a release, a signing ceremony, a track session."""

    __tablename__ = "sessions"
    __table_args__ = (
        # The editor and the clash sweep read one event's sessions in time order.
        Index("ix_sessions_event_start", "event_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="positive_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Public name in agenda URLs and iCalendar UIDs; survives moves and publications.
    token: Mapped[str] = mapped_column(String(24), unique=True, default=new_session_token)
    kind: Mapped[ProgrammeKind] = mapped_column(
        _enum(ProgrammeKind, 30), default=ProgrammeKind.OTHER
    )
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: The announced programme part this session realises, if any.
    part_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_parts.id", ondelete="SET NULL"), index=True
    )
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    #: ``None``: not in a room (a break for everyone, an outing).
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Seats for this session; ``None``: the room's capacity.
    capacity: Mapped[int | None]
    #: Delegates must enrol to attend (and a session-room checkpoint admits the enrolled).
    requires_enrolment: Mapped[bool] = mapped_column(default=False)
    #: Order among sessions of the same start (list view, agenda).
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    part: Mapped[ProgrammePart | None] = relationship()
    track: Mapped[Track | None] = relationship()
    room: Mapped[Room | None] = relationship()
    people: Mapped[list[SessionPerson]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="(SessionPerson.position, SessionPerson.id)",
    )
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="(Agreement.position, Agreement.id)",
    )

    @property
    def effective_capacity(self) -> int | None:
        """The session's own capacity, else its room's; ``None``: not limited."""
        if self.capacity is not None:
            return self.capacity
        return self.room.capacity if self.room is not None else None

    @property
    def is_signing_ceremony(self) -> bool:
        """Whether the session holds agreements."""
        return self.kind == ProgrammeKind.SIGNING_CEREMONY

    def overlaps(self, other: Session) -> bool:
        """Whether the two sessions share a moment (back-to-back is no overlap)."""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def __repr__(self) -> str:
        return f"<Session {self.token} {self.title_en or self.title_zh}>"


class SessionPerson(db.Model):
    """A person with a role in a session: a registered delegate, or a named external person."""

    __tablename__ = "session_people"
    __table_args__ = (
        CheckConstraint(
            "registration_id IS NOT NULL OR name_zh <> '' OR name_en <> ''",
            name="identity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[PersonRole] = mapped_column(_enum(PersonRole, 20), default=PersonRole.SPEAKER)
    #: The delegate, when the person registered; then the name fields stay empty.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: An external person (not registered): their name, as printed on the agenda.
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    organisation_zh: Mapped[str] = mapped_column(String(300), default="")
    organisation_en: Mapped[str] = mapped_column(String(300), default="")
    #: Their position as the agenda shows it ("Director, CNCA"); for delegates too.
    job_title_zh: Mapped[str] = mapped_column(String(200), default="")
    job_title_en: Mapped[str] = mapped_column(String(200), default="")
    #: Order within the session (speaking order).
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[Session] = relationship(back_populates="people")
    registration: Mapped[Registration | None] = relationship()

    @property
    def is_external(self) -> bool:
        """Whether the person is not a registered delegate."""
        return self.registration_id is None


class Enrolment(db.Model):
    """A delegate's place (or place in line) in a session that requires enrolment."""

    __tablename__ = "enrolments"
    __table_args__ = (
        # At most one live (not cancelled) enrolment per delegate and session, in the database.
        Index(
            "uq_enrolments_live",
            "session_id",
            "registration_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        # Counting places and finding the next in line.
        Index("ix_enrolments_session_status", "session_id", "status", "created_at"),
        # A delegate's personal agenda and the overlap rule.
        Index("ix_enrolments_registration_status", "registration_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    status: Mapped[EnrolmentStatus] = mapped_column(
        _enum(EnrolmentStatus, 12), default=EnrolmentStatus.ENROLLED
    )
    #: Order of the waiting list (oldest first).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()
    registration: Mapped[Registration] = relationship()


class ScheduleVersion(db.Model):
    """A publication of the programme: what delegates see until the next one.

    The snapshot holds every published session with its people and agreements, so the
    public agenda, the change log (difference of two snapshots) and iCalendar read one row.
    """

    __tablename__ = "schedule_versions"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3... per event.
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: The organiser's note on what changed ("Track B moved to 15:00").
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    event: Mapped[Event] = relationship()
    published_by: Mapped[StaffUser | None] = relationship()

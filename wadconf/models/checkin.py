"""Badges, checkpoints and the log of scans at them.

A scan is recorded for every code read at a checkpoint, whatever the verdict. An
accepted entry (:class:`CheckIn`) exists at most once per registration and
checkpoint while it is not annulled: a partial unique index says so to the
database, so two gates that scan one badge at the same instant record one entry.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.event import Event
    from wadconf.models.invitation import DelegateCategory
    from wadconf.models.people import StaffUser
    from wadconf.models.registration import Registration
    from wadconf.models.schedule import Room, Session

#: Every wadconf badge starts with this; a scanner tells our codes from other QR codes by it.
BADGE_PREFIX = "WAD1-"
#: Crockford's base32: upper case, digits and letters without I, L, O, U. All are in
#: QR's alphanumeric set, so the code fits a version 2 symbol at error correction M.
BADGE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 26 characters of 5 bits: 130 random bits.
BADGE_RANDOM_LENGTH = 26


def new_badge_code() -> str:
    """A random badge code: ``WAD1-`` and 26 base32 characters (130 bits), no personal data."""
    return BADGE_PREFIX + "".join(
        secrets.choice(BADGE_ALPHABET) for _ in range(BADGE_RANDOM_LENGTH)
    )


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Verdict(enum.StrEnum):
    """The fixed vocabulary of scan outcomes."""

    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    UNKNOWN_CODE = "unknown_code"
    REISSUED = "reissued"
    CANCELLED = "cancelled"
    NOT_CONFIRMED = "not_confirmed"
    NOT_ALLOWED = "not_allowed"
    NOT_OPEN = "not_open"


class CheckpointKind(enum.StrEnum):
    """Where a checkpoint stands."""

    ENTRANCE = "entrance"
    SESSION_ROOM = "session_room"
    SIGNING_HALL = "signing_hall"
    OTHER = "other"


class AdmissionRule(enum.StrEnum):
    """Who may pass a checkpoint (beyond being a confirmed delegate of its event)."""

    #: Every confirmed delegate.
    ALL = "all"
    #: Confirmed delegates of the checkpoint's categories.
    CATEGORIES = "categories"
    #: Confirmed delegates enrolled in the linked session (the schedule links sessions).
    ENROLLED = "enrolled"


class ReentryPolicy(enum.StrEnum):
    """Whether a delegate may leave and come back."""

    #: One entry; a second scan is ``already_checked_in``.
    ONCE = "once"
    #: Entry and exit scans; re-entry after an exit is accepted.
    IN_OUT = "in_out"


class ScanDirection(enum.StrEnum):
    """Entry or exit (exit only at ``in_out`` checkpoints)."""

    IN = "in"
    OUT = "out"


class ScanMethod(enum.StrEnum):
    """How the code reached the server."""

    CAMERA = "camera"
    KEYBOARD = "keyboard"
    SEARCH = "search"
    API = "api"


checkpoint_categories = Table(
    "checkpoint_categories",
    db.metadata,
    Column(
        "checkpoint_id",
        ForeignKey("checkpoints.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "category_id",
        ForeignKey("delegate_categories.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Checkpoint(db.Model):
    """An entry point: the main entrance, a session room, the signing hall.

    Several gates (devices) of one entrance share one checkpoint, so a badge
    admitted at gate 1 is ``already_checked_in`` at gate 2.
    """

    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Short stable identifier within the event (``main-entrance``).
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[CheckpointKind] = mapped_column(
        _enum(CheckpointKind, 20), default=CheckpointKind.ENTRANCE
    )
    rule: Mapped[AdmissionRule] = mapped_column(_enum(AdmissionRule, 20), default=AdmissionRule.ALL)
    reentry: Mapped[ReentryPolicy] = mapped_column(
        _enum(ReentryPolicy, 10), default=ReentryPolicy.ONCE
    )
    #: Scans before ``opens_at`` or from ``closes_at`` on are ``not_open``; None: open end.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A closed checkpoint accepts no scans and is not offered to scanners.
    is_active: Mapped[bool] = mapped_column(default=True)
    #: How many delegates are expected here (the dashboard's denominator); None: derived.
    expected_count: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The session this checkpoint controls: its rule and window then follow the session
    #: (enrolled delegates or everyone; opening shortly before the start).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    #: The room this checkpoint stands at: a scan here during a session in the room
    #: counts as attendance of that session.
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )

    event: Mapped[Event] = relationship()
    categories: Mapped[list[DelegateCategory]] = relationship(
        secondary=checkpoint_categories, order_by="DelegateCategory.position"
    )
    session: Mapped[Session | None] = relationship()
    room: Mapped[Room | None] = relationship()

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (aware) lies in the opening window and the checkpoint is active."""
        if not self.is_active:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)

    def __repr__(self) -> str:
        return f"<Checkpoint {self.code}>"


class RetiredBadgeCode(db.Model):
    """A badge code replaced by a reissue (lost badge): it scans as ``reissued``."""

    __tablename__ = "retired_badge_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(300), default="")

    registration: Mapped[Registration] = relationship()


class CheckIn(db.Model):
    """An accepted entry of a registration at a checkpoint (at most one that is not annulled)."""

    __tablename__ = "check_ins"
    __table_args__ = (
        # The database, not only the code, refuses a second live entry.
        Index(
            "uq_check_ins_live_entry",
            "registration_id",
            "checkpoint_id",
            unique=True,
            sqlite_where=text("annulled_at IS NULL"),
            postgresql_where=text("annulled_at IS NULL"),
        ),
        Index("ix_check_ins_checkpoint_time", "checkpoint_id", "checked_in_at"),
        Index("ix_check_ins_event_time", "event_id", "checked_in_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id", ondelete="CASCADE"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: The gate or lane the staff named on the scanner ("Gate 2").
    device: Mapped[str] = mapped_column(String(100), default="")
    #: At ``in_out`` checkpoints: whether the delegate is inside now.
    is_inside: Mapped[bool] = mapped_column(default=True)
    #: Undo within the grace period: the entry no longer counts; its scans stay in the log.
    annulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    annulled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    annul_reason: Mapped[str] = mapped_column(String(300), default="")

    registration: Mapped[Registration] = relationship()
    checkpoint: Mapped[Checkpoint] = relationship()
    staff_user: Mapped[StaffUser | None] = relationship(foreign_keys=[staff_user_id])


class Scan(db.Model):
    """One code read at a checkpoint and the verdict given; the log keeps every scan."""

    __tablename__ = "scans"
    __table_args__ = (
        # A retried request carries the same nonce: it finds the first scan instead of
        # recording a second one.
        UniqueConstraint("checkpoint_id", "nonce"),
        Index("ix_scans_checkpoint_time", "checkpoint_id", "scanned_at"),
        Index("ix_scans_event_time", "event_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id", ondelete="CASCADE"))
    #: The registration the code named, when it named one.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    #: The entry this scan created or ran into.
    check_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_ins.id", ondelete="SET NULL"), index=True
    )
    #: The text read (cut to 100 characters); badge codes carry no personal data.
    code: Mapped[str] = mapped_column(String(100), default="")
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict, 20))
    direction: Mapped[ScanDirection] = mapped_column(
        _enum(ScanDirection, 3), default=ScanDirection.IN
    )
    method: Mapped[ScanMethod] = mapped_column(_enum(ScanMethod, 10), default=ScanMethod.API)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    device: Mapped[str] = mapped_column(String(100), default="")
    #: Client-chosen idempotency key.
    nonce: Mapped[str | None] = mapped_column(String(64))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkpoint: Mapped[Checkpoint] = relationship()
    registration: Mapped[Registration | None] = relationship()
    check_in: Mapped[CheckIn | None] = relationship()


class ApiToken(db.Model):
    """A per-staff bearer token for scanning devices; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    #: What the token is for ("Gate 2 handheld").
    name: Mapped[str] = mapped_column(String(100), default="")
    #: Hex SHA-256 of the token; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, to tell tokens apart in lists.
    token_prefix: Mapped[str] = mapped_column(String(12), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship(foreign_keys=[user_id])

    @property
    def is_revoked(self) -> bool:
        """Whether the token was revoked."""
        return self.revoked_at is not None

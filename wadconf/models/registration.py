"""Registrations of delegates, and the privacy notices they consent to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db
from wadconf.models.checkin import new_badge_code
from wadconf.models.invitation import new_token

if TYPE_CHECKING:
    from wadconf.models.event import Event
    from wadconf.models.invitation import DelegateCategory, Invitation


class RegistrationStatus(enum.StrEnum):
    """Where a registration stands."""

    CONFIRMED = "confirmed"
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


#: Statuses that hold a seat of the invitation.
ACTIVE_STATUSES = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.PENDING,
    RegistrationStatus.WAITLISTED,
)


class PrivacyNotice(db.Model):
    """A version of an event's privacy notice (PIPL); consents name the version they accepted."""

    __tablename__ = "privacy_notices"
    __table_args__ = (UniqueConstraint("event_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Registration(db.Model):
    """One delegate's registration for one event."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_event_status", "event_id", "status"),
        # The organisers' list: newest first by default, and filtered by country.
        Index("ix_registrations_event_created", "event_id", "created_at"),
        Index("ix_registrations_event_country", "event_id", "country"),
        # A double-clicked submit carries the same key twice: the second insert fails.
        UniqueConstraint("event_id", "submission_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegate_categories.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        Enum(
            RegistrationStatus,
            native_enum=False,
            length=12,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=RegistrationStatus.CONFIRMED,
    )
    #: Private link to view, edit, cancel, export: never a badge code.
    manage_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    #: What the badge's QR code carries: random, no personal data, grants entry only.
    #: A reissue (lost badge) replaces it and keeps the old one as a retired code.
    badge_code: Mapped[str | None] = mapped_column(String(40), unique=True, default=new_badge_code)
    badge_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    #: How often the badge was printed, and when last; a reprint is visible.
    badge_print_count: Mapped[int] = mapped_column(default=0)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Random value from the form; makes a repeated submit idempotent.
    submission_key: Mapped[str | None] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    gender: Mapped[str] = mapped_column(String(10), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    #: ISO 3166-1 alpha-2 code (CN, HK, MO, TW as regions).
    country: Mapped[str] = mapped_column(String(2), default="")
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    #: E.164, e.g. +8613812345678.
    mobile: Mapped[str] = mapped_column(String(20), default="")
    #: Identity document for venue security, only when the event asks; never shown in lists.
    id_type: Mapped[str] = mapped_column(String(20), default="")
    id_number: Mapped[str] = mapped_column(String(40), default="")
    id_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dietary: Mapped[str] = mapped_column(String(300), default="")
    accessibility: Mapped[str] = mapped_column(String(300), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    consent_version: Mapped[int | None]
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Organiser's message on approval or rejection.
    review_message: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The delegate asked for their personal data to be deleted (PIPL).
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: An organiser erased the personal data (PIPL); the row stays for counts and history.
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Registered by an organiser (walk-in, late addition) rather than online.
    registered_by_staff: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    invitation: Mapped[Invitation | None] = relationship(back_populates="registrations")
    category: Mapped[DelegateCategory | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Whether this registration holds a seat."""
        return self.status in ACTIVE_STATUSES

    @property
    def is_erased(self) -> bool:
        """Whether the personal data was erased (the registration is then read-only)."""
        return self.personal_data_erased_at is not None

    @property
    def display_name(self) -> str:
        """Both scripts when both are known."""
        if self.name_zh and self.name_en:
            return f"{self.name_zh} {self.name_en}"
        return self.name_zh or self.name_en

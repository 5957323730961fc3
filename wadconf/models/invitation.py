"""Delegate categories and invitations."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.event import Event
    from wadconf.models.registration import Registration


def new_token() -> str:
    """A random URL-safe token of 192 bits, for links sent to people."""
    return secrets.token_urlsafe(24)


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class DelegateCategory(db.Model):
    """Who a delegate is (government, international organisation, media...). Editable per event."""

    __tablename__ = "delegate_categories"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Stable identifier used in imports (``government``).
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    #: Badge colour band, ``#rrggbb``.
    colour: Mapped[str] = mapped_column(String(7), default="#0b4f8a")
    #: Registrations in this category wait for an organiser's approval.
    requires_approval: Mapped[bool] = mapped_column(default=False)
    #: Arrivals of this category are called out on the live dashboard (leaders, officials).
    highlight_arrivals: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()


class InvitationLocale(enum.StrEnum):
    """Language(s) of the messages an invitee receives."""

    ZH = "zh_Hans"
    EN = "en"
    BOTH = "both"


class InvitationState(enum.StrEnum):
    """Stored life-cycle state; ``expired`` is derived from ``expires_at``."""

    DRAFT = "draft"
    SENT = "sent"
    OPENED = "opened"
    REGISTERED = "registered"
    DECLINED = "declined"
    REVOKED = "revoked"


class Invitation(db.Model):
    """An invitation to a person (1 seat) or a delegation (N seats)."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_event_state", "event_id", "state"),
        Index("ix_invitations_event_email", "event_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Public token: appears only in the invitee's link.
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegate_categories.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    locale: Mapped[InvitationLocale] = mapped_column(
        _enum(InvitationLocale, 10), default=InvitationLocale.ZH
    )
    #: 1 for a person; N for a delegation whose focal person registers its delegates.
    seats: Mapped[int] = mapped_column(default=1)
    #: Active registrations made from this invitation (kept by the registration service).
    seats_used: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Organiser's private note.
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[InvitationState] = mapped_column(
        _enum(InvitationState, 12), default=InvitationState.DRAFT
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_message: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    category: Mapped[DelegateCategory | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="invitation")

    @property
    def is_delegation(self) -> bool:
        """Whether this invitation is for several seats."""
        return self.seats > 1

    def is_expired(self, now: datetime) -> bool:
        """Whether the invitation has passed its expiry."""
        return self.expires_at is not None and now >= self.expires_at

    def status(self, now: datetime) -> str:
        """The state shown to organisers, with ``expired`` derived from the clock."""
        if self.state in {
            InvitationState.DRAFT,
            InvitationState.SENT,
            InvitationState.OPENED,
        } and self.is_expired(now):
            return "expired"
        return self.state.value

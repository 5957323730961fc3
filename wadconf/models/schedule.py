"""Rooms and the outline of the programme.

The full schedule (sessions, people, clashes) belongs to its own issue; what is
here is the venue's rooms and the programme parts the notice announces, so the
demo conference and later work have them as data.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.event import Event


class ProgrammeKind(enum.StrEnum):
    """Kinds of programme item, shared with the future session model."""

    PLENARY = "plenary"
    RELEASE = "release"
    SIGNING_CEREMONY = "signing_ceremony"
    THEMATIC_EXCHANGE = "thematic_exchange"
    BREAK = "break"
    OTHER = "other"


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
    capacity: Mapped[int | None]
    location_zh: Mapped[str] = mapped_column(String(300), default="")
    location_en: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="rooms")


class ProgrammePart(db.Model):
    """One announced item of the programme (an address, a release, a signing, a track)."""

    __tablename__ = "programme_parts"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[ProgrammeKind] = mapped_column(
        Enum(
            ProgrammeKind,
            native_enum=False,
            length=30,
            values_callable=lambda e: [m.value for m in e],
        )
    )
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

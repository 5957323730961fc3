"""Publicity materials organisers share, and the reminders sent to reporting bodies (issue #7).

A :class:`Material` is a poster, a leaflet or a slide deck: reporting bodies and the public
download it through a random token, never its id, and every download is counted.

A :class:`SeriesReminder` records one reminder e-mail to one body about its plan or report,
on one day of the event's calendar. The unique key is what makes ``wadconf series remind``
idempotent even when two cron runs overlap: the second insert fails and is skipped.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.event import Event
    from wadconf.models.series import ReportingBody


def new_material_token() -> str:
    """A random token naming a material in public URLs."""
    return secrets.token_urlsafe(18)


class MaterialLanguage(enum.StrEnum):
    """The language a material is written in."""

    ZH = "zh_Hans"
    EN = "en"
    BOTH = "both"


class ReminderTopic(enum.StrEnum):
    """What a reminder asks for."""

    PLAN = "plan"
    REPORT = "report"


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Material(db.Model):
    """A publicity material (poster, leaflet, slides) of one event."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Names the material in download URLs.
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_material_token)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[MaterialLanguage] = mapped_column(
        _enum(MaterialLanguage, 10), default=MaterialLanguage.BOTH
    )
    description: Mapped[str] = mapped_column(Text, default="")
    #: The stored file (names as in :class:`wadconf.services.uploads.StoredFile`).
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: Counted with one atomic UPDATE per download.
    download_count: Mapped[int] = mapped_column(default=0)
    #: Unpublished materials are hidden from reporters and the public.
    is_published: Mapped[bool] = mapped_column(default=True)
    #: Order on the public page (smaller first), then newest first.
    position: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()

    @property
    def kind(self) -> str:
        """The file's ending in capitals (``PDF``, ``PNG``) for lists."""
        return self.original_name.rsplit(".", 1)[-1].upper()

    def __repr__(self) -> str:
        return f"<Material {self.id} {self.original_name}>"


class SeriesReminder(db.Model):
    """One reminder to one reporting body, about its plan or its report, on one day."""

    __tablename__ = "series_reminders"
    __table_args__ = (UniqueConstraint("body_id", "topic", "sent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_bodies.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[ReminderTopic] = mapped_column(_enum(ReminderTopic, 10))
    #: The day in the event's zone: at most one reminder per body, topic and day.
    sent_on: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Addresses the reminder was queued to, comma-separated.
    recipients: Mapped[str] = mapped_column(String(1000), default="")
    #: ``manual`` (an organiser on the board) or ``cli`` (``wadconf series remind``).
    origin: Mapped[str] = mapped_column(String(10), default="manual")
    sent_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    body: Mapped[ReportingBody] = relationship()

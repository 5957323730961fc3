"""The conference edition everything else is scoped by."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.schedule import ProgrammePart, Room


class Event(db.Model):
    """One edition of the conference (the demo's is ``wad2024``)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short name used in URLs and ``--event`` options.
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    #: Domestic theme.
    theme_zh: Mapped[str] = mapped_column(String(300), default="")
    theme_en: Mapped[str] = mapped_column(String(300), default="")
    #: International theme (IAF/ILAC).
    intl_theme_zh: Mapped[str] = mapped_column(String(300), default="")
    intl_theme_en: Mapped[str] = mapped_column(String(300), default="")
    organiser_zh: Mapped[str] = mapped_column(String(300), default="")
    organiser_en: Mapped[str] = mapped_column(String(300), default="")
    venue_zh: Mapped[str] = mapped_column(String(300), default="")
    venue_en: Mapped[str] = mapped_column(String(300), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: First and last day, in the event's own zone.
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: IANA zone the programme is shown in.
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    #: Language used when neither the visitor nor the browser chose one.
    default_locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Series activities: deadline for the reporting bodies' plans and for their reports.
    plans_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reports_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Registrations wait for an organiser's approval (categories may also require it).
    requires_approval: Mapped[bool] = mapped_column(default=False)
    #: The registration form asks for gender.
    asks_gender: Mapped[bool] = mapped_column(default=False)
    #: The form asks for an identity document (venue security), with its own consent.
    requires_id_document: Mapped[bool] = mapped_column(default=False)
    #: Registrations beyond this number are waitlisted; ``None``: no limit.
    capacity: Mapped[int | None]
    #: The edition CLI commands and the home page use when none is named.
    is_current: Mapped[bool] = mapped_column(default=False)
    #: Shown on the public site.
    is_published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rooms: Mapped[list[Room]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Room.position"
    )
    programme_parts: Mapped[list[ProgrammePart]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="ProgrammePart.position"
    )

    @property
    def zone(self) -> ZoneInfo:
        """The event's time zone."""
        return ZoneInfo(self.timezone)

    def registration_is_open(self, now: datetime) -> bool:
        """Whether ``now`` (aware) lies in the registration window; open ends are open."""
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return not (self.registration_closes_at and now >= self.registration_closes_at)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"

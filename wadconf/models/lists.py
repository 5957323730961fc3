"""Saved list layouts: a named choice of columns, order, grouping and paper for a list."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.event import Event
    from wadconf.models.people import StaffUser


class ListLayout(db.Model):
    """A named list layout of one event ("Plenary sign-in sheet", "Official name list")."""

    __tablename__ = "list_layouts"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: Column keys in order (``number``, ``name_zh``, ``organisation``, ``signature``...).
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The rest of the list's settings: order, grouping, language, orientation, filters.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship()
    created_by: Mapped[StaffUser | None] = relationship()

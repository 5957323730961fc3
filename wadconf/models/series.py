"""Local series activities around World Accreditation Day (issue #7).

Each reporting body (a provincial market regulator, an association, ...) submits one
activity plan and, after the day, one report per event. Every submission is a new
numbered version; the plan or report row holds the state (submitted, reopened) and
points at the current version. Attachments belong to the plan or report and record
the version that added them and the version that removed them, so each version can
be shown with the files it had.

Deadlines live on the event (``plans_due_at``, ``reports_due_at``). A submission is
*late* when its first version came after the deadline (``first_submitted_at``), and
*missing* when no row exists. After the deadline a reporter may submit again only
while an organiser's reopening lasts (``status == reopened`` and before
``reopened_until`` when that is set); the next submission closes the reopening.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wadconf.database import UTCDateTime, utcnow
from wadconf.extensions import db

if TYPE_CHECKING:
    from wadconf.models.event import Event
    from wadconf.models.people import StaffUser


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


def new_attachment_token() -> str:
    """A random token naming an attachment in URLs (never its id or storage key)."""
    return secrets.token_urlsafe(18)


class BodyKind(enum.StrEnum):
    """What sort of organisation reports."""

    PROVINCE = "province"
    ASSOCIATION = "association"
    CERTIFICATION_BODY = "certification_body"
    OTHER = "other"


class ActivityKind(enum.StrEnum):
    """The kind of a planned activity."""

    FORUM = "forum"
    OPEN_DAY = "open_day"
    TRAINING = "training"
    PUBLICITY_CAMPAIGN = "publicity_campaign"
    OTHER = "other"


class SubmissionStatus(enum.StrEnum):
    """State of a plan or report that has at least one version."""

    #: Submitted; editable until the deadline.
    SUBMITTED = "submitted"
    #: An organiser reopened it after the deadline; the next submission closes it again.
    REOPENED = "reopened"


class ReportingBody(db.Model):
    """An organisation that submits a plan and a report for one event."""

    __tablename__ = "reporting_bodies"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Short stable identifier within the event (``beijing``, ``xpcc``).
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[BodyKind] = mapped_column(_enum(BodyKind, 20), default=BodyKind.PROVINCE)
    #: Where reminders go when the body has no reporter account yet.
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    position: Mapped[int] = mapped_column(default=0)
    #: A deactivated body is left off the board and cannot log in; its data stays.
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()

    def __repr__(self) -> str:
        return f"<ReportingBody {self.code}>"


class _SubmissionMixin:
    """Columns shared by :class:`ActivityPlan` and :class:`ActivityReport`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        _enum(SubmissionStatus, 20), default=SubmissionStatus.SUBMITTED
    )
    #: When version 1 came in: compared with the deadline to call it late.
    first_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the current version came in.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Number of the current (latest) version.
    current_version: Mapped[int] = mapped_column(default=1)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: End of the reopening; None: until the next submission.
    reopened_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_late(self, due_at: datetime | None) -> bool:
        """Whether the first version came after ``due_at`` (never late without a deadline)."""
        return due_at is not None and self.first_submitted_at > due_at

    def reopening_lasts(self, now: datetime) -> bool:
        """Whether an organiser's reopening allows a submission at ``now``."""
        if self.status != SubmissionStatus.REOPENED:
            return False
        return self.reopened_until is None or now < self.reopened_until


class ActivityPlan(_SubmissionMixin, db.Model):
    """A reporting body's plan of activities for one event (one per body)."""

    __tablename__ = "activity_plans"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_bodies.id", ondelete="CASCADE"), unique=True
    )
    reopened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    body: Mapped[ReportingBody] = relationship()
    versions: Mapped[list[ActivityPlanVersion]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="ActivityPlanVersion.number",
    )
    attachments: Mapped[list[SeriesAttachment]] = relationship(
        back_populates="plan", order_by="SeriesAttachment.id", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<ActivityPlan body={self.body_id} v{self.current_version}>"


class ActivityPlanVersion(db.Model):
    """One submission of a plan; never changed afterwards."""

    __tablename__ = "activity_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("activity_plans.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: Where the activities take place (free text, one or more places).
    places: Mapped[str] = mapped_column(String(1000), default="")
    activity_kind: Mapped[ActivityKind] = mapped_column(
        _enum(ActivityKind, 30), default=ActivityKind.OTHER
    )
    target_audience: Mapped[str] = mapped_column(String(500), default="")
    expected_participants: Mapped[int | None]
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[ActivityPlan] = relationship(back_populates="versions")
    submitted_by: Mapped[StaffUser | None] = relationship()


class ActivityReport(_SubmissionMixin, db.Model):
    """A reporting body's report on what took place (one per body)."""

    __tablename__ = "activity_reports"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_bodies.id", ondelete="CASCADE"), unique=True
    )
    reopened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    body: Mapped[ReportingBody] = relationship()
    versions: Mapped[list[ActivityReportVersion]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        order_by="ActivityReportVersion.number",
    )
    attachments: Mapped[list[SeriesAttachment]] = relationship(
        back_populates="report", order_by="SeriesAttachment.id", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<ActivityReport body={self.body_id} v{self.current_version}>"


class ActivityReportVersion(db.Model):
    """One submission of a report; never changed afterwards."""

    __tablename__ = "activity_report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("activity_reports.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    #: What took place.
    summary: Mapped[str] = mapped_column(Text, default="")
    #: How many people took part.
    participants: Mapped[int | None]
    #: Media coverage: validated http(s) URLs, one per line.
    media_links: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[ActivityReport] = relationship(back_populates="versions")
    submitted_by: Mapped[StaffUser | None] = relationship()

    @property
    def media_link_list(self) -> list[str]:
        """The media links as a list."""
        return [line for line in self.media_links.splitlines() if line.strip()]


class SeriesAttachment(db.Model):
    """A file attached to a plan or a report (exactly one of the two).

    The file columns carry the names of :class:`wadconf.services.uploads.StoredFile`.
    """

    __tablename__ = "series_attachments"
    __table_args__ = (
        CheckConstraint(
            "(plan_id IS NULL) <> (report_id IS NULL)", name="ck_series_attachments_one_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Names the attachment in URLs.
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_attachment_token)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_bodies.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity_plans.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity_reports.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: The UploadKind value (``pdf``, ``jpeg``, ...).
    kind: Mapped[str] = mapped_column(String(10))
    #: The version whose submission added the file.
    added_in_version: Mapped[int] = mapped_column(default=1)
    #: The version whose submission removed it; None: still attached.
    removed_in_version: Mapped[int | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[ReportingBody] = relationship()
    plan: Mapped[ActivityPlan | None] = relationship(back_populates="attachments")
    report: Mapped[ActivityReport | None] = relationship(back_populates="attachments")

    @property
    def is_current(self) -> bool:
        """Whether the file is part of the current version."""
        return self.removed_in_version is None

    def in_version(self, number: int) -> bool:
        """Whether the file was part of version ``number``."""
        return self.added_in_version <= number and (
            self.removed_in_version is None or self.removed_in_version > number
        )

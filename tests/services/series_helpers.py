"""Reporting bodies, plans, reports and attachments made directly, for the board's tests."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from werkzeug.datastructures import FileStorage

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    ActivityPlan,
    ActivityPlanVersion,
    ActivityReport,
    ActivityReportVersion,
    BodyKind,
    ReportingBody,
    SeriesAttachment,
)
from wadconf.services.uploads import ATTACHMENT_KINDS, store_upload


def add_body(event_id: int, code: str, *, kind=BodyKind.PROVINCE, email: str = "", **fields):
    body = ReportingBody(
        event_id=event_id,
        code=code,
        name_zh=fields.pop("name_zh", f"{code}市场监管局"),
        name_en=fields.pop("name_en", f"{code.title()} AMR"),
        kind=kind,
        contact_email=email,
        **fields,
    )
    db.session.add(body)
    db.session.flush()
    return body


def add_plan(body: ReportingBody, *, at: datetime | None = None, title: str = "Open day"):
    at = at or utcnow()
    plan = ActivityPlan(
        event_id=body.event_id, body_id=body.id, first_submitted_at=at, submitted_at=at
    )
    plan.versions.append(
        ActivityPlanVersion(
            number=1,
            title=title,
            starts_on=date(2025, 6, 9),
            ends_on=date(2025, 6, 9),
            places="Wuhan",
            target_audience="Companies",
            expected_participants=200,
            contact_name="Li",
            contact_phone="+8613800000000",
            description="Talks and stands",
        )
    )
    db.session.add(plan)
    db.session.flush()
    return plan


def add_report(body: ReportingBody, *, at: datetime | None = None, summary: str = "Done"):
    at = at or utcnow()
    report = ActivityReport(
        event_id=body.event_id, body_id=body.id, first_submitted_at=at, submitted_at=at
    )
    report.versions.append(
        ActivityReportVersion(number=1, summary=summary, participants=150, media_links="")
    )
    db.session.add(report)
    db.session.flush()
    return report


def attach(owner, data: bytes, name: str, *, removed_in: int | None = None):
    """Store ``data`` and attach it to a plan or report (needs a request context)."""
    stored = store_upload(
        FileStorage(stream=io.BytesIO(data), filename=name), allowed=ATTACHMENT_KINDS, area="series"
    )
    item = SeriesAttachment(
        event_id=owner.event_id,
        body_id=owner.body_id,
        plan_id=owner.id if isinstance(owner, ActivityPlan) else None,
        report_id=owner.id if isinstance(owner, ActivityReport) else None,
        storage_key=stored.storage_key,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        kind=stored.kind.value,
        removed_in_version=removed_in,
    )
    db.session.add(item)
    db.session.flush()
    return item


def days(n: float) -> timedelta:
    return timedelta(days=n)

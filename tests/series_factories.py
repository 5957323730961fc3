"""Helpers for the series-activities tests: bodies, reporter logins, plans, reports, files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from werkzeug.datastructures import FileStorage

from tests.factories import PASSWORD
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, StaffUser
from wadconf.models.series import ReportingBody
from wadconf.services import reporter_accounts, reporting_bodies
from wadconf.services import series as service

#: A fixed "now" and deadlines around it.
NOW = datetime(2024, 5, 20, 4, 0, tzinfo=UTC)
DUE = datetime(2024, 5, 31, 15, 59, tzinfo=UTC)  # 31 May 23:59 in Shanghai
BEFORE = DUE - timedelta(days=1)
AFTER = DUE + timedelta(days=1)


def make_body(app, event: Event, code: str = "hebei", **fields: Any) -> ReportingBody:
    """A committed reporting body of ``event``."""
    with app.app_context(), write_intent():
        body = reporting_bodies.add_body(
            db.session.get(Event, event.id),
            code=code,
            name_zh=fields.pop("name_zh", f"{code}市场监督管理局"),
            name_en=fields.pop("name_en", f"{code.title()} Administration for Market Regulation"),
            kind=fields.pop("kind", "province"),
        )
        db.session.commit()
        db.session.refresh(body)
        db.session.expunge(body)
        return body


def make_reporter(app, body: ReportingBody, email: str | None = None) -> StaffUser:
    """A reporter of ``body`` whose password is :data:`tests.factories.PASSWORD`."""
    with app.app_context(), write_intent():
        user = reporter_accounts.create_reporter(
            db.session.get(ReportingBody, body.id),
            email=email or f"reporter.{body.code}@example.org",
        )
        user.set_password(PASSWORD)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def set_deadlines(app, event: Event, *, plans: datetime | None = DUE, reports=None) -> None:
    """Set the event's deadlines."""
    with app.app_context(), write_intent():
        service.set_deadlines(
            db.session.get(Event, event.id), plans_due_at=plans, reports_due_at=reports
        )
        db.session.commit()


def plan_data(**fields: Any) -> service.PlanData:
    """A valid plan, with ``fields`` overriding."""
    values = {
        "title": "认可开放日 Open day",
        "starts_on": date(2024, 6, 9),
        "ends_on": date(2024, 6, 9),
        "places": "石家庄",
        "activity_kind": "open_day",
        "target_audience": "公众",
        "expected_participants": 200,
        "contact_name": "联络员",
        "contact_phone": "010-55500001",
        "description": "开放实验室",
    }
    values.update(fields)
    return service.PlanData(**values)


def upload(data: bytes, name: str) -> FileStorage:
    """A file as the browser sends it."""
    return FileStorage(stream=io.BytesIO(data), filename=name)


def submit_plan(app, body: ReportingBody, user: StaffUser, *, now=NOW, files=(), **fields):
    """Submit a plan version in its own transaction; returns the version number."""
    with app.app_context(), write_intent():
        plan = service.submit_plan(
            db.session.get(ReportingBody, body.id),
            plan_data(**fields),
            by=db.session.get(StaffUser, user.id),
            files=list(files),
            now=now,
        )
        db.session.commit()
        return plan.current_version


def submit_report(app, body: ReportingBody, user: StaffUser, *, now=NOW, files=(), **fields):
    """Submit a report version in its own transaction; returns the version number."""
    data = service.ReportData(
        summary=fields.pop("summary", "开放日接待市民300人"),
        participants=fields.pop("participants", 300),
        media_links=fields.pop("media_links", ["https://example.org/news/1"]),
    )
    with app.app_context(), write_intent():
        report = service.submit_report(
            db.session.get(ReportingBody, body.id),
            data,
            by=db.session.get(StaffUser, user.id),
            files=list(files),
            now=now,
        )
        db.session.commit()
        return report.current_version

"""The organisers' board of reporting bodies, and reminders to those missing a plan or report.

Each active body of an event has a plan state and a report state: ``submitted``, ``late``
(first version after the deadline) or ``missing``. The board is computed from three queries
(bodies, plans, reports): an event has a few dozen bodies, not thousands.

Reminders are e-mails queued through the outbox, bilingual, to the body's reporter accounts
and its contact address. Each one is recorded as a :class:`SeriesReminder`, unique per body,
topic and day (in the event's zone): sending twice the same day, by hand or by cron, skips
the bodies already reminded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    ActivityPlan,
    ActivityReport,
    BodyKind,
    Event,
    ReminderTopic,
    ReportingBody,
    Role,
    SeriesReminder,
    StaffUser,
)
from wadconf.services import DomainError, audit
from wadconf.services.mail import queue_mail

SUBMITTED = "submitted"
LATE = "late"
MISSING = "missing"
STATES = (SUBMITTED, LATE, MISSING)


@dataclass
class BoardRow:
    """One reporting body on the board."""

    body: ReportingBody
    plan: ActivityPlan | None
    report: ActivityReport | None
    plan_state: str
    report_state: str
    #: Last reminder day per topic value (``plan``, ``report``).
    last_reminded: dict[str, date] = field(default_factory=dict)


@dataclass
class Board:
    """The rows shown (after filters) and counts over all active bodies."""

    rows: list[BoardRow]
    total: int
    plan_counts: dict[str, int]
    report_counts: dict[str, int]


def _state(submission: ActivityPlan | ActivityReport | None, due_at: datetime | None) -> str:
    if submission is None:
        return MISSING
    return LATE if submission.is_late(due_at) else SUBMITTED


def board_rows(event: Event, *, include_inactive: bool = False) -> list[BoardRow]:
    """Every (active) body of ``event`` with its plan, report and states, in board order."""
    query = select(ReportingBody).where(ReportingBody.event_id == event.id)
    if not include_inactive:
        query = query.where(ReportingBody.is_active.is_(True))
    bodies = list(db.session.scalars(query.order_by(ReportingBody.position, ReportingBody.code)))
    plans = {
        p.body_id: p
        for p in db.session.scalars(select(ActivityPlan).where(ActivityPlan.event_id == event.id))
    }
    reports = {
        r.body_id: r
        for r in db.session.scalars(
            select(ActivityReport).where(ActivityReport.event_id == event.id)
        )
    }
    reminded: dict[int, dict[str, date]] = {}
    for body_id, topic, sent_on in db.session.execute(
        select(SeriesReminder.body_id, SeriesReminder.topic, SeriesReminder.sent_on).where(
            SeriesReminder.event_id == event.id
        )
    ):
        days = reminded.setdefault(body_id, {})
        key = ReminderTopic(topic).value
        days[key] = max(days.get(key, sent_on), sent_on)
    return [
        BoardRow(
            body=body,
            plan=plans.get(body.id),
            report=reports.get(body.id),
            plan_state=_state(plans.get(body.id), event.plans_due_at),
            report_state=_state(reports.get(body.id), event.reports_due_at),
            last_reminded=reminded.get(body.id, {}),
        )
        for body in bodies
    ]


def build_board(
    event: Event,
    *,
    plan_state: str | None = None,
    report_state: str | None = None,
    kind: str | None = None,
) -> Board:
    """The board filtered by plan state, report state and body kind (``None``: any)."""
    rows = board_rows(event)
    plan_counts = {state: sum(r.plan_state == state for r in rows) for state in STATES}
    report_counts = {state: sum(r.report_state == state for r in rows) for state in STATES}
    shown = [
        r
        for r in rows
        if (not plan_state or r.plan_state == plan_state)
        and (not report_state or r.report_state == report_state)
        and (not kind or r.body.kind == BodyKind(kind))
    ]
    return Board(rows=shown, total=len(rows), plan_counts=plan_counts, report_counts=report_counts)


# ---------------------------------------------------------------------------------------------
# Reminders


@dataclass
class ReminderResult:
    """What a reminder run did, body codes per outcome."""

    sent: list[str] = field(default_factory=list)
    already_today: list[str] = field(default_factory=list)
    not_missing: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    messages: int = 0


def recipients(body: ReportingBody) -> list[str]:
    """The body's active reporter accounts and its contact address, without repeats."""
    addresses = list(
        db.session.scalars(
            select(StaffUser.email)
            .where(
                StaffUser.reporting_body_id == body.id,
                StaffUser.role == Role.REPORTER,
                StaffUser.is_active_account.is_(True),
            )
            .order_by(StaffUser.id)
        )
    )
    if body.contact_email:
        addresses.append(body.contact_email)
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return [a for a in seen.values() if a]


def event_today(event: Event, now: datetime | None = None) -> date:
    """Today's date in the event's zone (reminders count days as organisers see them)."""
    return (now or utcnow()).astimezone(event.zone).date()


def _portal_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + "/series/"


def send_reminders(
    event: Event,
    *,
    topic: ReminderTopic | str,
    body_ids: list[int] | None = None,
    origin: str = "manual",
    by: StaffUser | None = None,
    now: datetime | None = None,
) -> ReminderResult:
    """Queue a reminder to each body of ``body_ids`` (None: all) that is missing ``topic``.

    Bodies that already submitted, were reminded about ``topic`` today, or have no address
    are skipped and listed in the result. Flushed, not committed; audited once per run.
    """
    topic = ReminderTopic(topic)
    now = now or utcnow()
    today = event_today(event, now)
    due_at = event.plans_due_at if topic is ReminderTopic.PLAN else event.reports_due_at
    rows = board_rows(event)
    if body_ids is not None:
        wanted = set(body_ids)
        rows = [r for r in rows if r.body.id in wanted]
        if not rows:
            raise DomainError("reminder_no_bodies", _("Choose at least one reporting body."))
    result = ReminderResult()
    for row in rows:
        state = row.plan_state if topic is ReminderTopic.PLAN else row.report_state
        if state != MISSING:
            result.not_missing.append(row.body.code)
            continue
        if row.last_reminded.get(topic.value) == today:
            result.already_today.append(row.body.code)
            continue
        addresses = recipients(row.body)
        if not addresses:
            result.no_address.append(row.body.code)
            continue
        if _remind_one(
            event,
            row.body,
            topic,
            addresses,
            due_at=due_at,
            today=today,
            origin=origin,
            by=by,
            now=now,
        ):
            result.sent.append(row.body.code)
            result.messages += len(addresses)
        else:
            result.already_today.append(row.body.code)
    if result.sent:
        audit.record(
            "series.remind",
            actor=by,
            actor_label=None if by else origin,
            event_id=event.id,
            details={"topic": topic.value, "origin": origin, "bodies": result.sent},
        )
    return result


def _remind_one(
    event: Event,
    body: ReportingBody,
    topic: ReminderTopic,
    addresses: list[str],
    *,
    due_at: datetime | None,
    today: date,
    origin: str,
    by: StaffUser | None,
    now: datetime,
) -> bool:
    """Record and queue one body's reminder; False when another run recorded it first."""
    savepoint = db.session.begin_nested()
    try:
        db.session.add(
            SeriesReminder(
                event_id=event.id,
                body_id=body.id,
                topic=topic,
                sent_on=today,
                sent_at=now,
                recipients=", ".join(addresses)[:1000],
                origin=origin,
                sent_by_id=by.id if by else None,
            )
        )
        db.session.flush()  # the unique key (body, topic, day) is the guard against twins
        for address in addresses:
            queue_mail(
                address,
                template="series_reminder",
                locale="both",
                context={
                    "event": event,
                    "body": body,
                    "topic": topic.value,
                    "due_at": due_at,
                    "link": _portal_url(),
                },
                to_name=body.name_zh or body.name_en,
                event_id=event.id,
                kind="series_reminder",
                subject_ref=f"series-reminder:{body.id}:{topic.value}:{today.isoformat()}",
            )
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return False
    return True


def due_soon(event: Event, topic: ReminderTopic, *, days_before: int, now: datetime) -> bool:
    """Whether ``topic``'s deadline is at most ``days_before`` days ahead (and not passed).

    ``days_before`` 0 means "any time before the deadline"; cron can then run daily from
    whenever organisers like.
    """
    due_at = event.plans_due_at if topic is ReminderTopic.PLAN else event.reports_due_at
    if due_at is None or now >= due_at:
        return False
    return days_before <= 0 or due_at - now <= timedelta(days=days_before)

"""Plans and reports of the series activities: deadlines, submissions, versions, reopening.

The rule, the same for plans (``Event.plans_due_at``) and reports (``reports_due_at``):

* the first submission is always accepted; after the deadline it counts as *late*;
* further submissions (edits) are accepted before the deadline, and after it only while an
  organiser's reopening lasts; the submission that uses a reopening closes it;
* every submission is a new numbered version; nothing is overwritten.

The submission row is locked (``FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite)
so two browser tabs submitting at once make versions n+1 and n+2, not two n+1.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import Event, StaffUser
from wadconf.models.series import (
    ActivityPlan,
    ActivityPlanVersion,
    ActivityReport,
    ActivityReportVersion,
    ReportingBody,
    SubmissionStatus,
)
from wadconf.services import DomainError, audit
from wadconf.services.series_data import (  # noqa: F401  (re-exported for views and tests)
    MAX_MEDIA_LINKS,
    PlanData,
    ReportData,
    clean_media_links,
    clean_plan,
    clean_report,
)
from wadconf.services.series_files import attach_files, remove_files

Submission = ActivityPlan | ActivityReport


class EditState(enum.StrEnum):
    """Whether a reporter may submit now, and why."""

    #: Nothing submitted yet and the deadline not passed (or no deadline).
    NEW = "new"
    #: Nothing submitted yet and the deadline passed: a first submission is accepted, late.
    NEW_LATE = "new_late"
    #: Submitted; edits accepted until the deadline.
    OPEN = "open"
    #: The deadline passed; an organiser's reopening allows one more submission.
    REOPENED = "reopened"
    #: The deadline passed: read only.
    CLOSED = "closed"

    @property
    def may_submit(self) -> bool:
        """Whether a submission is accepted in this state."""
        return self is not EditState.CLOSED


def edit_state(submission: Submission | None, due_at: datetime | None, now: datetime) -> EditState:
    """The state of ``submission`` (None: not yet submitted) at ``now``."""
    before_deadline = due_at is None or now < due_at
    if submission is None:
        return EditState.NEW if before_deadline else EditState.NEW_LATE
    if before_deadline:
        return EditState.OPEN
    return EditState.REOPENED if submission.reopening_lasts(now) else EditState.CLOSED


# ---------------------------------------------------------------------------------------------
# Reading


def plan_of(body: ReportingBody, *, lock: bool = False) -> ActivityPlan | None:
    """``body``'s plan, if submitted."""
    query = select(ActivityPlan).where(ActivityPlan.body_id == body.id)
    return db.session.scalar(query.with_for_update() if lock else query)


def report_of(body: ReportingBody, *, lock: bool = False) -> ActivityReport | None:
    """``body``'s report, if submitted."""
    query = select(ActivityReport).where(ActivityReport.body_id == body.id)
    return db.session.scalar(query.with_for_update() if lock else query)


def plan_version(plan: ActivityPlan, number: int) -> ActivityPlanVersion | None:
    """Version ``number`` of ``plan``."""
    return db.session.scalar(
        select(ActivityPlanVersion).where(
            ActivityPlanVersion.plan_id == plan.id, ActivityPlanVersion.number == number
        )
    )


def report_version(report: ActivityReport, number: int) -> ActivityReportVersion | None:
    """Version ``number`` of ``report``."""
    return db.session.scalar(
        select(ActivityReportVersion).where(
            ActivityReportVersion.report_id == report.id, ActivityReportVersion.number == number
        )
    )


def current_plan_version(plan: ActivityPlan) -> ActivityPlanVersion:
    """The latest version of ``plan``."""
    return plan.versions[-1]


def current_report_version(report: ActivityReport) -> ActivityReportVersion:
    """The latest version of ``report``."""
    return report.versions[-1]


# ---------------------------------------------------------------------------------------------
# Submitting


def _check_body(body: ReportingBody) -> Event:
    # Lock the body: two first submissions at once would otherwise both find no plan row
    # (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises them).
    db.session.execute(
        select(ReportingBody.id).where(ReportingBody.id == body.id).with_for_update()
    )
    if not body.is_active:
        raise DomainError("body_inactive", _l("This body is deactivated."))
    return body.event


def _start_version(
    submission: Submission | None, due_at: datetime | None, now: datetime, *, what: str
) -> None:
    state = edit_state(submission, due_at, now)
    if not state.may_submit:
        message = (
            _l("The deadline for plans has passed; ask the organisers to reopen your plan.")
            if what == "plan"
            else _l(
                "The deadline for reports has passed; ask the organisers to reopen your report."
            )
        )
        raise DomainError("deadline_passed", message)


def _bump(submission: Submission, now: datetime) -> int:
    submission.current_version += 1
    submission.submitted_at = now
    submission.status = SubmissionStatus.SUBMITTED
    submission.reopened_until = None
    return submission.current_version


def _submit(
    body: ReportingBody,
    event: Event,
    values: dict[str, Any],
    *,
    what: str,
    by: StaffUser,
    files: Sequence[Any],
    remove: Iterable[str],
    now: datetime | None,
):
    """Record a new version of ``body``'s plan or report (``what``) with its file changes.

    The body is locked and checked (:func:`_check_body`) and ``values`` cleaned by the caller.
    """
    now = now or utcnow()
    model, version_model, parent_key, due_at = (
        (ActivityPlan, ActivityPlanVersion, "plan_id", event.plans_due_at)
        if what == "plan"
        else (ActivityReport, ActivityReportVersion, "report_id", event.reports_due_at)
    )
    submission = (plan_of if what == "plan" else report_of)(body, lock=True)
    _start_version(submission, due_at, now, what=what)
    if submission is None:
        submission = model(
            event_id=event.id, body_id=body.id, first_submitted_at=now, submitted_at=now
        )
        db.session.add(submission)
        db.session.flush()
        number = 1
    else:
        number = _bump(submission, now)
    db.session.add(
        version_model(
            **{parent_key: submission.id},
            number=number,
            submitted_by_id=by.id,
            created_at=now,
            **values,
        )
    )
    remove_files(submission, remove, number=number)
    added = attach_files(submission, files, number=number, by=by)
    db.session.flush()
    db.session.expire(submission, ["versions", "attachments"])
    audit.record(
        f"series.{what}_submit",
        obj=submission,
        actor=by,
        details={
            "body": body.code,
            "version": number,
            "late": submission.is_late(due_at),
            "files_added": added,
        },
    )
    return submission


def submit_plan(
    body: ReportingBody,
    data: PlanData,
    *,
    by: StaffUser,
    files: Sequence[Any] = (),
    remove: Iterable[str] = (),
    now: datetime | None = None,
) -> ActivityPlan:
    """Record a new version of ``body``'s plan, with files to add and attachment tokens to drop.

    Raises ``deadline_passed``, ``body_inactive``, a field error or an upload error.
    """
    event = _check_body(body)
    values = clean_plan(data)
    return _submit(body, event, values, what="plan", by=by, files=files, remove=remove, now=now)


def submit_report(
    body: ReportingBody,
    data: ReportData,
    *,
    by: StaffUser,
    files: Sequence[Any] = (),
    remove: Iterable[str] = (),
    now: datetime | None = None,
) -> ActivityReport:
    """Record a new version of ``body``'s report (same rules as :func:`submit_plan`)."""
    event = _check_body(body)
    values = clean_report(data)
    return _submit(body, event, values, what="report", by=by, files=files, remove=remove, now=now)


# ---------------------------------------------------------------------------------------------
# Organisers


def reopen(
    submission: Submission,
    *,
    by: StaffUser,
    until: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Let the body submit once more after the deadline (until ``until``, if given)."""
    now = now or utcnow()
    if until is not None and until <= now:
        raise DomainError(
            "bad_until", _l("The end of the reopening must lie in the future."), field="until"
        )
    submission.status = SubmissionStatus.REOPENED
    submission.reopened_at = now
    submission.reopened_by_id = by.id
    submission.reopened_until = until
    db.session.flush()
    kind = "plan" if isinstance(submission, ActivityPlan) else "report"
    audit.record(
        f"series.{kind}_reopen",
        obj=submission,
        actor=by,
        details={"until": until.isoformat() if until else None},
    )


def close_reopening(submission: Submission, *, by: StaffUser) -> bool:
    """End a reopening before the body used it; False when none was open."""
    if submission.status != SubmissionStatus.REOPENED:
        return False
    submission.status = SubmissionStatus.SUBMITTED
    submission.reopened_until = None
    db.session.flush()
    kind = "plan" if isinstance(submission, ActivityPlan) else "report"
    audit.record(f"series.{kind}_reopen_close", obj=submission, actor=by)
    return True


def set_deadlines(
    event: Event,
    *,
    plans_due_at: datetime | None,
    reports_due_at: datetime | None,
    by: StaffUser | None = None,
) -> list[str]:
    """Set the event's deadlines (aware datetimes); return the names of those that changed."""
    for value in (plans_due_at, reports_due_at):
        if value is not None and value.tzinfo is None:
            raise ValueError("deadlines must be aware datetimes")
    if plans_due_at and reports_due_at and reports_due_at < plans_due_at:
        raise DomainError(
            "bad_deadlines",
            _l("The deadline for reports cannot come before the one for plans."),
            field="reports_due_at",
        )
    changed = []
    for name, value in (("plans_due_at", plans_due_at), ("reports_due_at", reports_due_at)):
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    db.session.flush()
    if changed:
        audit.record(
            "series.deadlines",
            obj=event,
            actor=by,
            event_id=event.id,
            details={
                name: (getattr(event, name).isoformat() if getattr(event, name) else None)
                for name in changed
            },
        )
    return changed

"""Plans and reports: deadline rules, reopening, versions, validation, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.series_factories import (
    AFTER,
    BEFORE,
    DUE,
    NOW,
    make_body,
    make_reporter,
    set_deadlines,
    submit_plan,
    submit_report,
)
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, StaffUser
from wadconf.models.series import ActivityPlan, ReportingBody, SubmissionStatus
from wadconf.services import DomainError, reporting_bodies
from wadconf.services import series as service


@pytest.fixture
def setup(app, make_event, make_user):
    """An event with a plan deadline, a body, its reporter and an organiser."""
    event = make_event()
    set_deadlines(app, event, plans=DUE, reports=DUE + timedelta(days=30))
    body = make_body(app, event)
    return event, body, make_reporter(app, body), make_user("organizer")


def _plan(app, body) -> ActivityPlan:
    with app.app_context():
        plan = service.plan_of(db.session.get(ReportingBody, body.id))
        db.session.expunge(plan)
        return plan


def _reopen(app, body, organiser, *, what="plan", until=None, now=AFTER):
    with app.app_context(), write_intent():
        row = db.session.get(ReportingBody, body.id)
        submission = service.plan_of(row) if what == "plan" else service.report_of(row)
        service.reopen(submission, by=db.session.get(StaffUser, organiser.id), until=until, now=now)
        db.session.commit()


def test_a_plan_before_the_deadline_is_not_late(app, setup):
    event, body, reporter, _ = setup
    submit_plan(app, body, reporter, now=BEFORE)
    assert _plan(app, body).is_late(DUE) is False


def test_a_first_plan_after_the_deadline_is_accepted_and_late(app, setup):
    event, body, reporter, _ = setup
    assert submit_plan(app, body, reporter, now=AFTER) == 1
    assert _plan(app, body).is_late(DUE) is True


def test_a_plan_at_the_deadline_instant_is_late(app, setup):
    _event, body, reporter, _ = setup
    submit_plan(app, body, reporter, now=DUE + timedelta(seconds=1))
    assert _plan(app, body).is_late(DUE) is True


def test_an_edit_before_the_deadline_makes_version_two(app, setup):
    _event, body, reporter, _ = setup
    submit_plan(app, body, reporter, now=NOW)
    assert submit_plan(app, body, reporter, now=BEFORE, title="Second") == 2


def test_an_edit_after_the_deadline_is_refused(app, setup):
    _event, body, reporter, _ = setup
    submit_plan(app, body, reporter, now=BEFORE)
    with pytest.raises(DomainError) as caught:
        submit_plan(app, body, reporter, now=AFTER, title="Too late")
    assert caught.value.code == "deadline_passed"
    assert _plan(app, body).current_version == 1


def test_an_edit_after_a_reopening_is_accepted(app, setup):
    _event, body, reporter, organiser = setup
    submit_plan(app, body, reporter, now=BEFORE)
    _reopen(app, body, organiser)
    assert submit_plan(app, body, reporter, now=AFTER + timedelta(hours=1)) == 2


def test_the_submission_after_a_reopening_closes_it(app, setup):
    _event, body, reporter, organiser = setup
    submit_plan(app, body, reporter, now=BEFORE)
    _reopen(app, body, organiser)
    submit_plan(app, body, reporter, now=AFTER + timedelta(hours=1))
    assert _plan(app, body).status == SubmissionStatus.SUBMITTED
    with pytest.raises(DomainError):
        submit_plan(app, body, reporter, now=AFTER + timedelta(hours=2))


def test_a_reopening_with_an_end_refuses_edits_after_it(app, setup):
    _event, body, reporter, organiser = setup
    submit_plan(app, body, reporter, now=BEFORE)
    _reopen(app, body, organiser, until=AFTER + timedelta(days=2))
    with pytest.raises(DomainError) as caught:
        submit_plan(app, body, reporter, now=AFTER + timedelta(days=3))
    assert caught.value.code == "deadline_passed"


def test_a_reopening_cannot_end_in_the_past(app, setup):
    _event, body, reporter, organiser = setup
    submit_plan(app, body, reporter, now=BEFORE)
    with pytest.raises(DomainError) as caught:
        _reopen(app, body, organiser, until=AFTER - timedelta(hours=1))
    assert caught.value.code == "bad_until"


def test_an_organiser_can_end_an_unused_reopening(app, setup):
    _event, body, reporter, organiser = setup
    submit_plan(app, body, reporter, now=BEFORE)
    _reopen(app, body, organiser)
    with app.app_context(), write_intent():
        plan = service.plan_of(db.session.get(ReportingBody, body.id))
        assert service.close_reopening(plan, by=db.session.get(StaffUser, organiser.id))
        db.session.commit()
    with pytest.raises(DomainError):
        submit_plan(app, body, reporter, now=AFTER + timedelta(hours=1))


def test_without_a_deadline_edits_stay_open(app, make_event):
    event = make_event()
    body = make_body(app, event)
    reporter = make_reporter(app, body)
    submit_plan(app, body, reporter, now=NOW)
    assert submit_plan(app, body, reporter, now=NOW + timedelta(days=400)) == 2


def test_every_version_is_kept_unchanged(app, setup):
    _event, body, reporter, _ = setup
    submit_plan(app, body, reporter, now=NOW, title="First title", expected_participants=10)
    submit_plan(app, body, reporter, now=BEFORE, title="Second title", expected_participants=20)
    with app.app_context():
        plan = service.plan_of(db.session.get(ReportingBody, body.id))
        first, second = service.plan_version(plan, 1), service.plan_version(plan, 2)
        assert (first.title, first.expected_participants) == ("First title", 10)
        assert (second.title, second.expected_participants) == ("Second title", 20)
        assert plan.first_submitted_at == NOW and plan.submitted_at == BEFORE


def test_the_report_deadline_applies_to_reports(app, setup):
    event, body, reporter, organiser = setup
    reports_due = DUE + timedelta(days=30)
    submit_report(app, body, reporter, now=reports_due - timedelta(days=1))
    with pytest.raises(DomainError) as caught:
        submit_report(app, body, reporter, now=reports_due + timedelta(days=1))
    assert caught.value.code == "deadline_passed"
    _reopen(app, body, organiser, what="report", now=reports_due + timedelta(days=1))
    assert submit_report(app, body, reporter, now=reports_due + timedelta(days=2)) == 2


def test_a_report_is_not_bound_by_the_plan_deadline(app, setup):
    _event, body, reporter, _ = setup
    submit_report(app, body, reporter, now=AFTER)
    assert submit_report(app, body, reporter, now=AFTER + timedelta(days=1)) == 2


def test_a_deactivated_body_cannot_submit(app, setup):
    _event, body, reporter, _ = setup
    with app.app_context(), write_intent():
        reporting_bodies.set_body_active(db.session.get(ReportingBody, body.id), False)
        db.session.commit()
    with pytest.raises(DomainError) as caught:
        submit_plan(app, body, reporter, now=NOW)
    assert caught.value.code == "body_inactive"


def test_the_last_day_cannot_come_before_the_first(app, setup):
    _event, body, reporter, _ = setup
    with pytest.raises(DomainError) as caught:
        submit_plan(app, body, reporter, starts_on=date(2024, 6, 9), ends_on=date(2024, 6, 8))
    assert caught.value.params["field"] == "ends_on"


def test_an_unknown_activity_kind_is_refused(app, setup):
    _event, body, reporter, _ = setup
    with pytest.raises(DomainError) as caught:
        submit_plan(app, body, reporter, activity_kind="party")
    assert caught.value.code == "bad_kind"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://example.org/x",
        "example.org/news",
        "https://",
        "https://exa mple.org/",
        "data:text/html,hi",
    ],
)
def test_a_media_link_must_be_a_web_address(link):
    with pytest.raises(DomainError) as caught:
        service.clean_media_links([link])
    assert caught.value.code == "bad_link"


def test_media_links_are_trimmed_and_deduplicated():
    links = [" https://example.org/a ", "", "https://example.org/a", "http://example.com/b"]
    assert service.clean_media_links(links) == ["https://example.org/a", "http://example.com/b"]


def test_a_report_needs_a_summary(app, setup):
    _event, body, reporter, _ = setup
    with pytest.raises(DomainError) as caught:
        submit_report(app, body, reporter, summary="  ")
    assert caught.value.code == "summary_required"


def test_submissions_and_reopenings_are_audited(app, setup):
    _event, body, reporter, organiser = setup
    submit_plan(app, body, reporter, now=AFTER)
    _reopen(app, body, organiser, now=AFTER + timedelta(hours=1))
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("series.plan%")).order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == ["series.plan_submit", "series.plan_reopen"]
        assert entries[0].details["late"] is True and entries[0].actor_id == reporter.id
        assert entries[1].actor_id == organiser.id


def test_edit_state_names_each_case():
    plan = ActivityPlan(status=SubmissionStatus.SUBMITTED, first_submitted_at=NOW)
    assert service.edit_state(None, DUE, BEFORE) is service.EditState.NEW
    assert service.edit_state(None, DUE, AFTER) is service.EditState.NEW_LATE
    assert service.edit_state(plan, DUE, BEFORE) is service.EditState.OPEN
    assert service.edit_state(plan, DUE, AFTER) is service.EditState.CLOSED
    plan.status = SubmissionStatus.REOPENED
    assert service.edit_state(plan, DUE, AFTER) is service.EditState.REOPENED


def test_deadlines_are_set_and_audited(app, make_event):
    event = make_event()
    set_deadlines(app, event, plans=DUE, reports=DUE + timedelta(days=30))
    with app.app_context():
        row = db.session.get(Event, event.id)
        assert row.plans_due_at == DUE
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "series.deadlines"))


def test_reports_cannot_be_due_before_plans(app, make_event):
    event = make_event()
    with pytest.raises(DomainError) as caught:
        set_deadlines(app, event, plans=DUE, reports=DUE - timedelta(days=1))
    assert caught.value.code == "bad_deadlines"

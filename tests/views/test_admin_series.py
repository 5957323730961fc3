"""Organiser pages of the series activities: deadlines, bodies, logins, per-body view, reopen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.series_factories import make_body, make_reporter, set_deadlines, submit_plan, upload
from tests.services.upload_samples import PDF
from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, OutboxMessage, Role, StaffUser
from wadconf.models.series import ActivityPlan, ReportingBody, SeriesAttachment, SubmissionStatus


@pytest.fixture
def organiser(auth, make_user):
    user = make_user("organizer")
    auth.login(user.email)
    return user


def _base(event) -> str:
    return f"/admin/events/{event.slug}/series"


def test_the_overview_lists_the_bodies(client, organiser, app, make_event):
    event = make_event()
    make_body(app, event, name_en="Hebei AMR")
    page = client.get(_base(event) + "/", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Hebei AMR" in page.get_data(as_text=True)


def test_deadlines_are_entered_in_the_event_zone_and_stored_in_utc(
    app, client, organiser, make_event
):
    event = make_event(timezone="Asia/Shanghai")
    response = client.post(
        _base(event) + "/deadlines",
        data={"plans_due_at": "2024-05-31T23:59", "reports_due_at": "2024-06-30T23:59"},
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Event, event.id)
        assert row.plans_due_at == datetime(2024, 5, 31, 15, 59, tzinfo=UTC)
        assert row.reports_due_at == datetime(2024, 6, 30, 15, 59, tzinfo=UTC)


def test_reports_due_before_plans_are_refused_on_the_form(app, client, organiser, make_event):
    event = make_event()
    response = client.post(
        _base(event) + "/deadlines",
        data={"plans_due_at": "2024-05-31T23:59", "reports_due_at": "2024-05-01T00:00"},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Event, event.id).plans_due_at is None


def test_the_preload_button_adds_the_32_bodies(app, client, organiser, make_event):
    event = make_event()
    assert client.post(_base(event) + "/bodies/preload").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportingBody)) == 32


def test_an_organiser_adds_an_association(app, client, organiser, make_event):
    event = make_event()
    response = client.post(
        _base(event) + "/bodies/new",
        data={
            "new-code": "cca",
            "new-name_zh": "中国认证认可协会",
            "new-name_en": "CCAA",
            "new-kind": "association",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        body = db.session.scalar(select(ReportingBody))
        assert (body.code, body.kind) == ("cca", "association")


def test_an_organiser_deactivates_a_body(app, client, organiser, make_event):
    event = make_event()
    body = make_body(app, event)
    client.post(f"{_base(event)}/bodies/{body.id}/active", data={"active": "0"})
    with app.app_context():
        assert db.session.get(ReportingBody, body.id).is_active is False


def test_an_organiser_creates_a_login_and_the_invitation_is_queued(
    app, client, organiser, make_event
):
    event = make_event()
    body = make_body(app, event)
    response = client.post(
        f"{_base(event)}/bodies/{body.id}/reporters/new",
        data={"rep-email": "liaison@example.org", "rep-locale": "both"},
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.role == Role.REPORTER))
        assert user.reporting_body_id == body.id
        assert db.session.scalar(select(OutboxMessage.to_address)) == "liaison@example.org"
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "series.reporter_create")
        )
        assert entry.actor_id == organiser.id


def test_the_body_page_shows_the_plan_and_its_versions(app, client, organiser, make_event):
    event = make_event()
    body = make_body(app, event)
    reporter = make_reporter(app, body)
    submit_plan(app, body, reporter, now=utcnow(), title="Old title")
    submit_plan(app, body, reporter, now=utcnow(), title="New title")
    page = client.get(f"{_base(event)}/bodies/{body.id}").get_data(as_text=True)
    assert "New title" in page and "reporter.hebei@example.org" in page
    old = client.get(f"{_base(event)}/bodies/{body.id}/plan/versions/1")
    assert "Old title" in old.get_data(as_text=True)


def test_a_missing_version_is_not_found(app, client, organiser, make_event):
    event = make_event()
    body = make_body(app, event)
    submit_plan(app, body, make_reporter(app, body), now=utcnow())
    assert client.get(f"{_base(event)}/bodies/{body.id}/plan/versions/2").status_code == 404


def test_another_events_body_is_not_found(app, client, organiser, make_event):
    body = make_body(app, make_event())
    other = make_event()
    assert client.get(f"{_base(other)}/bodies/{body.id}").status_code == 404


def test_reopening_lets_the_reporter_submit_after_the_deadline(
    app, client, auth, organiser, make_event
):
    event = make_event()
    body = make_body(app, event)
    reporter = make_reporter(app, body)
    submit_plan(app, body, reporter, now=utcnow())
    set_deadlines(app, event, plans=utcnow() - timedelta(minutes=1))
    assert client.post(f"{_base(event)}/bodies/{body.id}/plan/reopen").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ActivityPlan.status)) == SubmissionStatus.REOPENED
    auth.logout()
    auth.login(reporter.email)
    response = client.post(
        "/series/plan",
        data={
            "title": "After reopening",
            "starts_on": "2024-06-09",
            "ends_on": "2024-06-09",
            "activity_kind": "forum",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ActivityPlan.current_version)) == 2


def test_the_reopening_end_is_read_in_the_event_zone(app, client, organiser, make_event):
    event = make_event(timezone="Asia/Shanghai")
    body = make_body(app, event)
    submit_plan(app, body, make_reporter(app, body), now=utcnow())
    client.post(f"{_base(event)}/bodies/{body.id}/plan/reopen", data={"until": "2099-01-01T08:00"})
    with app.app_context():
        assert db.session.scalar(select(ActivityPlan.reopened_until)) == datetime(
            2099, 1, 1, 0, 0, tzinfo=UTC
        )


def test_the_organiser_downloads_any_bodys_attachment(app, client, organiser, make_event):
    event = make_event()
    body = make_body(app, event)
    submit_plan(app, body, make_reporter(app, body), now=utcnow(), files=[upload(PDF, "a.pdf")])
    with app.app_context():
        token = db.session.scalar(select(SeriesAttachment.token))
    response = client.get(f"{_base(event)}/files/{token}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_is_not_found_through_another_event(app, client, organiser, make_event):
    event = make_event()
    body = make_body(app, event)
    submit_plan(app, body, make_reporter(app, body), now=utcnow(), files=[upload(PDF, "a.pdf")])
    with app.app_context():
        token = db.session.scalar(select(SeriesAttachment.token))
    assert client.get(f"{_base(make_event())}/files/{token}").status_code == 404


def test_a_reporter_is_refused_on_the_organiser_pages(app, client, auth, make_event):
    event = make_event()
    body = make_body(app, event)
    reporter = make_reporter(app, body)
    auth.login(reporter.email)
    assert client.get(f"{_base(event)}/bodies/{body.id}").status_code == 403
    assert client.post(f"{_base(event)}/bodies/{body.id}/plan/reopen").status_code == 403


def test_an_organiser_limited_to_another_event_is_refused(app, client, auth, make_event, make_user):
    event, other = make_event(), make_event()
    user = make_user("organizer")
    with app.app_context(), write_intent():
        db.session.get(StaffUser, user.id).event_id = other.id
        db.session.commit()
    auth.login(user.email)
    assert client.get(_base(event) + "/").status_code == 403
    assert client.get(_base(other) + "/").status_code == 200

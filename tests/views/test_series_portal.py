"""The reporter portal: login landing, plan and report forms, versions, isolation, welcome link."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD
from tests.series_factories import make_body, make_reporter, set_deadlines, submit_plan, upload
from tests.services.upload_samples import EXE, PDF
from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import StaffUser
from wadconf.models.series import (
    ActivityPlanVersion,
    ActivityReportVersion,
    ReportingBody,
    SeriesAttachment,
)
from wadconf.services import reporter_accounts, reporting_bodies


@pytest.fixture
def two_bodies(app, make_event):
    """Hebei (logged-in reporter's body) and Beijing, each with a reporter, deadlines ahead."""
    event = make_event()
    now = utcnow()
    set_deadlines(app, event, plans=now + timedelta(days=10), reports=now + timedelta(days=40))
    hebei, beijing = make_body(app, event), make_body(app, event, code="beijing")
    return event, hebei, make_reporter(app, hebei), beijing, make_reporter(app, beijing)


def _plan_form(**overrides) -> dict:
    data = {
        "title": "认可开放日",
        "starts_on": "2024-06-09",
        "ends_on": "2024-06-09",
        "places": "石家庄",
        "activity_kind": "open_day",
        "target_audience": "公众",
        "expected_participants": "200",
        "contact_name": "联络员",
        "contact_phone": "010-55500001",
        "description": "开放实验室",
    }
    data.update(overrides)
    return data


def _versions(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_reporter_lands_on_the_portal_after_login(client, auth, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    response = auth.login(reporter.email)
    assert response.headers["Location"].endswith("/series/")


def test_the_portal_names_the_reporters_own_body(client, auth, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    auth.login(reporter.email)
    page = client.get("/series/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Hebei Administration" in page and "Beijing" not in page


def test_a_reporter_submits_a_plan_with_an_attachment(app, client, auth, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    auth.login(reporter.email)
    data = _plan_form(files=[(io.BytesIO(PDF), "方案.pdf")])
    response = client.post("/series/plan", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert _versions(app, ActivityPlanVersion) == 1
    with app.app_context():
        assert db.session.scalar(select(SeriesAttachment.original_name)) == "方案.pdf"


def test_a_disguised_attachment_is_refused_on_the_form(app, client, auth, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    auth.login(reporter.email)
    data = _plan_form(files=[(io.BytesIO(EXE), "plan.pdf")])
    response = client.post(
        "/series/plan",
        data=data,
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "program" in response.get_data(as_text=True)
    assert _versions(app, ActivityPlanVersion) == 0


def test_the_plan_form_is_prefilled_with_the_current_version(app, client, auth, two_bodies):
    _event, hebei, reporter, _beijing, _ = two_bodies
    submit_plan(app, hebei, reporter, now=utcnow(), title="Existing title")
    auth.login(reporter.email)
    assert "Existing title" in client.get("/series/plan").get_data(as_text=True)


def test_a_second_submission_is_a_new_version_and_both_can_be_read(app, client, auth, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    auth.login(reporter.email)
    client.post("/series/plan", data=_plan_form(title="First"))
    client.post("/series/plan", data=_plan_form(title="Second"))
    assert "First" in client.get("/series/plan/versions/1").get_data(as_text=True)
    assert "Second" in client.get("/series/plan/versions/2").get_data(as_text=True)


def test_after_the_deadline_a_post_adds_no_version(app, client, auth, two_bodies):
    event, hebei, reporter, _beijing, _ = two_bodies
    submit_plan(app, hebei, reporter, now=utcnow())
    set_deadlines(app, event, plans=utcnow() - timedelta(minutes=1), reports=None)
    auth.login(reporter.email)
    response = client.post("/series/plan", data=_plan_form(title="Too late"))
    assert response.status_code == 200
    assert _versions(app, ActivityPlanVersion) == 1


def test_a_reporter_submits_a_report_with_media_links(app, client, auth, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    auth.login(reporter.email)
    response = client.post(
        "/series/report",
        data={
            "summary": "接待市民300人",
            "participants": "300",
            "media_links": "https://example.org/a\nhttp://example.com/b",
        },
    )
    assert response.status_code == 302
    page = client.get("/series/report/versions/1").get_data(as_text=True)
    assert 'href="https://example.org/a"' in page


def test_a_script_link_is_refused_on_the_report_form(app, client, auth, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    auth.login(reporter.email)
    response = client.post(
        "/series/report", data={"summary": "x", "media_links": "javascript:alert(1)"}
    )
    assert response.status_code == 200
    assert _versions(app, ActivityReportVersion) == 0


# --- isolation: a reporter never sees another body's data ---------------------------------


def test_another_bodys_plan_version_is_not_found(app, client, auth, two_bodies):
    _event, _hebei, reporter, beijing, beijing_user = two_bodies
    submit_plan(app, beijing, beijing_user, now=utcnow(), title="Beijing secret")
    auth.login(reporter.email)
    response = client.get("/series/plan/versions/1")
    assert response.status_code == 404
    assert "Beijing secret" not in client.get("/series/plan").get_data(as_text=True)


def test_another_bodys_attachment_is_not_found(app, client, auth, two_bodies):
    _event, _hebei, reporter, beijing, beijing_user = two_bodies
    submit_plan(app, beijing, beijing_user, now=utcnow(), files=[upload(PDF, "bj.pdf")])
    with app.app_context():
        token = db.session.scalar(select(SeriesAttachment.token))
    auth.login(reporter.email)
    assert client.get(f"/series/files/{token}").status_code == 404


def test_the_own_attachment_downloads_with_nosniff(app, client, auth, two_bodies):
    _event, hebei, reporter, _beijing, _ = two_bodies
    submit_plan(app, hebei, reporter, now=utcnow(), files=[upload(PDF, "hb.pdf")])
    with app.app_context():
        token = db.session.scalar(select(SeriesAttachment.token))
    auth.login(reporter.email)
    response = client.get(f"/series/files/{token}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_reporter_cannot_remove_another_bodys_file_by_its_token(app, client, auth, two_bodies):
    _event, _hebei, reporter, beijing, beijing_user = two_bodies
    submit_plan(app, beijing, beijing_user, now=utcnow(), files=[upload(PDF, "bj.pdf")])
    with app.app_context():
        token = db.session.scalar(select(SeriesAttachment.token))
    auth.login(reporter.email)
    client.post("/series/plan", data={**_plan_form(), "remove": token})
    with app.app_context():
        assert db.session.scalar(select(SeriesAttachment.removed_in_version)) is None


@pytest.mark.parametrize("role", ["organizer", "admin", "checkin"])
def test_staff_cannot_use_the_portal(client, auth, make_user, role):
    user = make_user(role)
    auth.login(user.email)
    assert client.get("/series/").status_code == 403


def test_a_deactivated_bodys_reporter_is_refused(app, client, auth, two_bodies):
    _event, hebei, reporter, _beijing, _ = two_bodies
    with app.app_context(), write_intent():
        reporting_bodies.set_body_active(db.session.get(ReportingBody, hebei.id), False)
        db.session.commit()
    auth.login(reporter.email)
    assert client.get("/series/plan").status_code == 403


def test_a_visitor_is_sent_to_login(client):
    response = client.get("/series/plan")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the invitation link -----------------------------------------------------------------


def _token(app, user_id: int) -> str:
    with app.test_request_context():
        return reporter_accounts.invitation_token(db.session.get(StaffUser, user_id))


def test_the_welcome_link_sets_the_password_then_login_works(app, client, auth, make_event):
    body = make_body(app, make_event())
    with app.app_context(), write_intent():
        user = reporter_accounts.create_reporter(
            db.session.get(ReportingBody, body.id), email="new@example.org"
        )
        db.session.commit()
        user_id = user.id
    token = _token(app, user_id)
    new_password = "my own new password"
    response = client.post(
        f"/series/welcome/{token}", data={"password": new_password, "confirm": new_password}
    )
    assert response.status_code == 302
    assert auth.login("new@example.org", new_password).headers["Location"].endswith("/series/")


def test_the_welcome_link_is_dead_once_used(app, client, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    token = _token(app, reporter.id)
    client.post(f"/series/welcome/{token}", data={"password": "x" * 12, "confirm": "x" * 12})
    assert client.get(f"/series/welcome/{token}").status_code == 410


def test_a_made_up_welcome_link_is_refused(client):
    assert client.get("/series/welcome/not-a-token").status_code == 410


def test_the_welcome_page_keeps_the_old_password_when_confirm_differs(app, client, two_bodies):
    _event, _hebei, reporter, _beijing, _ = two_bodies
    token = _token(app, reporter.id)
    response = client.post(
        f"/series/welcome/{token}", data={"password": "x" * 12, "confirm": "y" * 12}
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(StaffUser, reporter.id).check_password(PASSWORD)

"""Attachments of plans and reports: stored through the upload service, kept per version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.series_factories import (
    NOW,
    make_body,
    make_reporter,
    plan_data,
    submit_plan,
    submit_report,
    upload,
)
from tests.services.upload_samples import EXE, PDF, png
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import StaffUser
from wadconf.models.series import ReportingBody, SeriesAttachment
from wadconf.services import DomainError, series_files
from wadconf.services import series as service


@pytest.fixture
def body_and_reporter(app, make_event):
    body = make_body(app, make_event())
    return body, make_reporter(app, body)


def _attachments(app) -> list[SeriesAttachment]:
    with app.app_context():
        rows = db.session.scalars(select(SeriesAttachment).order_by(SeriesAttachment.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _uploads_dir(app) -> Path:
    return Path(app.instance_path) / "uploads" / "series"


def test_a_plan_keeps_its_attachments(app, body_and_reporter):
    body, reporter = body_and_reporter
    submit_plan(app, body, reporter, files=[upload(PDF, "方案.pdf"), upload(png(), "photo.png")])
    rows = _attachments(app)
    assert [(r.original_name, r.kind, r.added_in_version) for r in rows] == [
        ("方案.pdf", "pdf", 1),
        ("photo.png", "png", 1),
    ]
    assert all(r.body_id == body.id and r.plan_id and r.report_id is None for r in rows)


def test_a_report_attachment_belongs_to_the_report(app, body_and_reporter):
    body, reporter = body_and_reporter
    submit_report(app, body, reporter, files=[upload(png(), "photo.png")])
    (row,) = _attachments(app)
    assert row.report_id is not None and row.plan_id is None


def test_the_file_is_stored_outside_static_under_a_random_name(app, body_and_reporter):
    body, reporter = body_and_reporter
    submit_plan(app, body, reporter, files=[upload(PDF, "plan.pdf")])
    (row,) = _attachments(app)
    assert "plan" not in row.storage_key
    assert (Path(app.instance_path) / "uploads" / row.storage_key).read_bytes() == PDF


def test_a_disguised_program_is_refused_and_nothing_is_kept(app, body_and_reporter):
    body, reporter = body_and_reporter
    with pytest.raises(DomainError) as caught:
        submit_plan(app, body, reporter, files=[upload(PDF, "ok.pdf"), upload(EXE, "plan.pdf")])
    assert caught.value.code == "upload_executable"
    assert caught.value.params["field"] == "files"
    assert _attachments(app) == []
    assert list(_uploads_dir(app).iterdir()) == []  # ok.pdf was stored first, then deleted


def test_a_removed_file_stays_in_the_earlier_version(app, body_and_reporter):
    body, reporter = body_and_reporter
    submit_plan(app, body, reporter, now=NOW, files=[upload(PDF, "v1.pdf")])
    (first,) = _attachments(app)
    with app.app_context(), write_intent():
        service.submit_plan(
            db.session.get(ReportingBody, body.id),
            service.PlanData.from_version(
                service.current_plan_version(
                    service.plan_of(db.session.get(ReportingBody, body.id))
                )
            ),
            by=db.session.get(StaffUser, reporter.id),
            remove=[first.token],
            files=[upload(png(), "v2.png")],
            now=NOW,
        )
        db.session.commit()
    with app.app_context():
        plan = service.plan_of(db.session.get(ReportingBody, body.id))
        assert [a.original_name for a in series_files.files_of_version(plan, 1)] == ["v1.pdf"]
        assert [a.original_name for a in series_files.files_of_version(plan, 2)] == ["v2.png"]
        assert [a.original_name for a in series_files.current_files(plan)] == ["v2.png"]


def test_another_bodys_token_does_not_remove_anything(app, make_event):
    event = make_event()
    hebei, beijing = make_body(app, event), make_body(app, event, code="beijing")
    hebei_user, beijing_user = make_reporter(app, hebei), make_reporter(app, beijing)
    submit_plan(app, hebei, hebei_user, files=[upload(PDF, "hebei.pdf")])
    (theirs,) = _attachments(app)
    with app.app_context(), write_intent():
        plan = service.submit_plan(
            db.session.get(ReportingBody, beijing.id),
            plan_data(),
            by=db.session.get(StaffUser, beijing_user.id),
            remove=[theirs.token],
            now=NOW,
        )
        db.session.commit()
        assert plan.current_version == 1
    assert _attachments(app)[0].removed_in_version is None


def test_an_attachment_is_found_only_through_its_own_body(app, make_event):
    event = make_event()
    hebei, beijing = make_body(app, event), make_body(app, event, code="beijing")
    submit_plan(app, hebei, make_reporter(app, hebei), files=[upload(PDF, "hebei.pdf")])
    (row,) = _attachments(app)
    with app.app_context():
        assert series_files.attachment_of_body(db.session.get(ReportingBody, hebei.id), row.token)
        assert (
            series_files.attachment_of_body(db.session.get(ReportingBody, beijing.id), row.token)
            is None
        )


def test_too_many_files_are_refused(app, body_and_reporter, monkeypatch):
    body, reporter = body_and_reporter
    monkeypatch.setattr(series_files, "MAX_CURRENT_FILES", 1)
    with pytest.raises(DomainError) as caught:
        submit_plan(app, body, reporter, files=[upload(PDF, "a.pdf"), upload(PDF, "b.pdf")])
    assert caught.value.code == "too_many_files"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SeriesAttachment)) == 0

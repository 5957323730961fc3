"""The board of reporting bodies, reminders (by hand and by cron) and the exports."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.services import series_helpers as h
from tests.services import upload_samples as samples
from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import (
    AuditEntry,
    BodyKind,
    Event,
    OutboxMessage,
    ReminderTopic,
    SeriesReminder,
)
from wadconf.services import DomainError, accounts
from wadconf.services import series_board as board
from wadconf.services import series_exports as exports

NOW = datetime(2025, 5, 29, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
DUE = datetime(2025, 5, 31, 15, 59, tzinfo=UTC)


@pytest.fixture
def ctx(app, make_event):
    """A request context with an event whose plans are due on 31 May (Beijing time)."""
    event = make_event(slug="wad")
    with app.test_request_context():
        fresh = db.session.get(Event, event.id)
        fresh.plans_due_at = DUE
        fresh.reports_due_at = DUE + h.days(30)
        db.session.flush()
        yield fresh


def _reporter(body, email: str, *, active: bool = True):
    user = accounts.create_user(email, role="reporter", password="correct horse battery")
    user.reporting_body_id = body.id
    user.is_active_account = active
    db.session.flush()
    return user


# --- states, filters, counts ---------------------------------------------------------------


def test_plan_states_submitted_late_missing(ctx):
    on_time, late, missing = (h.add_body(ctx.id, c) for c in ("hubei", "hunan", "henan"))
    h.add_plan(on_time, at=DUE - h.days(1))
    h.add_plan(late, at=DUE + h.days(1))
    states = {r.body.code: r.plan_state for r in board.board_rows(ctx)}
    assert states == {"hubei": "submitted", "hunan": "late", "henan": "missing"}


def test_without_deadline_nothing_is_late(ctx):
    ctx.plans_due_at = None
    h.add_plan(h.add_body(ctx.id, "hubei"), at=DUE + h.days(10))
    assert board.board_rows(ctx)[0].plan_state == "submitted"


def test_report_state_is_separate_from_plan_state(ctx):
    body = h.add_body(ctx.id, "hubei")
    h.add_plan(body, at=NOW)
    row = board.board_rows(ctx)[0]
    assert (row.plan_state, row.report_state) == ("submitted", "missing")


def test_counts_cover_all_bodies_while_filter_narrows_rows(ctx):
    h.add_plan(h.add_body(ctx.id, "hubei"), at=NOW)
    h.add_body(ctx.id, "hunan")
    h.add_body(ctx.id, "cnas", kind=BodyKind.ASSOCIATION)
    result = board.build_board(ctx, plan_state="missing")
    assert [r.body.code for r in result.rows] == ["cnas", "hunan"]
    assert result.plan_counts == {"submitted": 1, "late": 0, "missing": 2}
    assert result.total == 3


def test_kind_filter(ctx):
    h.add_body(ctx.id, "hubei")
    h.add_body(ctx.id, "cnas", kind=BodyKind.ASSOCIATION)
    assert [r.body.code for r in board.build_board(ctx, kind="association").rows] == ["cnas"]


def test_inactive_bodies_are_left_off(ctx):
    h.add_body(ctx.id, "hubei", is_active=False)
    assert board.build_board(ctx).total == 0


def test_other_events_bodies_are_not_on_the_board(ctx):
    other = Event(slug="other", starts_on=ctx.starts_on, ends_on=ctx.ends_on)
    db.session.add(other)
    db.session.flush()
    h.add_body(other.id, "hubei")
    assert board.board_rows(ctx) == []


# --- reminders ------------------------------------------------------------------------------


def test_recipients_are_active_reporters_and_contact_without_repeats(ctx):
    body = h.add_body(ctx.id, "hubei", email="Office@hubei.example")
    _reporter(body, "office@hubei.example")
    _reporter(body, "li@hubei.example")
    _reporter(body, "gone@hubei.example", active=False)
    assert sorted(board.recipients(body)) == ["li@hubei.example", "office@hubei.example"]


def test_reminder_goes_only_to_bodies_missing_the_plan(ctx):
    done = h.add_body(ctx.id, "hubei", email="a@hubei.example")
    h.add_plan(done, at=NOW)
    h.add_body(ctx.id, "hunan", email="b@hunan.example")
    result = board.send_reminders(ctx, topic="plan", now=NOW)
    assert result.sent == ["hunan"] and result.not_missing == ["hubei"]
    assert db.session.scalars(select(OutboxMessage.to_address)).all() == ["b@hunan.example"]


def test_reminder_is_bilingual_with_deadline_and_portal_link(ctx):
    h.add_body(ctx.id, "hunan", email="b@hunan.example")
    board.send_reminders(ctx, topic="plan", now=NOW)
    message = db.session.scalar(select(OutboxMessage))
    assert "---------- English ----------" in message.body_text
    assert "We have not yet received your activity plan" in message.body_text
    assert "/series/" in message.body_text
    assert message.kind == "series_reminder" and message.event_id == ctx.id


def test_second_reminder_the_same_day_is_skipped(ctx):
    h.add_body(ctx.id, "hunan", email="b@hunan.example")
    board.send_reminders(ctx, topic="plan", now=NOW)
    again = board.send_reminders(ctx, topic="plan", now=NOW + h.days(0.4))
    assert again.sent == [] and again.already_today == ["hunan"]
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_reminder_next_day_is_sent(ctx):
    h.add_body(ctx.id, "hunan", email="b@hunan.example")
    board.send_reminders(ctx, topic="plan", now=NOW)
    assert board.send_reminders(ctx, topic="plan", now=NOW + h.days(1)).sent == ["hunan"]


def test_day_is_counted_in_the_event_zone(ctx):
    h.add_body(ctx.id, "hunan", email="b@hunan.example")
    late_evening_utc = datetime(2025, 5, 28, 17, 0, tzinfo=UTC)  # 29 May 01:00 Beijing
    board.send_reminders(ctx, topic="plan", now=late_evening_utc)
    assert db.session.scalar(select(SeriesReminder.sent_on)).isoformat() == "2025-05-29"


def test_plan_and_report_reminders_are_independent(ctx):
    h.add_body(ctx.id, "hunan", email="b@hunan.example")
    board.send_reminders(ctx, topic="plan", now=NOW)
    assert board.send_reminders(ctx, topic="report", now=NOW).sent == ["hunan"]


def test_selected_bodies_only(ctx):
    first = h.add_body(ctx.id, "hubei", email="a@hubei.example")
    h.add_body(ctx.id, "hunan", email="b@hunan.example")
    result = board.send_reminders(ctx, topic="plan", body_ids=[first.id], now=NOW)
    assert result.sent == ["hubei"]


def test_selecting_no_body_is_refused(ctx):
    h.add_body(ctx.id, "hubei", email="a@hubei.example")
    with pytest.raises(DomainError) as excinfo:
        board.send_reminders(ctx, topic="plan", body_ids=[], now=NOW)
    assert excinfo.value.code == "reminder_no_bodies"


def test_body_without_address_is_reported(ctx):
    h.add_body(ctx.id, "hubei")
    result = board.send_reminders(ctx, topic="plan", now=NOW)
    assert result.no_address == ["hubei"] and result.sent == []


def test_reminder_is_recorded_and_audited(ctx):
    h.add_body(ctx.id, "hubei", email="a@hubei.example")
    board.send_reminders(ctx, topic=ReminderTopic.PLAN, origin="cli", now=NOW)
    reminder = db.session.scalar(select(SeriesReminder))
    assert (reminder.origin, reminder.recipients) == ("cli", "a@hubei.example")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "series.remind"))
    assert entry.details["bodies"] == ["hubei"] and entry.event_id == ctx.id


def test_twin_reminder_hits_the_unique_key_and_is_skipped(ctx):
    body = h.add_body(ctx.id, "hubei", email="a@hubei.example")
    today = board.event_today(ctx, NOW)
    # Another process recorded today's reminder after this one read the board.
    assert board._remind_one(ctx, body, ReminderTopic.PLAN, ["a@hubei.example"], due_at=DUE,
                             today=today, origin="cli", by=None, now=NOW)  # fmt: skip
    assert not board._remind_one(ctx, body, ReminderTopic.PLAN, ["a@hubei.example"], due_at=DUE,
                                 today=today, origin="cli", by=None, now=NOW)  # fmt: skip
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


@pytest.mark.parametrize(
    ("days_before", "now", "expected"),
    [
        (3, NOW, True),
        (1, NOW, False),
        (0, NOW - h.days(60), True),
        (3, DUE + h.days(0.01), False),
    ],
)
def test_due_soon_window(ctx, days_before, now, expected):
    assert board.due_soon(ctx, ReminderTopic.PLAN, days_before=days_before, now=now) is expected


# --- exports --------------------------------------------------------------------------------


def test_submissions_workbook_has_board_plans_reports_with_formula_guard(ctx):
    body = h.add_body(ctx.id, "hubei")
    h.add_plan(body, at=NOW, title='=HYPERLINK("http://evil","x")')
    h.add_report(body, at=NOW, summary="Forum with 300 people")
    h.add_body(ctx.id, "hunan")
    book = load_workbook(io.BytesIO(exports.submissions_workbook(ctx)))
    assert len(book.worksheets) == 3
    plans, reports = book.worksheets[1], book.worksheets[2]
    title_cell = plans.cell(row=2, column=5)
    assert title_cell.value == '=HYPERLINK("http://evil","x")' and title_cell.data_type == "s"
    assert reports.cell(row=2, column=5).value == "Forum with 300 people"
    assert plans.max_row == 2  # hunan has no plan
    board_sheet = book.worksheets[0]
    assert [board_sheet.cell(row=r, column=1).value for r in (2, 3)] == ["hubei", "hunan"]


def test_submission_export_is_audited(ctx):
    exports.submissions_workbook(ctx)
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "series.export_submissions")
    )


def test_attachments_zip_has_a_folder_per_body_and_a_manifest(ctx):
    hubei, hunan = h.add_body(ctx.id, "hubei"), h.add_body(ctx.id, "hunan")
    plan = h.add_plan(hubei, at=NOW)
    h.attach(plan, samples.PDF, "方案.pdf")
    h.attach(plan, samples.PDF, "方案.pdf")  # same name twice
    h.attach(plan, samples.docx(), "old.docx", removed_in=2)
    h.attach(h.add_report(hunan, at=NOW), samples.png(), "photo.png")
    export = exports.attachments_zip(ctx)
    with zipfile.ZipFile(export.file) as archive:
        names = sorted(archive.namelist())
        assert archive.read("hubei/plan/方案.pdf") == samples.PDF
        manifest = archive.read("manifest.csv").decode("utf-8-sig")
    export.file.close()
    assert names == [
        "hubei/plan/superseded/old.docx",
        "hubei/plan/方案 (2).pdf",
        "hubei/plan/方案.pdf",
        "hunan/report/photo.png",
        "manifest.csv",
    ]
    assert "hunan/report/photo.png" in manifest and (export.files, export.bodies) == (4, 2)


def test_attachments_zip_of_one_body_only(ctx):
    hubei, hunan = h.add_body(ctx.id, "hubei"), h.add_body(ctx.id, "hunan")
    h.attach(h.add_plan(hubei, at=NOW), samples.PDF, "a.pdf")
    h.attach(h.add_plan(hunan, at=NOW), samples.PDF, "b.pdf")
    export = exports.attachments_zip(ctx, body=hunan)
    with zipfile.ZipFile(export.file) as archive:
        assert sorted(archive.namelist()) == ["hunan/plan/b.pdf", "manifest.csv"]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "series.export_attachments")
    )
    assert entry.details["body"] == "hunan"


def test_lost_file_is_listed_missing_and_does_not_stop_the_zip(ctx):
    from wadconf.services.uploads import delete_stored

    item = h.attach(h.add_plan(h.add_body(ctx.id, "hubei"), at=NOW), samples.PDF, "a.pdf")
    delete_stored(item.storage_key)
    export = exports.attachments_zip(ctx)
    with zipfile.ZipFile(export.file) as archive:
        assert archive.namelist() == ["manifest.csv"]
        assert "missing" in archive.read("manifest.csv").decode("utf-8-sig")
    assert export.missing == 1


def test_zip_folder_of_a_strange_code_cannot_climb(ctx):
    body = h.add_body(ctx.id, "../x")
    h.attach(h.add_plan(body, at=NOW), samples.PDF, "a.pdf")
    with zipfile.ZipFile(exports.attachments_zip(ctx).file) as archive:
        assert "___x/plan/a.pdf" in archive.namelist()


def test_now_helper_is_aware():
    assert utcnow().tzinfo is not None

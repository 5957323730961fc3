"""The board page, reminders by hand, the exports, and ``wadconf series remind``."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.services import series_helpers as h
from tests.services import upload_samples as samples
from wadconf.database import utcnow
from wadconf.extensions import db
from wadconf.models import AuditEntry, Event, OutboxMessage, SeriesReminder


@pytest.fixture
def setup(app, make_event):
    """An event (plans due in two days) with hubei (plan in, one PDF) and hunan (nothing)."""
    event = make_event(slug="wad")
    with app.test_request_context():
        fresh = db.session.get(Event, event.id)
        fresh.plans_due_at = utcnow() + timedelta(days=2)
        fresh.reports_due_at = utcnow() + timedelta(days=40)
        hubei = h.add_body(event.id, "hubei", email="office@hubei.example", position=1)
        hunan = h.add_body(event.id, "hunan", email="office@hunan.example", position=2)
        h.attach(h.add_plan(hubei), samples.PDF, "方案.pdf")
        db.session.commit()
        return {"slug": event.slug, "hubei": hubei.id, "hunan": hunan.id}


def _login(auth, make_user, role="organizer"):
    assert auth.login(make_user(role).email).status_code == 302


def _mails(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.to_address).order_by(OutboxMessage.id)))


def test_board_shows_states_and_counts(client, auth, make_user, setup):
    _login(auth, make_user)
    page = client.get("/admin/events/wad/series/board", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="body-hubei"' in text and 'id="body-hunan"' in text
    assert "Missing 1" in text and "Submitted 1" in text


def test_board_filter_by_plan_state(client, auth, make_user, setup):
    _login(auth, make_user)
    text = client.get("/admin/events/wad/series/board?plan=missing").get_data(as_text=True)
    assert 'id="body-hunan"' in text and 'id="body-hubei"' not in text


def test_unknown_filter_value_is_ignored(client, auth, make_user, setup):
    _login(auth, make_user)
    text = client.get("/admin/events/wad/series/board?plan=bogus").get_data(as_text=True)
    assert 'id="body-hunan"' in text and 'id="body-hubei"' in text


def test_remind_all_missing_queues_mail_to_missing_only(app, client, auth, make_user, setup):
    _login(auth, make_user)
    response = client.post(
        "/admin/events/wad/series/board/remind", data={"topic": "plan", "scope": "missing"}
    )
    assert response.status_code == 302
    assert _mails(app) == ["office@hunan.example"]


def test_remind_selected_bodies(app, client, auth, make_user, setup):
    _login(auth, make_user)
    client.post(
        "/admin/events/wad/series/board/remind",
        data={"topic": "report", "scope": "selected", "bodies": [setup["hubei"]]},
    )
    assert _mails(app) == ["office@hubei.example"]


def test_remind_twice_a_day_sends_once(app, client, auth, make_user, setup):
    _login(auth, make_user)
    for _ in range(2):
        client.post(
            "/admin/events/wad/series/board/remind", data={"topic": "plan", "scope": "missing"}
        )
    assert len(_mails(app)) == 1


def test_remind_with_nothing_ticked_says_so(app, client, auth, make_user, setup):
    _login(auth, make_user)
    response = client.post(
        "/admin/events/wad/series/board/remind",
        data={"topic": "plan", "scope": "selected"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Choose at least one reporting body." in response.get_data(as_text=True)
    assert _mails(app) == []


def test_board_xlsx(client, auth, make_user, setup):
    _login(auth, make_user)
    response = client.get("/admin/events/wad/series/board.xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == ["hubei", "hunan"]


def test_submissions_xlsx_has_three_sheets(client, auth, make_user, setup):
    _login(auth, make_user)
    response = client.get("/admin/events/wad/series/submissions.xlsx")
    assert len(load_workbook(io.BytesIO(response.data)).worksheets) == 3


def test_attachments_zip_of_all_and_of_one_body(app, client, auth, make_user, setup):
    _login(auth, make_user)
    everything = client.get("/admin/events/wad/series/attachments.zip")
    assert everything.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(everything.data)) as archive:
        assert "hubei/plan/方案.pdf" in archive.namelist()
    one = client.get("/admin/events/wad/series/attachments.zip?body=hunan")
    with zipfile.ZipFile(io.BytesIO(one.data)) as archive:
        assert archive.namelist() == ["manifest.csv"]
    with app.app_context():
        count = db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "series.export_attachments"
            )
        )
    assert count == 2


def test_zip_of_unknown_body_is_404(client, auth, make_user, setup):
    _login(auth, make_user)
    assert client.get("/admin/events/wad/series/attachments.zip?body=nosuch").status_code == 404


@pytest.mark.parametrize("role", ["reporter", "checkin"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "board"),
        ("POST", "board/remind"),
        ("GET", "board.xlsx"),
        ("GET", "submissions.xlsx"),
        ("GET", "attachments.zip"),
    ],
)
def test_board_is_closed_to_reporters_and_gate_staff(
    app, client, auth, make_user, setup, role, method, path
):
    _login(auth, make_user, role)
    response = client.open(
        f"/admin/events/wad/series/{path}",
        method=method,
        data={"topic": "plan", "scope": "missing"},
    )
    assert response.status_code == 403
    assert _mails(app) == []


# --- wadconf series remind ------------------------------------------------------------------


def test_cli_reminds_missing_bodies_when_deadline_is_near(app, runner, setup):
    result = runner.invoke(args=["series", "remind", "--event", "wad", "--what", "plans"])
    assert result.exit_code == 0, result.output
    assert "reminded 1 bodies" in result.output
    assert _mails(app) == ["office@hunan.example"]


def test_cli_is_idempotent_the_same_day(app, runner, setup):
    runner.invoke(args=["series", "remind", "--event", "wad", "--what", "plans"])
    second = runner.invoke(args=["series", "remind", "--event", "wad", "--what", "plans"])
    assert "already today 1" in second.output
    assert len(_mails(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(SeriesReminder.id))) == 1


def test_cli_waits_until_the_deadline_is_near(app, runner, setup):
    result = runner.invoke(args=["series", "remind", "--event", "wad", "--what", "reports"])
    assert "nothing sent" in result.output
    assert _mails(app) == []


def test_cli_days_before_widens_the_window(app, runner, setup):
    args = ["series", "remind", "--event", "wad", "--what", "reports", "--days-before", "45"]
    assert runner.invoke(args=args).exit_code == 0
    assert sorted(_mails(app)) == ["office@hubei.example", "office@hunan.example"]


def test_cli_unknown_event_fails(runner, setup):
    result = runner.invoke(args=["series", "remind", "--event", "nosuch"])
    assert result.exit_code != 0 and "unknown_event" in result.output

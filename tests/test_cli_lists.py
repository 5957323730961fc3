"""``wadconf lists export [--event SLUG] [--session ID] [--status ...] --format ... -o FILE``."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from tests.services.schedule_support import add_session
from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import AuditEntry, CheckIn, Checkpoint, Event, Registration, Scan
from wadconf.models.checkin import Verdict


@pytest.fixture
def event(make_event, make_registration):
    """The only event (so the current one), with 王芳 and 张伟."""
    event = make_event()
    make_registration(event, name_zh="张伟", mobile="+8613812345678")
    make_registration(event, name_zh="王芳")
    return event


def run(runner, *args):
    return runner.invoke(args=["lists", "export", *map(str, args)])


def _csv_names(path) -> list[str]:
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    header = rows[0]
    index = next(i for i, label in enumerate(header) if label.startswith("姓名"))
    return [row[index] for row in rows[1:]]


def _session_with_attendee(app, event, name_zh: str) -> int:
    """A session of ``event`` that the delegate ``name_zh`` attended; its id."""
    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        session = add_session(row, "Opening", "09:00", "10:00")
        door = Checkpoint(event_id=row.id, code="door", session_id=session.id)
        db.session.add(door)
        db.session.flush()
        delegate = db.session.scalar(select(Registration).where(Registration.name_zh == name_zh))
        entry = CheckIn(event_id=row.id, registration_id=delegate.id, checkpoint_id=door.id)
        db.session.add(entry)
        db.session.flush()
        db.session.add(
            Scan(
                event_id=row.id,
                checkpoint_id=door.id,
                registration_id=delegate.id,
                check_in_id=entry.id,
                verdict=Verdict.OK,
                scanned_at=utcnow(),
            )
        )
        db.session.commit()
        return session.id


def test_csv_of_the_current_event_in_stroke_order(runner, event, tmp_path):
    result = run(runner, "--format", "csv", "-o", tmp_path / "list.csv")
    assert result.exit_code == 0, result.output
    assert _csv_names(tmp_path / "list.csv") == ["王芳", "张伟"]
    assert "2" in result.output


def test_session_and_status_select_who_is_listed(app, runner, event, tmp_path):
    session_id = _session_with_attendee(app, event, "张伟")
    out = tmp_path / "came.csv"
    result = run(
        runner, "--event", event.slug, "--session", session_id, "--status", "checked-in",
        "--format", "csv", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _csv_names(out) == ["张伟"]
    result = run(
        runner, "--session", session_id, "--status", "absent", "--format", "csv", "-o", out
    )
    assert _csv_names(out) == ["王芳"]


def test_xlsx_with_masked_phones(runner, event, tmp_path):
    out = tmp_path / "list.xlsx"
    result = run(runner, "--format", "xlsx", "--columns", "name_zh,phone", "-o", out)
    assert result.exit_code == 0, result.output
    values = [c.value for row in load_workbook(out).active.iter_rows() for c in row]
    assert "+86138****5678" in values
    assert not any("13812345678" in str(v) for v in values)


def test_every_cli_export_is_audited(app, runner, event, tmp_path):
    run(runner, "--format", "csv", "--status", "absent", "-o", tmp_path / "list.csv")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "list.export"))
    assert entry.actor_label == "cli"
    assert entry.details["status"] == "absent" and entry.details["rows"] == 2


def test_an_unknown_session_is_an_error(runner, event, tmp_path):
    result = run(runner, "--session", 10**8, "--format", "csv", "-o", tmp_path / "x.csv")
    assert result.exit_code != 0
    assert not (tmp_path / "x.csv").exists()


def test_pdf_has_pages_and_chinese_text(runner, event, tmp_path):
    out = tmp_path / "list.pdf"
    result = run(runner, "--format", "pdf", "--columns", "number,name_zh,phone", "-o", out)
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    assert len(reader.pages) >= 1
    assert "王芳" in text and "****5678" in text and "13812345678" not in text


def test_a_saved_layout_chooses_the_columns(app, runner, event, tmp_path):
    from wadconf.services import list_layouts
    from wadconf.services.lists import ListSpec

    with app.app_context(), write_intent():
        row = db.session.get(Event, event.id)
        list_layouts.save_layout(row, "Names", ListSpec(columns=["name_en", "number"]))
        db.session.commit()
    out = tmp_path / "names.csv"
    result = run(runner, "--layout", "Names", "--language", "en", "--format", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8-sig").splitlines()[0] == "Name,No."

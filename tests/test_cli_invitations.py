"""``wadconf invitations import FILE [--event SLUG] [--dry-run]``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.services.test_imports import csv_bytes, person, xlsx_bytes
from wadconf.extensions import db
from wadconf.models import Invitation


@pytest.fixture
def event(make_event):
    """The only event, hence the current one."""
    return make_event()


@pytest.fixture
def sheet(tmp_path):
    """``sheet(data, name)`` -> path of a file holding ``data``."""

    def write(data: bytes, name: str = "invitations.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def invitation_count(app, event=None) -> int:
    """Invitations in the database (of ``event`` if given)."""
    query = select(func.count()).select_from(Invitation)
    if event is not None:
        query = query.where(Invitation.event_id == event.id)
    with app.app_context():
        return db.session.scalar(query)


def run(runner, *args: str):
    """Invoke ``invitations import`` with ``args``."""
    return runner.invoke(args=["invitations", "import", *map(str, args)])


def test_import_writes_the_rows_and_exits_zero(app, runner, event, sheet):
    result = run(runner, sheet(csv_bytes([person(1), person(2)])))
    assert result.exit_code == 0, result.output
    assert invitation_count(app) == 2


def test_import_prints_the_counts(runner, event, sheet):
    result = run(runner, sheet(csv_bytes([person(1), person(2)])))
    assert "2" in result.output and event.slug in result.output


def test_xlsx_file_is_imported(app, runner, event, sheet):
    result = run(runner, sheet(xlsx_bytes([person(1)]), "list.xlsx"))
    assert result.exit_code == 0, result.output
    assert invitation_count(app) == 1


def test_bad_rows_are_printed_and_exit_non_zero(app, runner, event, sheet):
    data = csv_bytes([person(1), person(2, email="nope"), person(3, category="astronaut")])
    result = run(runner, sheet(data))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.endswith("]")]
    # Line number, column as written in the file, reason (in the default language), code.
    assert len(lines) == 2
    assert re.search(r"\b3\b.*\bemail\b.*\[bad_email\]$", lines[0])
    assert re.search(r"\b4\b.*\bcategory\b.*\[unknown_category\]$", lines[1])
    assert invitation_count(app) == 0


def test_one_bad_row_writes_nothing(app, runner, event, sheet):
    rows = [person(n) for n in range(100)] + [person(100, mobile="12")]
    assert run(runner, sheet(csv_bytes(rows))).exit_code == 1
    assert invitation_count(app) == 0


def test_dry_run_writes_nothing_and_exits_zero(app, runner, event, sheet):
    result = run(runner, sheet(csv_bytes([person(1)])), "--dry-run")
    assert result.exit_code == 0, result.output
    assert invitation_count(app) == 0


def test_dry_run_with_bad_rows_exits_non_zero(runner, event, sheet):
    assert run(runner, sheet(csv_bytes([person(1, email="x")])), "--dry-run").exit_code == 1


def test_importing_the_same_file_twice_adds_nothing(app, runner, event, sheet):
    path = sheet(csv_bytes([person(1), person(2)]))
    assert run(runner, path).exit_code == 0
    assert run(runner, path).exit_code == 0
    assert invitation_count(app) == 2


def test_event_option_chooses_the_event(app, runner, make_event, event, sheet):
    other = make_event()
    result = run(runner, sheet(csv_bytes([person(1)])), "--event", other.slug)
    assert result.exit_code == 0, result.output
    assert (invitation_count(app, other), invitation_count(app, event)) == (1, 0)


def test_unknown_event_fails(app, runner, event, sheet):
    result = run(runner, sheet(csv_bytes([person(1)])), "--event", "nope")
    assert result.exit_code == 1
    assert "[unknown_event]" in result.output
    assert invitation_count(app) == 0


def test_file_that_is_not_a_spreadsheet_fails(app, runner, event, sheet):
    result = run(runner, sheet(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "invitations.csv"))
    assert result.exit_code == 1
    assert "[not_a_spreadsheet]" in result.output


def test_missing_file_is_a_usage_error(runner, event, tmp_path):
    assert run(runner, tmp_path / "absent.csv").exit_code == 2

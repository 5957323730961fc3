"""``wadconf badges pdf [--event SLUG] [--layout a6|a4x4|cr80] [--order ...] -o FILE``."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import AuditEntry, Registration, RegistrationStatus


@pytest.fixture
def event(make_event):
    """The only event, hence the current one."""
    return make_event()


def run(runner, *args: str):
    return runner.invoke(args=["badges", "pdf", *map(str, args)])


def page_count(path) -> int:
    return len(PdfReader(path).pages)


def first_page_codes(path) -> list[str]:
    document = pypdfium2.PdfDocument(str(path))
    try:
        image = document[0].render(scale=200 / 72).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_writes_the_confirmed_badges_of_the_current_event(
    runner, event, make_registration, tmp_path
):
    make_registration(event)
    make_registration(event)
    make_registration(event, status=RegistrationStatus.PENDING)
    result = run(runner, "-o", tmp_path / "badges.pdf")
    assert result.exit_code == 0, result.output
    assert page_count(tmp_path / "badges.pdf") == 2
    # The message is in the operator's language (Chinese by default): check the facts.
    assert "2" in result.output and "badges.pdf" in result.output


@pytest.mark.parametrize(("layout", "pages"), [("a6", 5), ("a4x4", 2), ("cr80", 5)])
def test_layout_option(runner, event, make_registration, tmp_path, layout, pages):
    for _ in range(5):
        make_registration(event)
    assert run(runner, "--layout", layout, "-o", tmp_path / "b.pdf").exit_code == 0
    assert page_count(tmp_path / "b.pdf") == pages


def test_event_option_picks_the_event(runner, make_event, make_registration, tmp_path):
    first, second = make_event(), make_event()
    make_registration(first)
    wanted = make_registration(second)
    result = run(runner, "--event", second.slug, "-o", tmp_path / "b.pdf")
    assert result.exit_code == 0, result.output
    assert first_page_codes(tmp_path / "b.pdf") == [wanted.badge_code]


def test_order_by_name(runner, event, make_registration, tmp_path):
    make_registration(event, name_en="Zed", organisation="A")
    first = make_registration(event, name_en="Amy", organisation="B")
    assert run(runner, "--order", "name", "-o", tmp_path / "b.pdf").exit_code == 0
    assert first_page_codes(tmp_path / "b.pdf") == [first.badge_code]


def test_printing_counts_and_is_audited_as_cli(app, runner, event, make_registration, tmp_path):
    registration = make_registration(event)
    run(runner, "-o", tmp_path / "b.pdf")
    with app.app_context():
        assert db.session.get(Registration, registration.id).badge_print_count == 1
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "badge.print"))
        assert entry.actor_label == "cli"


def test_no_count_leaves_the_counts_alone(app, runner, event, make_registration, tmp_path):
    registration = make_registration(event)
    assert run(runner, "--no-count", "-o", tmp_path / "b.pdf").exit_code == 0
    with app.app_context():
        assert db.session.get(Registration, registration.id).badge_print_count == 0


def test_unknown_category_is_a_usage_error(runner, event, make_registration, tmp_path):
    make_registration(event)
    result = run(runner, "--category", "nope", "-o", tmp_path / "b.pdf")
    assert result.exit_code == 2
    assert not (tmp_path / "b.pdf").exists()


def test_nothing_to_print_fails_without_a_file(runner, event, tmp_path):
    result = run(runner, "-o", tmp_path / "b.pdf")
    assert result.exit_code == 1
    assert not (tmp_path / "b.pdf").exists()


def test_unknown_event_fails(runner, event, tmp_path):
    result = run(runner, "--event", "nope", "-o", tmp_path / "b.pdf")
    assert result.exit_code == 1
    assert "nope" in result.output


def test_unknown_layout_is_a_usage_error(runner, event, tmp_path):
    assert run(runner, "--layout", "poster", "-o", tmp_path / "b.pdf").exit_code == 2

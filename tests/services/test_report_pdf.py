"""The one-page report PDF: read back with pypdf (pages, text) and rasterised with pdftoppm."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pypdfium2
import pytest
from flask_babel import force_locale
from PIL import Image
from pypdf import PdfReader

from tests.services.test_reports import add_checkpoint, admit, build_known_set, local
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import DelegateCategory, Event, Registration, Session
from wadconf.services import report_pdf, reports

PDFTOPPM = "/usr/bin/pdftoppm"


def render(app, event, locale: str = "en") -> bytes:
    with app.app_context(), force_locale(locale):
        row = db.session.get(Event, event.id)
        report = reports.build_report(row, locale=locale)
        return report_pdf.render_report(report, locale=locale)


def text_of(data: bytes) -> str:
    """All text of the PDF, whitespace and pypdf's NULs removed (see test_letters)."""
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(p.extract_text().replace("\x00", "").split()) for p in reader.pages)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def known(app, make_event, make_invitation, make_registration):
    return build_known_set(
        app, make_event, make_invitation, make_registration, name_zh="世界认可日大会"
    )


def test_is_one_a4_page(app, known):
    data = render(app, known.event)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert page_count(data) == 1
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_states_the_headline_figures(app, known):
    text = text_of(render(app, known.event))
    assert "Invited" in text and "Checkedin" in text
    assert "Checkedin:delegatesadmittedatanentrance,eachcountedonce;67%oftheconfirmed" in text


def test_lists_categories_and_sessions_with_their_figures(app, known):
    text = text_of(render(app, known.event))
    # Category, registered, confirmed, checked in.
    assert "Governmentofficial322" in text
    # Session, attended, enrolled, rate.
    assert "Enrolled2367%" in text
    assert "Open11001%" in text


def test_names_the_busiest_day_of_arrivals(app, known):
    text = text_of(render(app, known.event))
    assert "2arrivals;busiest:08:00(2)" in text


def test_chinese_is_extractable(app, known):
    # Strings from the data (event name, category, session), not from the catalogue.
    text = text_of(render(app, known.event, "zh_Hans"))
    assert "世界认可日大会" in text
    assert "政府部门" in text
    assert "报名分会" in text


def test_stays_one_page_with_many_categories_and_sessions(app, make_event, make_registration):
    event = make_event()
    with app.app_context(), write_intent():
        for n in range(50):
            db.session.add(
                DelegateCategory(event_id=event.id, code=f"cat_{n}", name_en=f"Category {n}")
            )
        db.session.flush()
        categories = db.session.query(DelegateCategory).filter_by(event_id=event.id).all()
        for n, category in enumerate(categories):
            db.session.add(
                Registration(
                    event_id=event.id,
                    category_id=category.id,
                    name_en=f"Person {n}",
                    organisation=f"Organisation {n} with a rather long name " * 2,
                    country="CN",
                )
            )
        for n in range(200):
            db.session.add(
                Session(
                    event_id=event.id,
                    title_en=f"Session {n} on a subject that needs a long title to be clear",
                    starts_at=local(8 + n % 10, 0),
                    ends_at=local(9 + n % 10, 0),
                )
            )
        db.session.commit()
    data = render(app, event)
    assert page_count(data) == 1
    text = text_of(data)
    assert "andmore" not in text  # every "and N more" line names its number
    assert f"and{200 - report_pdf.TABLE_ROWS}more" in text  # 200 sessions, the first shown


def test_long_names_are_cut_not_spilled(app, make_event, make_registration):
    event = make_event(name_en="Accreditation " * 14)  # 196 of 200 characters
    make_registration(event, organisation="An organisation " * 18)  # 288 of 300
    assert page_count(render(app, event)) == 1


def test_markup_in_names_is_printed_as_typed(app, make_event, make_registration):
    event = make_event()
    make_registration(event, organisation="<script>")
    assert "<script>" in text_of(render(app, event))


def test_empty_event_renders(app, make_event):
    text = text_of(render(app, make_event()))
    assert "Noarrivalsyet." in text


@pytest.mark.skipif(
    not os.path.exists(PDFTOPPM) and os.environ.get("WADCONF_REQUIRE_PDFTOPPM") != "1",
    reason="pdftoppm (poppler-utils) is not installed",
)
def test_rasterised_page_is_not_blank(app, known, tmp_path):
    assert shutil.which(PDFTOPPM) or os.path.exists(PDFTOPPM), "pdftoppm is required"
    source = tmp_path / "report.pdf"
    source.write_bytes(render(app, known.event, "zh_Hans"))
    subprocess.run(
        [PDFTOPPM, "-r", "50", "-png", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    (png,) = sorted(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark / (image.width * image.height) > 0.01


def _blue_in_lower_half(data: bytes) -> int:
    """Pixels of the bars' blue in the lower half of the page rendered at 50 dpi."""
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=50 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    lower = image.crop((0, image.height // 2, image.width, image.height))
    raw = lower.tobytes()
    return sum(
        1 for i in range(0, len(raw), 3) if raw[i + 2] > 110 and raw[i] < 60 and raw[i + 1] < 110
    )


def test_arrival_bars_are_drawn(app, make_event, make_registration):
    event = make_event()
    people = [make_registration(event) for _ in range(5)]
    empty = _blue_in_lower_half(render(app, event))
    with app.app_context(), write_intent():
        gate = add_checkpoint(event.id, "main")
        for n, person in enumerate(people):
            admit(person, gate.id, local(8, 10 * n))
        db.session.commit()
    assert _blue_in_lower_half(render(app, event)) > empty + 200

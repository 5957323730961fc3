"""The list's print view in Chromium, printed to an A4 PDF: Chinese names, headers on every page."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.browser.scanner_support import log_in
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, Registration, RegistrationStatus

pytestmark = pytest.mark.browser

SLUG = "wad2024"
#: Enough delegates for several A4 pages of a sign-in sheet (tall rows).
EXTRA = 60


@pytest.fixture(scope="module")
def delegates(live_server) -> list[str]:
    """The demo's delegates plus ``EXTRA`` more; the Chinese names of all confirmed ones."""
    with live_server.app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        for n in range(EXTRA):
            db.session.add(
                Registration(
                    event_id=event.id,
                    name_zh=f"欧阳测试{n}",
                    name_en=f"Print Test {n}",
                    organisation="打印测试单位",
                    mobile="+8613912345678",
                )
            )
        db.session.commit()
        return list(
            db.session.scalars(
                select(Registration.name_zh).where(
                    Registration.event_id == event.id,
                    Registration.status == RegistrationStatus.CONFIRMED,
                    Registration.name_zh != "",
                )
            )
        )


def _printed_text(page, live_server, query: str, keep=None) -> tuple[int, list[str]]:
    log_in(page, live_server)
    page.goto(f"/admin/events/{SLUG}/lists/print?{query}")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    if keep is not None:
        keep.write_bytes(pdf)  # for people to look at
    reader = PdfReader(io.BytesIO(pdf))
    # Chromium's PDF maps some glyphs to Kangxi radicals (⼀ for 一): NFKC folds them back.
    texts = [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]
    return len(reader.pages), texts


def test_print_view_prints_chinese_names_with_headers_on_every_page(
    page, live_server, delegates, artifacts_dir
):
    query = "columns=number&columns=name_zh&columns=phone&columns=signature&language=zh"
    count, texts = _printed_text(page, live_server, query, artifacts_dir / "list-print.pdf")
    whole = "".join(texts)
    assert count >= 2
    compact = re.sub(r"\s+", "", whole)  # pypdf puts a space between 试 and 0
    assert "欧阳测试0" in compact and "欧阳测试59" in compact
    # Header of the table and the list's title repeated on each page.
    assert all("姓名" in text and "签到表" in text for text in texts)
    # Page "N / M" in the margin, and phones masked.
    assert f"1 / {count}" in texts[0].replace("\n", " ")
    assert "****5678" in whole and "13912345678" not in whole


def test_list_page_shows_the_form_and_the_list(page, live_server, delegates, artifacts_dir):
    log_in(page, live_server)
    page.goto(f"/admin/events/{SLUG}/lists/?group_by=organisation&columns=number&columns=name_zh")
    assert page.locator("table.listing tr.group-head").count() >= 2
    assert page.locator("input[name='columns'][value='signature']").count() == 1
    page.screenshot(path=str(artifacts_dir / "list-page.png"), full_page=False)

"""The report page in Chromium: no CSP violation, and printed to A4 without the menu."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tests.browser.scanner_support import log_in

pytestmark = pytest.mark.browser

URL = "/admin/events/wad2024/reports"


def test_report_prints_on_a4_without_the_menu(page, live_server, artifacts_dir):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, live_server)
    page.goto(URL)
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    assert page.locator("svg.hbar-chart").count() == 4
    assert not [p for p in problems if "Content Security Policy" in p]
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (artifacts_dir / "report-print.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    width, height = (round(float(v)) for v in reader.pages[0].mediabox.upper_right)
    assert (width, height) == (595, 842)
    first = re.sub(r"\s+", "", unicodedata.normalize("NFKC", reader.pages[0].extract_text()))
    assert first.startswith("Report")  # no menu above the title
    assert "Mailoutbox" not in first and "Staffhome" not in first
    assert "One-pagereport" not in first  # nor the PDF button
    assert "Invited" in first and "Bycategory" in first
    assert 2 <= len(reader.pages) <= 8

"""The scanner reads a phone badge from Chromium's fake camera.

The camera plays a Y4M file written from the badge PNG wadconf itself renders; Chromium
on Linux has no BarcodeDetector, so the vendored jsQR decodes the frames.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip, or fail when WADCONF_REQUIRE_BROWSER=1
    expect = None

from tests.browser.scanner_support import (
    GATE,
    badge_image,
    camera_page,
    count_scans,
    entries,
    history_rows,
    open_scanner,
    write_y4m,
)

pytestmark = pytest.mark.browser


def test_camera_scan_of_a_phone_badge_shows_green_and_records_the_entry(
    camera_browser, live_server, checkpoint, make_delegate, tmp_path, artifacts_dir
):
    delegate = make_delegate(name_zh="张摄像", name_en="Zhang Camera")
    video = write_y4m(badge_image(live_server, delegate.id), tmp_path / "badge.y4m")
    context, page = camera_page(camera_browser, live_server, video)
    try:
        open_scanner(page, live_server, checkpoint)

        page.locator("#camera-start").click()

        expect(page.locator("#camera")).to_have_attribute("data-running", "true")
        verdict = page.locator("#verdict")
        expect(verdict).to_have_attribute("data-verdict", "ok", timeout=15_000)
        expect(verdict).to_contain_text("Zhang Camera")
        expect(verdict).to_contain_text("张摄像")
        expect(verdict).to_contain_text("Example Body")
        # Chromium on Linux has no BarcodeDetector: the vendored jsQR read the frame.
        expect(page.locator("#camera")).to_have_attribute("data-engine", "jsqr")
        page.screenshot(path=str(artifacts_dir / "scanner-ok.png"))
    finally:
        context.close()
    [entry] = entries(live_server, delegate.id)
    assert entry.device == GATE


def test_badge_held_in_front_of_the_camera_is_sent_once(
    camera_browser, live_server, checkpoint, make_delegate, tmp_path
):
    delegate = make_delegate()
    video = write_y4m(badge_image(live_server, delegate.id), tmp_path / "badge.y4m")
    context, page = camera_page(camera_browser, live_server, video)
    try:
        open_scanner(page, live_server, checkpoint)
        page.locator("#camera-start").click()
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok", timeout=15_000)

        page.wait_for_timeout(2500)  # the badge stays in view, frame after frame

        expect(history_rows(page)).to_have_count(1)
    finally:
        context.close()
    assert count_scans(live_server, delegate.id) == 1


def test_qr_code_that_is_not_a_badge_is_ignored_with_a_notice(
    camera_browser, live_server, checkpoint, tmp_path
):
    from wadconf.services.qr import qr_png

    other = Image.open(io.BytesIO(qr_png("https://example.org/menu")))
    video = write_y4m(other, tmp_path / "other.y4m")
    context, page = camera_page(camera_browser, live_server, video)
    try:
        open_scanner(page, live_server, checkpoint)

        page.locator("#camera-start").click()

        expect(page.locator("#scanner-notice")).to_have_text(
            "This QR code is not a wadconf badge.", timeout=15_000
        )
        expect(history_rows(page)).to_have_count(0)
        expect(page.locator("#verdict")).to_be_hidden()
    finally:
        context.close()

"""Fixtures and helpers shared by the scanner's browser tests (``test_scanner*.py``).

The fixtures reach the tests through an import in ``conftest.py``; the live server is
module-scoped, so each test module gets its own event and checkpoint.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests import factories
from wadconf.database import write_intent
from wadconf.extensions import db, limiter
from wadconf.models import CheckIn, Checkpoint, Registration, Scan

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip, or fail when WADCONF_REQUIRE_BROWSER=1
    expect = None

ZONE = "Asia/Shanghai"
GATE = "Gate 2"
#: Long enough for the queue's back-off to reach its next retry.
RETRY_WAIT_MS = 20_000


@pytest.fixture(scope="module")
def scan_event(live_server):
    """An event of its own (so the demo's data cannot interfere) in the Shanghai zone."""
    return factories.event_factory(live_server.app)(
        name_zh="扫码测试大会", name_en="Scanner Test Conference", timezone=ZONE
    )


@pytest.fixture(scope="module")
def checkpoint(live_server, scan_event) -> int:
    """The id of an always-open, enter-once entrance of ``scan_event``."""
    with live_server.app.app_context(), write_intent():
        row = Checkpoint(
            event_id=scan_event.id, code="scanner-test", name_zh="测试入口", name_en="Test Entrance"
        )
        db.session.add(row)
        db.session.commit()
        return row.id


@pytest.fixture
def make_delegate(live_server, scan_event):
    """``make_delegate(**fields)`` -> a confirmed registration (with its badge code)."""
    make = factories.registration_factory(live_server.app)
    return lambda **fields: make(scan_event, **fields)


def entries(live_server, registration_id: int, *, annulled: bool = False) -> list[CheckIn]:
    """The accepted entries of a registration (live ones, or annulled ones)."""
    with live_server.app.app_context():
        stmt = select(CheckIn).where(CheckIn.registration_id == registration_id)
        stmt = stmt.where(
            CheckIn.annulled_at.is_not(None) if annulled else CheckIn.annulled_at.is_(None)
        )
        rows = db.session.scalars(stmt).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def scans_of(live_server, registration_ids: list[int]) -> list[Scan]:
    """The scans naming these registrations, oldest first."""
    with live_server.app.app_context():
        rows = db.session.scalars(
            select(Scan).where(Scan.registration_id.in_(registration_ids)).order_by(Scan.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def count_scans(live_server, registration_id: int) -> int:
    """How many scans named the registration."""
    with live_server.app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Scan).where(Scan.registration_id == registration_id)
        )


def log_in(page, live_server) -> None:
    """Sign in through the real login form (the login rate limit is not under test here)."""
    limiter.reset()
    page.goto("/login")
    page.locator("input[name='email']").fill(live_server.staff_email)
    page.locator("input[name='password']").fill(live_server.staff_password)
    page.locator("main form button[type='submit']").click()
    expect(page).to_have_url(f"{live_server.url}/staff/")


def open_scanner(page, live_server, checkpoint: int, device: str = GATE) -> None:
    """Sign in, open the scanner and pick the checkpoint and gate."""
    log_in(page, live_server)
    page.goto("/checkin/")
    expect(page.locator("#scanner-setup")).to_be_visible()
    page.locator("#setup-checkpoint").select_option(str(checkpoint))
    page.locator("#setup-device").fill(device)
    page.locator("#setup-start").click()
    expect(page.locator("#scanner-main")).to_be_visible()
    expect(page.locator("#scan-input")).to_be_focused()


def scan_by_keyboard(page, code: str) -> None:
    """What a handheld scanner does: type the code, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def history_rows(page):
    """The rows of the recent-scans list, newest first."""
    return page.locator("#history .history-row")


def write_y4m(image: Image.Image, path: Path, *, size=(640, 480), frames: int = 10) -> Path:
    """A YUV4MPEG2 (4:2:0) video showing ``image`` centred on grey, for Chromium's fake camera."""
    frame = Image.new("RGB", size, (128, 128, 128))
    picture = image.convert("RGB")
    picture.thumbnail((size[0] - 20, size[1] - 20))
    frame.paste(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = (
        y.tobytes() + cb.resize(half, Image.BOX).tobytes() + cr.resize(half, Image.BOX).tobytes()
    )
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def badge_image(live_server, registration_id: int) -> Image.Image:
    """The phone e-badge wadconf renders for the registration."""
    from wadconf.services.badges import badge_png

    with live_server.app.app_context():
        png = badge_png(db.session.get(Registration, registration_id))
    return Image.open(io.BytesIO(png))


def camera_page(camera_browser, live_server, video: Path):
    """(context, page) in a Chromium whose camera plays ``video``; close the context."""
    browser = camera_browser(video)
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    context.grant_permissions(["camera"], origin=live_server.url)
    return context, context.new_page()


#: Notes every verdict the screen shows (verdict, name), once each, in order.
RECORD_VERDICTS = """() => {
  window.__shown = [];
  const box = document.getElementById("verdict");
  new MutationObserver(() => {
    const seen = [box.dataset.verdict, document.getElementById("verdict-name").textContent];
    const last = window.__shown[window.__shown.length - 1];
    if (!box.hidden && (!last || last.join("|") !== seen.join("|"))) window.__shown.push(seen);
  }).observe(box, { attributes: true, childList: true, subtree: true, characterData: true });
}"""


#: Records what the page asks of the speaker and the vibration motor (runs before the page).
SIGNAL_RECORDER = """
  window.__vibrations = [];
  window.__tones = [];
  navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    const oscillator = create.call(this);
    const start = oscillator.start.bind(oscillator);
    oscillator.start = (...args) => {
      window.__tones.push([oscillator.type, oscillator.frequency.value]);
      return start(...args);
    };
    return oscillator;
  };
"""

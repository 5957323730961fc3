"""Fixtures for the browser tests: a live server, Chromium, and a fresh page per test.

Chromium is Debian's (``/usr/bin/chromium``), never a Playwright download. Without it
(or without the ``playwright`` package) the tests are skipped, unless
``WADCONF_REQUIRE_BROWSER=1`` is set (as in CI), in which case they fail loudly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests import factories
from tests.conftest import build_app
from wadconf.database import write_intent
from wadconf.extensions import db, limiter
from wadconf.services.demo import load_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REQUIRE_BROWSER = os.environ.get("WADCONF_REQUIRE_BROWSER", "").strip() == "1"
#: Screenshots for people to look at; the folder is gitignored.
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

STAFF_EMAIL = "browser-admin@example.org"


@dataclass(frozen=True)
class LiveServer:
    """The running app and the staff account the tests log in with."""

    url: str
    app: Flask
    staff_email: str
    staff_password: str


def browser_unavailable(reason: str) -> None:
    """Skip, or fail when the environment promises a browser."""
    if REQUIRE_BROWSER:
        pytest.fail(
            f"{reason}, but WADCONF_REQUIRE_BROWSER=1 requires the browser tests", pytrace=False
        )
    pytest.skip(reason)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The real app with CSRF on, the demo conference and an admin, on a free loopback port."""
    base = tmp_path_factory.mktemp("browser")
    app = build_app(
        "sqlite:///" + str(base / "browser.sqlite3"), base / "instance", WTF_CSRF_ENABLED=True
    )
    with app.app_context(), write_intent():
        load_demo()
        db.session.commit()
    factories.user_factory(app)(role="admin", email=STAFF_EMAIL, display_name="Browser Admin")
    limiter.reset()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="wadconf-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            f"http://127.0.0.1:{server.server_port}", app, STAFF_EMAIL, factories.PASSWORD
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_driver():
    """The Playwright driver, started once; skips (or fails) when it or Chromium is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Python package 'playwright' is not installed")
    if not os.path.exists(CHROMIUM):
        browser_unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="module")
def browser(playwright_driver):
    """One Chromium per test module."""
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def _new_page(browser, live_server: LiveServer, locale: str):
    context = browser.new_context(
        base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 900}
    )
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A page in a fresh browser context (no cookies) whose browser asks for English."""
    context, new_page = _new_page(browser, live_server, "en-US")
    yield new_page
    context.close()


@pytest.fixture
def page_zh(browser, live_server) -> Iterator:
    """A page in a fresh browser context whose browser asks for Simplified Chinese."""
    context, new_page = _new_page(browser, live_server, "zh-CN")
    yield new_page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots are saved (``tests/artifacts/``, gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


#: Chromium's stand-in camera: a Y4M file played in a loop, permission granted without asking.
FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def camera_browser(playwright_driver):
    """``camera_browser(video)`` -> a Chromium whose camera shows the Y4M file ``video``.

    The file is fixed when Chromium starts, so each video gets its own browser.
    """
    launched = []

    def launch(video: Path):
        chromium = playwright_driver.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, *FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
        )
        launched.append(chromium)
        return chromium

    yield launch
    for chromium in launched:
        chromium.close()


# The scanner tests' event, checkpoint and delegates (tests/browser/test_scanner*.py).
from tests.browser.scanner_support import checkpoint, make_delegate, scan_event  # noqa: E402, F401

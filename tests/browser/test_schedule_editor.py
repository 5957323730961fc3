"""The schedule editor in Chromium: blocks placed in the grid, drag to move, clash confirmation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests import factories
from tests.browser.test_smoke import log_in as submit_login
from wadconf.database import write_intent
from wadconf.extensions import db, limiter
from wadconf.models import Room, Session

pytestmark = pytest.mark.browser


def log_in(page, live_server) -> None:
    """Log in and wait until the login page is left (the login rate limit is reset first)."""
    limiter.reset()
    submit_login(page, live_server)
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def programme(live_server):
    """A fresh event with two rooms and two sessions; its slug and ids."""
    app = live_server.app
    event = factories.event_factory(app)()
    with app.app_context(), write_intent():
        hall = Room(event_id=event.id, code="hall", name_en="Main hall", name_zh="主会场")
        side = Room(event_id=event.id, code="side", name_en="Side room", name_zh="分会场")
        db.session.add_all([hall, side])
        db.session.flush()
        plenary = Session(
            event_id=event.id,
            title_en="Plenary",
            title_zh="全体会议",
            room_id=hall.id,
            starts_at=datetime(2025, 6, 5, 1, 0, tzinfo=UTC),  # 09:00 in Shanghai
            ends_at=datetime(2025, 6, 5, 2, 0, tzinfo=UTC),
        )
        talk = Session(
            event_id=event.id,
            title_en="Talk",
            title_zh="交流",
            room_id=side.id,
            starts_at=datetime(2025, 6, 5, 3, 0, tzinfo=UTC),  # 11:00
            ends_at=datetime(2025, 6, 5, 4, 0, tzinfo=UTC),
        )
        db.session.add_all([plenary, talk])
        db.session.commit()
        return {
            "slug": event.slug,
            "hall": hall.id,
            "side": side.id,
            "plenary": plenary.id,
            "talk": talk.id,
        }


def _session(live_server, session_id: int) -> Session:
    with live_server.app.app_context():
        found = db.session.get(Session, session_id)
        db.session.expunge(found)
        return found


def _drag(page, source, target) -> None:
    """Drag with the mouse as a person would (the target may lie under another block)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(end["x"] + 10, end["y"] + 5, steps=8)
    page.mouse.move(end["x"] + 12, end["y"] + 6, steps=2)
    page.mouse.up()


def _cell(page, room_id: int, hhmm: str):
    return page.locator(f".sched-cell[data-room='{room_id}'][data-time='{hhmm}']").first


def test_blocks_are_placed_in_their_room_and_rows(page, live_server, programme):
    log_in(page, live_server)
    page.goto(f"/admin/events/{programme['slug']}/schedule/")
    grid = page.locator(".sched-grid.is-placed")
    assert grid.count() == 1
    plenary = page.locator(f"#session-{programme['plenary']}")
    # Column 2 of the grid (the time column is 1); rows from 09:00 (row 4 + header) to 10:00.
    assert plenary.evaluate("el => el.style.gridColumn") == "2"
    assert plenary.evaluate("el => el.style.gridRow") == "6 / 10"
    hall_cell = _cell(page, programme["hall"], "09:00").bounding_box()
    box = plenary.bounding_box()
    assert abs(box["y"] - hall_cell["y"]) < 4 and abs(box["x"] - hall_cell["x"]) < 6


def test_dragging_a_block_moves_the_session(page, live_server, programme):
    log_in(page, live_server)
    page.goto(f"/admin/events/{programme['slug']}/schedule/")
    _drag(
        page,
        page.locator(f"#session-{programme['talk']} .sched-time"),
        _cell(page, programme["side"], "14:30"),
    )
    page.wait_for_load_state("load")
    page.wait_for_function(
        "id => document.querySelector('#session-' + id + ' .sched-time')"
        ".textContent.includes('14:30')",
        arg=programme["talk"],
    )
    moved = _session(live_server, programme["talk"])
    assert moved.starts_at == datetime(2025, 6, 5, 6, 30, tzinfo=UTC)
    assert moved.ends_at == datetime(2025, 6, 5, 7, 30, tzinfo=UTC)


def test_dragging_into_a_clash_asks_and_keeps_the_session_when_refused(
    page, live_server, programme
):
    log_in(page, live_server)
    page.goto(f"/admin/events/{programme['slug']}/schedule/")
    asked = []

    def refuse(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    _drag(
        page,
        page.locator(f"#session-{programme['talk']} .sched-time"),
        _cell(page, programme["hall"], "09:00"),
    )
    for _ in range(50):
        if asked:
            break
        page.wait_for_timeout(100)
    assert asked and "Main hall" in asked[0]
    kept = _session(live_server, programme["talk"])
    assert kept.room_id == programme["side"]


def test_grid_has_no_inline_style_violations(page, live_server, programme):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, live_server)
    page.goto(f"/admin/events/{programme['slug']}/schedule/")
    page.locator(".sched-grid.is-placed").wait_for()
    assert violations == []


def test_confirming_the_clash_warning_saves_the_move(page, live_server, programme):
    log_in(page, live_server)
    page.goto(f"/admin/events/{programme['slug']}/schedule/")
    page.on("dialog", lambda dialog: dialog.accept())
    _drag(
        page,
        page.locator(f"#session-{programme['talk']} .sched-time"),
        _cell(page, programme["hall"], "09:00"),
    )
    page.locator(f"#session-{programme['talk']}.has-clash").wait_for()
    moved = _session(live_server, programme["talk"])
    assert moved.room_id == programme["hall"]
    assert moved.starts_at == datetime(2025, 6, 5, 1, 0, tzinfo=UTC)


def test_dragging_the_lower_edge_changes_the_end(page, live_server, programme, artifacts_dir):
    log_in(page, live_server)
    page.goto(f"/admin/events/{programme['slug']}/schedule/")
    page.screenshot(path=str(artifacts_dir / "schedule-editor-grid.png"), full_page=True)
    _drag(
        page,
        page.locator(f"#session-{programme['plenary']} .sched-resize"),
        _cell(page, programme["hall"], "11:15"),
    )
    page.wait_for_function(
        "id => document.querySelector('#session-' + id + ' .sched-time')"
        ".textContent.includes('11:30')",
        arg=programme["plenary"],
    )
    resized = _session(live_server, programme["plenary"])
    assert resized.starts_at == datetime(2025, 6, 5, 1, 0, tzinfo=UTC)
    assert resized.ends_at == datetime(2025, 6, 5, 3, 30, tzinfo=UTC)


def test_narrow_screen_scrolls_the_grid_and_offers_the_list(
    browser, live_server, programme, artifacts_dir
):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        log_in(page, live_server)
        page.goto(f"/admin/events/{programme['slug']}/schedule/")
        assert page.locator(".narrow-hint a").is_visible()
        scroller = page.locator(".sched-scroll").first
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(artifacts_dir / "schedule-editor-phone.png"), full_page=True)
        page.goto(f"/admin/events/{programme['slug']}/schedule/?view=list")
        assert page.locator(".sched-list .sched-item").count() == 2
    finally:
        context.close()

"""The published programme in real Chromium: Chinese titles drawn by a CJK font, the track
filter, unpublished edits invisible, the list on phones and on paper."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.browser.test_smoke import cjk_glyphs_per_element, wait_for_cjk_face
from tests.services.schedule_support import add_room, add_session
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, ProgrammeKind, Track
from wadconf.services.events import EventData, create_event
from wadconf.services.schedule_publish import publish_schedule

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip, or fail when WADCONF_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

SCREENSHOT = "agenda-zh.png"


@dataclass(frozen=True)
class Programme:
    path: str
    opening: str
    digital: str
    green: str


@pytest.fixture(scope="module")
def programme(live_server) -> Programme:
    """An event of its own with a published programme, then an edit left unpublished."""
    from datetime import date

    with live_server.app.app_context(), write_intent():
        event = create_event(
            EventData(
                slug="agenda-browser",
                name_zh="认可大会",
                name_en="Accreditation Conference",
                starts_on=date(2025, 6, 5),
                ends_on=date(2025, 6, 5),
            )
        )
        db.session.flush()
        hall = add_room(event, "main-hall", name_zh="主会场", name_en="Main hall")
        room_b = add_room(event, "room-b", name_zh="第二会议室", name_en="Room B", position=1)
        digital_track = Track(
            event_id=event.id, code="digital", name_zh="数字化", name_en="Digital", colour="#117733"
        )
        green_track = Track(
            event_id=event.id, code="green", name_zh="绿色低碳", name_en="Green", colour="#aa3377"
        )
        db.session.add_all([digital_track, green_track])
        db.session.flush()
        opening = add_session(
            event,
            "Opening ceremony",
            "09:00",
            "10:00",
            room=hall,
            title_zh="开幕式",
            kind=ProgrammeKind.PLENARY,
        )
        digital = add_session(
            event,
            "Digital transformation",
            "10:30",
            "12:00",
            room=hall,
            title_zh="数字化转型分论坛",
            track_id=digital_track.id,
        )
        green = add_session(
            event,
            "Green development",
            "10:30",
            "12:00",
            room=room_b,
            title_zh="绿色发展分论坛",
            track_id=green_track.id,
        )
        publish_schedule(event)
        opening.title_zh = "未发布的标题"
        opening.title_en = "Unpublished title"
        db.session.commit()
        assert db.session.get(Event, event.id).is_published
        return Programme(
            f"/events/{event.slug}/programme", opening.token, digital.token, green.token
        )


def test_chinese_titles_are_drawn_by_a_cjk_font(page_zh, programme, artifacts_dir):
    page_zh.goto(programme.path)
    title = page_zh.locator(f".ag-session[data-token='{programme.opening}'] .ag-title")
    expect(title).to_have_text("开幕式")
    wait_for_cjk_face(page_zh)
    page_zh.screenshot(path=str(artifacts_dir / SCREENSHOT), full_page=True)

    # Hidden elements (the list, on a wide screen) are drawn by no font at all: drop them.
    page_zh.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(el => el.isConnected && !el.checkVisibility()).forEach(el => el.remove())"
    )
    drawn = cjk_glyphs_per_element(page_zh)
    titles = [(name, needed, got) for name, needed, got in drawn if "ag-title" in name]
    assert titles, drawn
    tofu = [(name, needed, got) for name, needed, got in drawn if got < needed]
    assert not tofu, f"Chinese drawn without a CJK font (tofu), see tests/artifacts/{SCREENSHOT}"


def test_track_filter_hides_the_other_track(page, programme):
    page.goto(programme.path)
    green = page.locator(f".ag-session[data-token='{programme.green}']")
    expect(green).to_be_visible()

    page.locator(".agenda-tracks a[data-track='digital']").click()

    expect(page).to_have_url(f"{page.url.split('?')[0]}?track=digital")
    expect(page.locator(f".ag-session[data-token='{programme.digital}']")).to_be_visible()
    expect(page.locator(f".ag-session[data-token='{programme.opening}']")).to_be_visible()
    expect(page.locator(f"[data-token='{programme.green}']")).to_have_count(0)


def test_unpublished_changes_are_not_shown(page, programme):
    page.goto(programme.path)
    expect(page.locator(f".ag-session[data-token='{programme.opening}'] .ag-title")).to_have_text(
        "Opening ceremony"
    )
    expect(page.get_by_text("Unpublished title")).to_have_count(0)


def test_phone_shows_the_list_not_the_grid(page, programme, artifacts_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(programme.path)
    expect(page.locator(f".agenda-item[data-token='{programme.opening}']")).to_be_visible()
    expect(page.locator(".agenda-grid-wrap")).to_be_hidden()
    page.screenshot(path=str(artifacts_dir / "agenda-phone-en.png"), full_page=True)


def test_print_shows_the_list_without_navigation(page, programme, artifacts_dir):
    page.goto(programme.path)
    page.emulate_media(media="print")
    expect(page.locator(f".agenda-item[data-token='{programme.opening}']")).to_be_visible()
    expect(page.locator(".agenda-grid-wrap")).to_be_hidden()
    expect(page.locator(".agenda-tracks")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    page.pdf(path=str(artifacts_dir / "agenda-print-en.pdf"), format="A4")


def test_demo_programme_shows_chinese_titles(page_zh, live_server, artifacts_dir):
    page_zh.goto("/events/wad2024/programme")
    titles = page_zh.locator(".ag-session .ag-title")
    expect(titles.first).to_be_visible()
    wait_for_cjk_face(page_zh)
    page_zh.screenshot(path=str(artifacts_dir / "agenda-demo-zh.png"), full_page=True)
    texts = titles.all_inner_texts()
    assert len(texts) >= 5
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in texts), texts


def test_demo_signing_ceremony_page_lists_signatories_in_order(page_zh, artifacts_dir):
    page_zh.goto("/events/wad2024/programme?view=list")
    page_zh.screenshot(path=str(artifacts_dir / "agenda-demo-list-zh.png"), full_page=True)
    page_zh.locator(".agenda-item.kind-signing_ceremony h3 a").first.click()

    expect(page_zh.locator(".agenda-session .signatories li").first).to_be_visible()
    page_zh.screenshot(path=str(artifacts_dir / "agenda-demo-signing-zh.png"), full_page=True)
    assert re.search(r"[\u4e00-\u9fff]", page_zh.locator("h1").inner_text())

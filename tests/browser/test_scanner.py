"""The scanner page in a real Chromium: handheld input, verdicts, undo, search, languages.

Handheld scanners are keyboards: Playwright types the code and presses Enter.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    Checkpoint,
    ReentryPolicy,
    RegistrationStatus,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip, or fail when WADCONF_REQUIRE_BROWSER=1
    expect = None

from tests.browser.scanner_support import (
    GATE,
    RECORD_VERDICTS,
    SIGNAL_RECORDER,
    ZONE,
    entries,
    history_rows,
    log_in,
    open_scanner,
    scan_by_keyboard,
    scans_of,
)

pytestmark = pytest.mark.browser


def test_three_handheld_scans_back_to_back_are_all_admitted_in_order(
    page, live_server, checkpoint, make_delegate
):
    delegates = [make_delegate(name_en=f"Quick Person {i}") for i in range(3)]
    open_scanner(page, live_server, checkpoint)
    page.evaluate(RECORD_VERDICTS)

    for delegate in delegates:
        scan_by_keyboard(page, delegate.badge_code)  # no waiting in between

    rows = history_rows(page)
    expect(rows).to_have_count(3)
    for row in rows.all():
        expect(row).to_have_attribute("data-verdict", "ok")
    # Newest first: the list reads the scans backwards.
    expect(rows.locator(".history-name")).to_have_text(
        ["Quick Person 2", "Quick Person 1", "Quick Person 0"]
    )
    expect(page.locator("#verdict")).to_contain_text("Quick Person 2")
    assert page.evaluate("() => window.__shown") == [
        ["ok", "Quick Person 0"],
        ["ok", "Quick Person 1"],
        ["ok", "Quick Person 2"],
    ]
    expect(page.locator("#scan-input")).to_be_focused()
    ids = [d.id for d in delegates]
    assert [scan.registration_id for scan in scans_of(live_server, ids)] == ids
    assert all(len(entries(live_server, i)) == 1 for i in ids)


def test_a_burst_of_scans_shows_every_verdict_in_order_refusal_included(
    page, live_server, checkpoint, make_delegate
):
    first = make_delegate(name_en="Burst First")
    refused = make_delegate(name_en="Burst Cancelled", status=RegistrationStatus.CANCELLED)
    last = make_delegate(name_en="Burst Last")
    open_scanner(page, live_server, checkpoint)
    page.evaluate(RECORD_VERDICTS)

    # Faster than any typist: all three codes are submitted within one task.
    page.evaluate(
        """(codes) => {
             const input = document.getElementById("scan-input");
             const form = document.getElementById("scan-form");
             for (const code of codes) { input.value = code; form.requestSubmit(); }
           }""",
        [first.badge_code, refused.badge_code, last.badge_code],
    )

    expect(history_rows(page).locator(".history-name")).to_have_text(
        ["Burst Last", "Burst Cancelled", "Burst First"]
    )
    page.wait_for_function("() => window.__shown.length >= 3")
    assert page.evaluate("() => window.__shown") == [
        ["ok", "Burst First"],
        ["cancelled", "Burst Cancelled"],
        ["ok", "Burst Last"],
    ]
    assert len(entries(live_server, first.id)) == 1
    assert len(entries(live_server, last.id)) == 1


def test_lower_case_input_from_a_handheld_is_accepted(page, live_server, checkpoint, make_delegate):
    delegate = make_delegate()
    open_scanner(page, live_server, checkpoint)

    scan_by_keyboard(page, delegate.badge_code.lower())

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok")
    assert len(entries(live_server, delegate.id)) == 1


def test_second_scan_shows_amber_with_time_and_gate(
    page, live_server, checkpoint, make_delegate, artifacts_dir
):
    delegate = make_delegate(name_en="Twice Scanned")
    open_scanner(page, live_server, checkpoint)
    scan_by_keyboard(page, delegate.badge_code)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok")

    scan_by_keyboard(page, delegate.badge_code)

    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-verdict", "already_checked_in")
    expect(verdict).to_have_attribute("data-tone", "warn")
    [entry] = entries(live_server, delegate.id)
    local = entry.checked_in_at.replace(tzinfo=entry.checked_in_at.tzinfo or UTC)
    hhmm = local.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")
    expect(page.locator("#verdict-message")).to_have_text(
        f"Already checked in at {hhmm} at {GATE}."
    )
    expect(verdict).to_contain_text("Twice Scanned")
    page.screenshot(path=str(artifacts_dir / "scanner-amber.png"))
    page.locator("#verdict").click()
    page.screenshot(path=str(artifacts_dir / "scanner-list.png"), full_page=True)


def test_cancelled_badge_shows_red_with_the_reason(page, live_server, checkpoint, make_delegate):
    delegate = make_delegate(status=RegistrationStatus.CANCELLED)
    open_scanner(page, live_server, checkpoint)

    scan_by_keyboard(page, delegate.badge_code)

    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-verdict", "cancelled")
    expect(verdict).to_have_attribute("data-tone", "bad")
    expect(page.locator("#verdict-title")).to_have_text("Not admitted")
    expect(page.locator("#verdict-message")).to_have_text("This registration was cancelled.")
    assert entries(live_server, delegate.id) == []


def test_unknown_typed_code_is_red(page, live_server, checkpoint):
    open_scanner(page, live_server, checkpoint)

    scan_by_keyboard(page, "WAD1-NOTAREALCODE0000000000000")

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "unknown_code")
    expect(page.locator("#verdict")).to_have_attribute("data-tone", "bad")


def test_undo_of_the_last_admission_asks_a_reason_and_annuls_the_entry(
    page, live_server, checkpoint, make_delegate
):
    delegate = make_delegate(name_en="Wrong Person")
    open_scanner(page, live_server, checkpoint)
    scan_by_keyboard(page, delegate.badge_code)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok")
    page.locator("#verdict").click()

    page.locator("#undo-open").click()
    page.locator("#undo-reason").fill("Scanned the wrong badge")
    page.locator("#undo-submit").click()

    expect(history_rows(page).first).to_have_attribute("data-annulled", "true")
    expect(page.locator("#scanner-notice")).to_contain_text("Wrong Person")
    expect(page.locator("#undo-open")).to_be_disabled()
    assert entries(live_server, delegate.id) == []
    [annulled] = entries(live_server, delegate.id, annulled=True)
    assert annulled.annul_reason == "Scanned the wrong badge"


def test_search_by_phone_tail_checks_in_a_delegate_without_a_badge(
    page, live_server, checkpoint, make_delegate
):
    delegate = make_delegate(name_zh="李无证", name_en="Li Nobadge", mobile="+8613912347788")
    open_scanner(page, live_server, checkpoint)

    page.locator("#search-input").fill("7788")
    page.locator("#search-form button[type='submit']").click()
    row = page.locator(f"#search-results [data-registration='{delegate.id}']")
    expect(row).to_contain_text("Li Nobadge")
    row.locator(".search-pick").click()
    expect(page.locator("#search-confirm")).to_contain_text("Li Nobadge")
    page.locator("#search-confirm-yes").click()

    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-verdict", "ok")
    expect(verdict).to_contain_text("李无证")
    [scan] = scans_of(live_server, [delegate.id])
    assert scan.method.value == "search"
    assert len(entries(live_server, delegate.id)) == 1


def test_search_by_chinese_name_finds_the_delegate(page, live_server, checkpoint, make_delegate):
    delegate = make_delegate(name_zh="欧阳查找", name_en="Ouyang Search")
    open_scanner(page, live_server, checkpoint)

    page.locator("#search-input").fill("欧阳查")
    page.locator("#search-form button[type='submit']").click()

    expect(page.locator(f"#search-results [data-registration='{delegate.id}']")).to_contain_text(
        "Ouyang Search"
    )


def test_scanner_speaks_chinese(page_zh, live_server, checkpoint, make_delegate, artifacts_dir):
    delegate = make_delegate(name_zh="王中文", name_en="Wang Chinese")
    page_zh.context.add_cookies(
        [{"name": "wadconf_lang", "value": "zh_Hans", "url": live_server.url}]
    )
    log_in(page_zh, live_server)
    page_zh.goto("/checkin/")
    expect(page_zh.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page_zh.locator("h1")).to_have_text("证件扫码")
    page_zh.locator("#setup-checkpoint").select_option(str(checkpoint))
    page_zh.locator("#setup-start").click()

    scan_by_keyboard(page_zh, delegate.badge_code)

    expect(page_zh.locator("#verdict-title")).to_have_text("准予入场")
    # The delegate's names: Chinese first and largest on a Chinese page.
    expect(page_zh.locator("#verdict-name")).to_have_text("王中文")
    expect(page_zh.locator("#verdict-name-other")).to_have_text("Wang Chinese")
    expect(history_rows(page_zh).first.locator(".history-status")).to_have_text("准予入场")
    page_zh.screenshot(path=str(artifacts_dir / "scanner-ok-zh.png"))


def test_checkpoint_choice_is_remembered(page, live_server, checkpoint):
    open_scanner(page, live_server, checkpoint, device="Lane 7")

    page.goto("/checkin/")

    expect(page.locator("#scanner-main")).to_be_visible()
    expect(page.locator("#where-device")).to_have_text("Lane 7")
    assert re.search(r"Test Entrance", page.locator("#where-checkpoint").inner_text())


def test_green_amber_and_red_sound_and_vibrate_differently(
    page, live_server, checkpoint, make_delegate
):
    delegate = make_delegate()
    page.add_init_script(SIGNAL_RECORDER)
    open_scanner(page, live_server, checkpoint)
    signals = []
    for code, verdict in [
        (delegate.badge_code, "ok"),
        (delegate.badge_code, "already_checked_in"),
        ("WAD1-FORGED0000000000000000000", "unknown_code"),
    ]:
        page.evaluate("() => { window.__vibrations = []; window.__tones = []; }")
        scan_by_keyboard(page, code)
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", verdict)
        page.wait_for_function("() => window.__tones.length > 0")
        signals.append(page.evaluate("() => [window.__vibrations, window.__tones]"))

    vibrations = [json.dumps(v) for v, _ in signals]
    tones = [json.dumps(t) for _, t in signals]
    assert len(set(vibrations)) == 3, signals
    assert len(set(tones)) == 3, signals


def test_exit_lane_at_an_entry_exit_checkpoint_records_exits(
    page, live_server, scan_event, make_delegate
):
    with live_server.app.app_context(), write_intent():
        row = Checkpoint(
            event_id=scan_event.id,
            code="hall-in-out",
            name_en="Signing Hall",
            reentry=ReentryPolicy.IN_OUT,
        )
        db.session.add(row)
        db.session.commit()
        hall = row.id
    delegate = make_delegate(name_en="Going Out")
    open_scanner(page, live_server, hall)
    scan_by_keyboard(page, delegate.badge_code)
    expect(page.locator("#verdict-title")).to_have_text("Admitted")

    page.locator("#direction input[value='out']").check()
    page.locator("#scan-input").focus()
    scan_by_keyboard(page, delegate.badge_code)

    expect(page.locator("#verdict-title")).to_have_text("Exit recorded")
    [entry] = entries(live_server, delegate.id)
    assert entry.is_inside is False


def test_logging_out_clears_the_list_of_recent_scans(page, live_server, checkpoint, make_delegate):
    delegate = make_delegate(name_en="Private Name")
    open_scanner(page, live_server, checkpoint)
    scan_by_keyboard(page, delegate.badge_code)
    expect(history_rows(page)).to_have_count(1)
    page.locator("#verdict").click()

    page.locator("form[action='/logout'] button").click()
    log_in(page, live_server)
    page.goto("/checkin/")

    expect(page.locator("#scanner-main")).to_be_visible()
    expect(history_rows(page)).to_have_count(0)
    expect(page.locator("#history-empty")).to_be_visible()

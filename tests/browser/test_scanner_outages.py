"""The scanner when the server cannot be reached or fails: pending, never admitted; retried.

Playwright's routing cuts the scan requests (or drops their answers) while the page runs.
"""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip, or fail when WADCONF_REQUIRE_BROWSER=1
    expect = None

from tests.browser.scanner_support import (
    RECORD_VERDICTS,
    RETRY_WAIT_MS,
    entries,
    history_rows,
    open_scanner,
    scan_by_keyboard,
    scans_of,
)

pytestmark = pytest.mark.browser


def test_scan_while_server_unreachable_is_pending_then_admitted_after_it_returns(
    page, live_server, checkpoint, make_delegate
):
    delegate = make_delegate(name_en="Offline Person")
    open_scanner(page, live_server, checkpoint)
    page.route("**/api/v1/scans", lambda route: route.abort("internetdisconnected"))

    scan_by_keyboard(page, delegate.badge_code)

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "pending")
    expect(history_rows(page).first).to_have_attribute("data-verdict", "pending")
    expect(page.locator("#pending-count")).to_have_text("1")
    page.wait_for_timeout(1500)  # a retry or two, still unreachable
    expect(history_rows(page).first).to_have_attribute("data-verdict", "pending")
    assert entries(live_server, delegate.id) == []

    page.unroute("**/api/v1/scans")

    expect(history_rows(page).first).to_have_attribute("data-verdict", "ok", timeout=RETRY_WAIT_MS)
    expect(page.locator("#pending-banner")).to_be_hidden()
    assert len(entries(live_server, delegate.id)) == 1


def test_scans_behind_an_unanswered_one_are_pending_too(
    page, live_server, checkpoint, make_delegate
):
    first, second = make_delegate(), make_delegate(name_en="Second Offline")
    open_scanner(page, live_server, checkpoint)
    page.route("**/api/v1/scans", lambda route: route.abort("internetdisconnected"))
    scan_by_keyboard(page, first.badge_code)
    expect(history_rows(page).first).to_have_attribute("data-verdict", "pending")
    page.locator("#verdict").click()  # staff close the first pending screen
    expect(page.locator("#verdict")).to_be_hidden()
    page.evaluate(RECORD_VERDICTS)

    scan_by_keyboard(page, second.badge_code)

    expect(page.locator("#pending-count")).to_have_text("2")
    for row in history_rows(page).all():
        expect(row).to_have_attribute("data-verdict", "pending")
    page.wait_for_function("() => window.__shown.length >= 1")
    assert [verdict for verdict, _name in page.evaluate("() => window.__shown")] == ["pending"]
    page.unroute("**/api/v1/scans")
    expect(history_rows(page).locator(".history-status")).to_have_text(
        ["admitted", "admitted"], timeout=RETRY_WAIT_MS
    )


def test_pending_scans_survive_a_reload(page, live_server, checkpoint, make_delegate):
    delegate = make_delegate()
    open_scanner(page, live_server, checkpoint)
    page.route("**/api/v1/scans", lambda route: route.abort("internetdisconnected"))
    scan_by_keyboard(page, delegate.badge_code)
    expect(history_rows(page).first).to_have_attribute("data-verdict", "pending")

    page.reload()

    expect(page.locator("#scanner-main")).to_be_visible()  # the checkpoint was remembered
    expect(history_rows(page).first).to_have_attribute("data-verdict", "pending")
    expect(page.locator("#pending-count")).to_have_text("1")
    page.unroute("**/api/v1/scans")
    expect(history_rows(page).first).to_have_attribute("data-verdict", "ok", timeout=RETRY_WAIT_MS)
    assert len(entries(live_server, delegate.id)) == 1


def test_lost_answer_is_retried_with_its_nonce_and_records_one_scan(
    page, live_server, checkpoint, make_delegate
):
    delegate = make_delegate()
    open_scanner(page, live_server, checkpoint)
    lost = []

    def deliver_then_drop_answer(route):
        route.fetch()  # the server decides and records the scan...
        lost.append(route.request.post_data_json["nonce"])
        route.abort("connectionreset")  # ...but its answer never arrives

    page.route("**/api/v1/scans", deliver_then_drop_answer, times=1)

    scan_by_keyboard(page, delegate.badge_code)

    expect(history_rows(page).first).to_have_attribute("data-verdict", "ok", timeout=RETRY_WAIT_MS)
    assert len(lost) == 1
    [scan] = scans_of(live_server, [delegate.id])
    assert scan.nonce == lost[0]
    assert len(entries(live_server, delegate.id)) == 1


def test_a_code_the_server_keeps_failing_on_does_not_hold_up_the_lane(
    page, live_server, checkpoint, make_delegate
):
    broken, fine = make_delegate(), make_delegate(name_en="Next In Line")
    open_scanner(page, live_server, checkpoint)

    def fail_for_broken(route):
        if route.request.post_data_json["code"] == broken.badge_code:
            route.fulfill(status=500, json={"error": "server_error", "message": "boom"})
        else:
            route.continue_()

    page.route("**/api/v1/scans", fail_for_broken)

    scan_by_keyboard(page, broken.badge_code)
    scan_by_keyboard(page, fine.badge_code)

    rows = history_rows(page)
    expect(rows.nth(0)).to_have_attribute("data-verdict", "ok", timeout=RETRY_WAIT_MS)
    expect(rows.nth(1)).to_have_attribute("data-verdict", "error")
    expect(rows.nth(1).locator(".history-detail")).to_contain_text("Do not admit")
    assert entries(live_server, broken.id) == []
    assert len(entries(live_server, fine.id)) == 1

"""Signing readiness in Chromium: it renders under the CSP and refreshes itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, RegistrationStatus
from wadconf.services.checkin import perform_scan
from wadconf.services.session_checkpoints import ensure_session_checkpoint
from wadconf.services.signing_readiness import readiness

pytestmark = pytest.mark.browser


def _log_in(page, live_server) -> None:
    page.goto("/login")
    page.fill("input[name=email]", live_server.staff_email)
    page.fill("input[name=password]", live_server.staff_password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/**")


def _one_more_in_the_hall(live_server) -> tuple[int, str]:
    """Scan a missing signatory of a demo ceremony in at its checkpoint.

    Returns the ceremony's session id and its new count line.
    """
    with live_server.app.test_request_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == "wad2024"))
        ceremony, waiting = next(
            (c, r.presence.registration)
            for c in readiness(event)
            for a in c.agreements
            for p in a.parties
            for r in p.signatories
            if not r.presence.in_hall
            and r.presence.registration.status == RegistrationStatus.CONFIRMED
        )
        gate = ensure_session_checkpoint(ceremony.session)
        perform_scan(waiting.badge_code, checkpoint=gate.id, now=ceremony.session.starts_at)
        db.session.commit()
        now = readiness(event, session_id=ceremony.session.id)[0]
        return ceremony.session.id, f"{now.in_hall} of {now.total} signatories in the hall"


def test_readiness_updates_itself_without_a_reload(page, live_server):
    _log_in(page, live_server)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/admin/events/wad2024/signing-readiness")
    assert page.locator("#live section.ceremony").count() >= 1
    page.evaluate("window.__notReloaded = true")

    session_id, expected = _one_more_in_the_hall(live_server)
    page.wait_for_function(
        "([id, text]) => document.querySelector(`#ceremony-${id} .count-hall`)"
        ".textContent.includes(text)",
        arg=[session_id, expected],
        timeout=25_000,
    )
    assert page.evaluate("window.__notReloaded") is True  # updated in place
    assert errors == []  # no CSP violation, no script error


def test_the_enrolled_rule_is_offered_once_a_session_is_linked(page, live_server):
    _log_in(page, live_server)
    page.goto("/admin/events/wad2024/checkpoints/new")
    enrolled = page.locator('#rule option[value="enrolled"]')
    assert enrolled.is_disabled()
    session_value = page.locator("#session_id option").nth(1).get_attribute("value")
    page.select_option("#session_id", session_value)
    assert not enrolled.is_disabled()
    page.select_option("#rule", "enrolled")
    page.select_option("#session_id", "")
    assert page.locator("#rule").input_value() == "all"

"""The live check-in dashboard in Chromium: it renders under the CSP and refreshes itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import (
    CheckIn,
    Checkpoint,
    Event,
    Registration,
    RegistrationStatus,
)

pytestmark = pytest.mark.browser


def _log_in(page, live_server) -> None:
    page.goto("/login")
    page.fill("input[name=email]", live_server.staff_email)
    page.fill("input[name=password]", live_server.staff_password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/**")


def _admit_one_more(live_server) -> int:
    """Admit a confirmed demo delegate not yet admitted at the entrance; the new count."""
    with live_server.app.app_context(), write_intent():
        event = db.session.scalar(select(Event).where(Event.slug == "wad2024"))
        gate = db.session.scalar(
            select(Checkpoint).where(
                Checkpoint.event_id == event.id, Checkpoint.code == "main-entrance"
            )
        )
        admitted = select(CheckIn.registration_id).where(CheckIn.checkpoint_id == gate.id)
        newcomer = db.session.scalar(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.id.not_in(admitted),
            )
            .limit(1)
        )
        db.session.add(
            CheckIn(
                event_id=event.id,
                registration_id=newcomer.id,
                checkpoint_id=gate.id,
                checked_in_at=datetime(2024, 6, 6, 1, 25, tzinfo=UTC),
            )
        )
        db.session.commit()
        return db.session.scalar(
            select(db.func.count()).select_from(CheckIn).where(CheckIn.checkpoint_id == gate.id)
        )


def test_dashboard_updates_itself_without_a_reload(page, live_server):
    _log_in(page, live_server)  # (the login page's missing favicon is not this test's)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/admin/events/wad2024/checkin")
    first_row = page.locator("#live table.figures tbody tr").first
    before = int(first_row.locator("td.admitted").inner_text())
    assert page.locator("svg.arrivals-chart rect.bar").count() > 0
    page.evaluate("window.__notReloaded = true")

    after = _admit_one_more(live_server)
    assert after == before + 1
    page.wait_for_function(
        "n => document.querySelector('#live td.admitted').textContent.trim() === String(n)",
        arg=after,
        timeout=25_000,
    )
    assert page.evaluate("window.__notReloaded") is True  # updated in place
    assert errors == []  # no CSP violation, no script error

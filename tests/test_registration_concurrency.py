"""Seat limits under real parallel requests, on SQLite and PostgreSQL.

The app runs in a threaded werkzeug server; threads released together by a barrier POST the
registration form at once, as a crowd (or a double click) would.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import Event, Invitation, InvitationState, Registration, RegistrationStatus

PARALLEL = 20


@pytest.fixture
def live_url(app) -> Iterator[str]:
    """``app`` served by a threaded werkzeug server on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="registration-live", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def form(n: int, key: str) -> dict[str, str]:
    """A valid registration form for delegate ``n``."""
    return {
        "name_zh": f"代表{n}",
        "name_en": f"Delegate {n}",
        "organisation": "示例机构",
        "country": "CN",
        "email": f"d{n}@example.org",
        "mobile": f"+86 138 0000 {n:04d}",
        "locale": "en",
        "consent": "y",
        "notice_version": "1",
        "submission_key": key,
    }


def post_all(base: str, requests: list[tuple[str, dict[str, str]]]) -> list[tuple[int, str]]:
    """POST every (path, form) from its own thread at the same moment; (status, Location) each."""
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, str] | BaseException] = [None] * len(requests)  # type: ignore[list-item]
    parts = urlsplit(base)

    def send(index: int, path: str, data: dict[str, str]) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            body = urlencode(data)
            barrier.wait(timeout=30)
            connection.request(
                "POST",
                path,
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            response.read()
            results[index] = (response.status, response.getheader("Location") or "")
        except BaseException as exc:  # reported by the test below, not lost in the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(i, path, data))
        for i, (path, data) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results  # type: ignore[return-value]


def count_registrations(app, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(Registration)
        for name, value in where.items():
            query = query.where(getattr(Registration, name) == value)
        return db.session.scalar(query)


def test_twenty_parallel_registrations_on_three_seats_make_exactly_three(
    app, live_url, make_event, make_invitation
):
    event = make_event()
    invitation = make_invitation(event, seats=3)
    path = f"/i/{invitation.token}/register"
    started = time.perf_counter()
    results = post_all(
        live_url, [(path, form(n, f"key{n:02d}" + "x" * 20)) for n in range(PARALLEL)]
    )
    elapsed = time.perf_counter() - started
    done = [
        location for status, location in results if status == 302 and location.endswith("/done")
    ]
    refused = [
        location
        for status, location in results
        if status == 302 and location == f"/i/{invitation.token}"
    ]
    with app.app_context():
        stored = db.session.get(Invitation, invitation.id)
        seats_used, state = stored.seats_used, stored.state
    print(f"\n{PARALLEL} parallel POSTs on 3 seats: {elapsed:.2f}s")
    assert (len(done), len(refused)) == (3, PARALLEL - 3), results
    assert (count_registrations(app), seats_used, state) == (3, 3, InvitationState.REGISTERED)


def test_parallel_double_submit_registers_once(app, live_url, make_event, make_invitation):
    event = make_event()
    invitation = make_invitation(event, seats=3)
    same = form(1, "same-key-" + "x" * 20)
    results = post_all(live_url, [(f"/i/{invitation.token}/register", same)] * 5)
    locations = {location for _status, location in results}
    with app.app_context():
        seats_used = db.session.get(Invitation, invitation.id).seats_used
    assert (count_registrations(app), seats_used, len(locations)) == (1, 1, 1), results


def test_parallel_registrations_do_not_overfill_the_event(
    app, live_url, make_event, make_invitation
):
    event = make_event()
    with app.app_context(), write_intent():
        db.session.get(Event, event.id).capacity = 3
        db.session.commit()
    invitations = [make_invitation(event) for _ in range(PARALLEL)]
    post_all(
        live_url,
        [
            (f"/i/{inv.token}/register", form(n, f"cap{n:02d}" + "x" * 20))
            for n, inv in enumerate(invitations)
        ],
    )
    assert count_registrations(app, status=RegistrationStatus.CONFIRMED) == 3
    assert count_registrations(app, status=RegistrationStatus.WAITLISTED) == PARALLEL - 3

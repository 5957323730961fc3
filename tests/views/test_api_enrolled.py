"""The ``enrolled`` rule through the scan API: the Flask path and the bearer fast path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.services.test_checkin import add_checkpoint
from tests.views.test_api import bearer, post_scan, token_for
from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import AdmissionRule, Enrolment, EnrolmentStatus, Session


def _session(app, event) -> int:
    with app.app_context(), write_intent():
        session = Session(
            event_id=event.id,
            title_en="Digital track",
            requires_enrolment=True,
            starts_at=datetime(2025, 6, 5, 6, 0, tzinfo=UTC),
            ends_at=datetime(2025, 6, 5, 7, 0, tzinfo=UTC),
        )
        db.session.add(session)
        db.session.commit()
        return session.id


def _enrol(app, session_id, registration, status=EnrolmentStatus.ENROLLED) -> None:
    with app.app_context(), write_intent():
        db.session.add(
            Enrolment(session_id=session_id, registration_id=registration.id, status=status)
        )
        db.session.commit()


@pytest.fixture
def room_gate(app, make_event, make_registration, make_user):
    """A checkpoint with the enrolled rule linked to a session (always open), a delegate,
    and a checkin account with a token."""
    event = make_event()
    session_id = _session(app, event)
    user = make_user("checkin")
    return {
        "event": event,
        "session": session_id,
        "registration": make_registration(event, name_en="Li Si"),
        "checkpoint": add_checkpoint(
            app, event, code="room-a", rule=AdmissionRule.ENROLLED, session_id=session_id
        ),
        "user": user,
        "headers": bearer(token_for(app, user)),
    }


@pytest.fixture(params=["bearer", "session"])
def path(request, client, auth, room_gate, caplog):
    """Post through the bearer fast path, or as a logged-in staff member (Flask's stack).

    A fast path that failed would pass the request to Flask silently (and log it): the
    bearer case checks that it answered itself.
    """
    if request.param == "session":
        auth.login(room_gate["user"].email)
        yield {}
        return
    yield None
    assert "scan fast path failed" not in caplog.text


def test_enrolled_delegate_is_admitted(app, client, room_gate, path):
    _enrol(app, room_gate["session"], room_gate["registration"])
    response = post_scan(client, room_gate, headers=path)
    assert response.status_code == 201
    assert response.get_json()["result"] == "ok"


def test_delegate_not_enrolled_is_refused(client, room_gate, path):
    response = post_scan(client, room_gate, headers=path)
    assert response.status_code == 403
    assert response.get_json()["result"] == "not_allowed"


def test_waitlisted_delegate_is_refused(app, client, room_gate, path):
    _enrol(app, room_gate["session"], room_gate["registration"], EnrolmentStatus.WAITLISTED)
    response = post_scan(client, room_gate, headers=path)
    assert response.get_json()["result"] == "not_allowed"

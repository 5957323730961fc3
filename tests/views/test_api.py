"""The scan API: credentials, roles, events, HTTP statuses, CSRF for session callers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.services.test_checkin import add_checkpoint
from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import ApiToken, CheckIn, RegistrationStatus, Scan, StaffUser
from wadconf.services import api_tokens


def token_for(app, user, name="Gate 1") -> str:
    with app.app_context(), write_intent():
        _row, token = api_tokens.create_token(db.session.get(StaffUser, user.id), name=name)
        db.session.commit()
        return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def gate(app, make_event, make_registration, make_user):
    """An event with a checkpoint, a confirmed delegate and a checkin account's token."""
    event = make_event()
    registration = make_registration(event, name_zh="张三", name_en="Zhang San")
    checkpoint_id = add_checkpoint(app, event)
    user = make_user("checkin")
    return {
        "event": event,
        "registration": registration,
        "checkpoint": checkpoint_id,
        "user": user,
        "headers": bearer(token_for(app, user)),
    }


def post_scan(client, gate, code=None, headers=None, **extra):
    body = {"checkpoint": gate["checkpoint"], "code": code or gate["registration"].badge_code}
    body.update(extra)
    return client.post(
        "/api/v1/scans", json=body, headers=gate["headers"] if headers is None else headers
    )


# --- answers ------------------------------------------------------------------------------


def test_ok_scan_is_201_with_the_delegate(client, gate):
    response = post_scan(client, gate)
    assert response.status_code == 201
    body = response.get_json()
    assert body["result"] == "ok"
    assert body["registration"]["name_zh"] == "张三"
    assert body["checked_in_at"] is not None
    assert body["replayed"] is False


def test_bearer_scan_carries_the_same_security_headers_as_other_answers(client, gate):
    # Bearer scans are answered in front of Flask (views/api_fast.py): same headers.
    scan = post_scan(client, gate)
    other = client.get("/api/v1/checkpoints", headers=gate["headers"])
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Permissions-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert scan.headers.get(name) == other.headers.get(name), name


def test_bearer_scan_over_https_carries_hsts(app, client, gate):
    app.config["HTTPS"] = True
    assert "Strict-Transport-Security" in post_scan(client, gate).headers


def test_second_scan_is_409_already_checked_in(client, gate):
    post_scan(client, gate)
    response = post_scan(client, gate)
    assert response.status_code == 409
    assert response.get_json()["result"] == "already_checked_in"


def test_unknown_code_is_404(client, gate):
    response = post_scan(client, gate, code="https://example.org/not-a-badge")
    assert response.status_code == 404
    assert response.get_json()["result"] == "unknown_code"
    assert response.get_json()["registration"] is None


def test_cancelled_badge_is_403_with_its_verdict(client, gate, make_registration):
    cancelled = make_registration(gate["event"], status=RegistrationStatus.CANCELLED)
    response = post_scan(client, gate, code=cancelled.badge_code)
    assert response.status_code == 403
    assert response.get_json()["result"] == "cancelled"


def test_retry_with_nonce_replays(client, app, gate):
    first = post_scan(client, gate, nonce="n-1")
    again = post_scan(client, gate, nonce="n-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["replayed"] is True
    assert again.get_json()["scan_id"] == first.get_json()["scan_id"]
    assert count(app, Scan) == 1


def test_device_defaults_to_the_token_name(client, app, gate):
    post_scan(client, gate)
    with app.app_context():
        assert db.session.scalar(select(Scan.device)) == "Gate 1"
        assert db.session.scalar(select(Scan.api_token_id)) is not None


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"code": "WAD1-X"},
        {"checkpoint": "one", "code": "WAD1-X"},
        {"checkpoint": 1},
        {"checkpoint": 1, "code": "  "},
        {"checkpoint": 1, "code": 42},
        {"checkpoint": 1, "code": "WAD1-X", "direction": "sideways"},
        {"checkpoint": 1, "code": "WAD1-X", "method": "search"},
        {"checkpoint": 1, "code": "WAD1-X", "nonce": "x" * 65},
    ],
)
def test_malformed_body_is_400_json(client, gate, body):
    if body is None:
        response = client.post(
            "/api/v1/scans", data="not json", headers=gate["headers"], content_type="text/plain"
        )
    else:
        response = client.post("/api/v1/scans", json=body, headers=gate["headers"])
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed"


def test_unknown_checkpoint_is_404_error(client, gate):
    response = client.post(
        "/api/v1/scans", json={"checkpoint": 99999, "code": "WAD1-X"}, headers=gate["headers"]
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "checkpoint_not_found"


# --- credentials and roles ----------------------------------------------------------------


def test_no_credentials_is_401_json_not_a_redirect(client, gate, app):
    response = post_scan(client, gate, headers={})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert count(app, Scan) == 0


@pytest.mark.parametrize(
    "header", ["Bearer wadt_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-wadconf-token"]
)
def test_bad_credentials_are_401(client, gate, header):
    response = post_scan(client, gate, headers={"Authorization": header})
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401(client, app, gate):
    with app.app_context(), write_intent():
        api_tokens.revoke_token(db.session.scalar(select(ApiToken)))
        db.session.commit()
    assert post_scan(client, gate).status_code == 401


def test_token_of_a_disabled_account_is_401(client, app, gate):
    with app.app_context(), write_intent():
        db.session.get(StaffUser, gate["user"].id).is_active_account = False
        db.session.commit()
    assert post_scan(client, gate).status_code == 401


def test_reporter_token_may_not_scan(client, app, gate, make_user):
    reporter = make_user("checkin")
    headers = bearer(token_for(app, reporter))
    with app.app_context(), write_intent():
        db.session.get(StaffUser, reporter.id).role = "reporter"
        db.session.commit()
    response = post_scan(client, gate, headers=headers)
    assert response.status_code == 403
    assert count(app, Scan) == 0


def test_reporter_session_may_not_scan(client, auth, gate, make_user):
    reporter = make_user("reporter")
    auth.login(reporter.email)
    assert post_scan(client, gate, headers={}).status_code == 403
    assert client.get("/api/v1/checkpoints").status_code == 403


def test_staff_limited_to_another_event_gets_403(client, app, gate, make_event, make_user):
    other = make_event()
    user = make_user("checkin")
    with app.app_context(), write_intent():
        db.session.get(StaffUser, user.id).event_id = other.id
        db.session.commit()
    response = post_scan(client, gate, headers=bearer(token_for(app, user)))
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert count(app, Scan) == 0


def test_logged_in_staff_scan_with_the_session(client, auth, gate):
    auth.login(gate["user"].email)
    assert post_scan(client, gate, headers={}).status_code == 201


def _csrf_from_page(client) -> str:
    page = client.get("/staff/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_session_scan_without_csrf_header_is_refused(client, auth, app, gate):
    auth.login(gate["user"].email)
    app.config["WTF_CSRF_ENABLED"] = True
    response = post_scan(client, gate, headers={})
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf"
    assert count(app, Scan) == 0


def test_session_scan_with_the_pages_csrf_token_passes(client, auth, app, gate):
    auth.login(gate["user"].email)
    app.config["WTF_CSRF_ENABLED"] = True
    token = _csrf_from_page(client)
    assert post_scan(client, gate, headers={"X-CSRFToken": token}).status_code == 201


def test_bearer_scan_needs_no_csrf(client, app, gate):
    app.config["WTF_CSRF_ENABLED"] = True
    assert post_scan(client, gate).status_code == 201


def test_last_used_is_written_at_most_once_a_minute(client, app, gate):
    post_scan(client, gate)
    with app.app_context():
        first = db.session.scalar(select(ApiToken.last_used_at))
    post_scan(client, gate)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) == first
        assert first is not None
    with app.app_context(), write_intent():
        db.session.scalar(select(ApiToken)).last_used_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    post_scan(client, gate)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) > first


# --- checkpoints, search, check-in by search, undo ---------------------------------------------


def test_checkpoints_lists_active_ones_of_the_callers_event(client, app, gate, make_event):
    other = make_event()
    add_checkpoint(app, other, code="elsewhere")
    add_checkpoint(app, gate["event"], code="shut", is_active=False)
    with app.app_context(), write_intent():
        db.session.get(StaffUser, gate["user"].id).event_id = gate["event"].id
        db.session.commit()
    body = client.get("/api/v1/checkpoints", headers=gate["headers"]).get_json()
    assert [c["id"] for c in body["checkpoints"]] == [gate["checkpoint"]]
    assert body["checkpoints"][0]["event"]["slug"] == gate["event"].slug
    assert body["checkpoints"][0]["is_open"] is True


def test_search_then_check_in_without_a_badge(client, app, gate):
    url = f"/api/v1/checkpoints/{gate['checkpoint']}/search"
    results = client.get(url, query_string={"q": "张"}, headers=gate["headers"]).get_json()
    assert [r["id"] for r in results["results"]] == [gate["registration"].id]
    response = client.post(
        f"/api/v1/checkpoints/{gate['checkpoint']}/checkins",
        json={"registration": gate["registration"].id, "nonce": "s-1"},
        headers=gate["headers"],
    )
    assert response.status_code == 201
    assert count(app, CheckIn) == 1


def test_search_at_another_events_checkpoint_is_403(client, app, gate, make_event):
    other = make_event()
    elsewhere = add_checkpoint(app, other, code="elsewhere")
    with app.app_context(), write_intent():
        db.session.get(StaffUser, gate["user"].id).event_id = gate["event"].id
        db.session.commit()
    url = f"/api/v1/checkpoints/{elsewhere}/search?q=ab"
    assert client.get(url, headers=gate["headers"]).status_code == 403


def test_undo_then_undo_again(client, app, gate):
    scan_id = post_scan(client, gate).get_json()["scan_id"]
    first = client.post(
        f"/api/v1/scans/{scan_id}/undo", json={"reason": "wrong badge"}, headers=gate["headers"]
    )
    again = client.post(
        f"/api/v1/scans/{scan_id}/undo", json={"reason": "wrong badge"}, headers=gate["headers"]
    )
    assert first.status_code == 200 and first.get_json()["result"] == "annulled"
    assert again.status_code == 409 and again.get_json()["error"] == "already_annulled"
    assert count(app, CheckIn, CheckIn.annulled_at.is_(None)) == 0


def test_undo_without_reason_is_400(client, gate):
    scan_id = post_scan(client, gate).get_json()["scan_id"]
    response = client.post(f"/api/v1/scans/{scan_id}/undo", json={}, headers=gate["headers"])
    assert response.status_code == 400
    assert response.get_json()["error"] == "reason_required"


def test_undo_of_unknown_scan_is_404(client, gate):
    response = client.post(
        "/api/v1/scans/987654/undo", json={"reason": "x"}, headers=gate["headers"]
    )
    assert response.status_code == 404
